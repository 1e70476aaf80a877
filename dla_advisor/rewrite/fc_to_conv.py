"""Flatten/Reshape + Gemm/MatMul with constant weights → 1×1 (or H×W) Conv on the 4-D tensor + Flatten."""

from __future__ import annotations

import numpy as np
import onnx_graphsurgeon as gs

from . import _gs
from ._registry import Rewrite, register

NAME = "fc-to-conv"


def _flatten_source(graph, flat_node, ctx):
    """The 4-D tensor a Flatten(axis=1)/Reshape([N, -1]) reads, or None."""
    if flat_node is None:
        return None
    x = flat_node.inputs[0]
    shape = _gs.static_shape(x)
    if shape is None or len(shape) != 4 or not _gs.known(shape, 1, 2, 3):
        return None
    if flat_node.op == "Flatten":
        return x if int(flat_node.attrs.get("axis", 1)) == 1 else None
    if flat_node.op == "Reshape":
        target = _gs.const_value(flat_node.inputs[1]) if len(flat_node.inputs) > 1 else None
        out = _gs.static_shape(flat_node.outputs[0])
        k = shape[1] * shape[2] * shape[3]
        if target is not None and target.size == 2 and int(target[1]) in (k, -1) and int(target[0]) in (0, -1, shape[0] or -2):
            return x
        if out is not None and len(out) == 2 and out[1] == k and (out[0] is None or out[0] == shape[0]):
            return x
    return None


def _gemm_weights(node):
    """(W [M,K], bias [M] or None) with alpha/beta folded in, or None when not constant/applicable."""
    if node.op == "Gemm":
        if int(node.attrs.get("transA", 0)):
            return None
        w = _gs.const_value(node.inputs[1])
        if w is None or w.ndim != 2:
            return None
        w = w if int(node.attrs.get("transB", 0)) else w.T
        w = w * np.asarray(node.attrs.get("alpha", 1.0), dtype=w.dtype)
        bias = None
        if len(node.inputs) > 2 and node.inputs[2] is not None and node.inputs[2].name:
            c = _gs.const_value(node.inputs[2])
            if c is None or c.size not in (1, w.shape[0]) or (c.ndim == 2 and c.shape[0] != 1) or c.ndim > 2:
                return None
            bias = np.broadcast_to(c.reshape(-1), (w.shape[0],)) * np.asarray(node.attrs.get("beta", 1.0), dtype=c.dtype)
        return w, bias
    w = _gs.const_value(node.inputs[1])  # MatMul: x [N,K] @ W [K,M]
    if w is None or w.ndim != 2:
        return None
    return w.T, None


def _bias_add(graph, node):
    """A following Add of a constant [M] bias (MatMul + Add as exported by many tools)."""
    add = _gs.only_consumer(graph, node.outputs[0])
    if add is None or add.op != "Add":
        return None, None
    other = add.inputs[1] if add.inputs[0] is node.outputs[0] else add.inputs[0]
    c = _gs.const_value(other)
    m = _gs.static_shape(node.outputs[0])
    if c is None or m is None or len(m) != 2 or m[1] is None or c.size not in (1, m[1]) or c.ndim > 2:
        return None, None
    if c.ndim == 2 and c.shape[0] != 1:
        return None, None
    return add, np.broadcast_to(c.reshape(-1), (m[1],))


def apply(graph, ctx) -> int:
    kmax = ctx.limits.conv_kernel_max
    if not kmax:
        return 0
    changed = 0
    for node in [n for n in graph.nodes if n.op in ("Gemm", "MatMul")]:
        if not node.inputs or not node.outputs:
            continue
        flat_node = _gs.producer(node.inputs[0])
        x = _flatten_source(graph, flat_node, ctx) if flat_node is not None and flat_node.op in ("Flatten", "Reshape") else None
        if x is None:
            continue
        wb = _gemm_weights(node)
        if wb is None:
            ctx.note(NAME, node.name, "weights (or bias) are not constants of a plain fully-connected layer")
            continue
        w, bias = wb
        _, c, h, wd = _gs.static_shape(x)
        if w.shape[1] != c * h * wd:
            continue
        if h > kmax or wd > kmax:
            ctx.note(NAME, node.name, f"the {h}x{wd} kernel it would need exceeds DLA's {kmax}")
            continue
        y = node.outputs[0]
        add = None
        if node.op == "MatMul":
            add, bias = _bias_add(graph, node)
            if add is not None:
                y = add.outputs[0]
        m = w.shape[0]
        dtype = _gs.float_dtype(x)
        # Row-major flatten of [C, H, W] matches the [M, C, kH, kW] weight layout of a conv over the map.
        weight = gs.Constant(ctx.fresh(f"{node.name}_weight"), np.ascontiguousarray(w.reshape(m, c, h, wd), dtype=dtype))
        inputs = [x, weight]
        if bias is not None:
            inputs.append(gs.Constant(ctx.fresh(f"{node.name}_bias"), np.ascontiguousarray(bias, dtype=dtype)))
        conv_out = gs.Variable(ctx.fresh(f"{node.name}_conv"), dtype=y.dtype)
        conv = gs.Node("Conv", ctx.fresh(f"{node.name}_as_conv"),
                       {"kernel_shape": [h, wd], "strides": [1, 1], "pads": [0, 0, 0, 0]}, inputs, [conv_out])
        flat = gs.Node("Flatten", ctx.fresh(f"{node.name}_flatten"), {"axis": 1}, [conv_out], [y])
        _gs.detach(node)
        if add is not None:
            _gs.detach(add)
        graph.nodes.extend([conv, flat])
        changed += 1
    return changed


REWRITE = register(Rewrite(
    name=NAME,
    title="Flatten/Reshape + Gemm/MatMul (constant weights) -> Conv over the 4-D map + Flatten",
    applies="the FC input is Flatten(axis=1) or Reshape([N, -1]) of a 4-D tensor with static C, H, W; weights "
            "(and bias, Gemm C or a following Add) are constants; transA=0; H, W within the DLA kernel limit",
    exact="Flatten lays out [C, H, W] row-major, so x_flat . W[m] equals the convolution of the map with W[m] "
          "reshaped to [C, H, W] (a 1x1 conv after global pooling); alpha and beta are folded into the weights "
          "and bias, and Flatten of the [N, M, 1, 1] output is the [N, M] the FC produced",
    apply=apply,
), order=90)
