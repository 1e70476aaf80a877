"""qdq-to-calib: an explicitly quantized model → the model without Q/DQ nodes + its scales for a calibration cache.

DLA runs INT8 only from implicit scales (TensorRT issue 2222; Model-Optimizer PR 1661), so the route
for a Q/DQ model is the float graph plus a calibration cache holding the model's own scales. This
rewrite removes every activation QuantizeLinear→DequantizeLinear pair (its consumers read the float
tensor again) and records the pair's scale under that tensor's name; Q/DQ on weights is evaluated into
the float weights it stands for (values on the INT8 grid, so TensorRT's own weight quantization
reproduces them). A pair whose grid starts at 0 clamps negatives away, and onnxruntime's quantizer
deletes the ReLU/Clip in front of such a pair, so unless the tensor is rectified already the clamp comes
back as Clip(0, top of the grid). The scales are left in ``context.extras["int8_scales"]`` for `fix` to write as a
cache. Not exact by construction: the float model skips the rounding the Q/DQ nodes do; `fix`
checks the two agree within the quantization error instead of bit-for-bit.
"""

from __future__ import annotations

import numpy as np
import onnx_graphsurgeon as gs

from ..graph import int8_scale
from ._registry import Rewrite, register

NAME = "qdq-to-calib"
_Q, _DQ = "QuantizeLinear", "DequantizeLinear"


def _const(t) -> np.ndarray | None:
    """The value of a constant input (an initializer or a Constant node's output), else None."""
    if isinstance(t, gs.Constant):
        return np.asarray(t.values)
    if t is not None and len(t.inputs) == 1 and t.inputs[0].op == "Constant":
        v = t.inputs[0].attrs.get("value")
        if isinstance(v, gs.Constant):
            return np.asarray(v.values)
        return None if v is None else np.asarray(v)
    return None


def _broadcast(param: np.ndarray, x: np.ndarray, axis: int) -> np.ndarray:
    if param.ndim == 0 or param.size == 1:
        return param.reshape(())
    shape = [1] * x.ndim
    shape[axis % x.ndim] = param.size
    return param.reshape(shape)


def _zero_point(node) -> np.ndarray:
    zp = _const(node.inputs[2]) if len(node.inputs) > 2 and node.inputs[2] is not None and node.inputs[2].name else None
    return np.zeros((), np.uint8) if zp is None else zp


def quantize(x: np.ndarray, scale: np.ndarray, zp: np.ndarray, axis: int = 1) -> np.ndarray:
    """ONNX QuantizeLinear: saturate(round_half_even(x / scale) + zp) in zp's integer type.

    The division is done in float32, as the operator's inputs are: a weight whose x / scale is a tie in
    float32 must round the way the runtime rounds it.
    """
    info = np.iinfo(zp.dtype)
    ratio = x.astype(np.float32) / _broadcast(scale.astype(np.float32), x, axis)
    q = np.rint(ratio.astype(np.float64)) + _broadcast(zp.astype(np.float64), x, axis)
    return np.clip(q, info.min, info.max).astype(zp.dtype)


def dequantize(q: np.ndarray, scale: np.ndarray, zp: np.ndarray, axis: int = 1) -> np.ndarray:
    """ONNX DequantizeLinear: (q - zp) * scale, in float32."""
    centred = (q.astype(np.int32) - _broadcast(zp.astype(np.int32), q, axis)).astype(np.float32)
    return centred * _broadcast(scale.astype(np.float32), q, axis)


_RECTIFIERS = ("Relu", "Sigmoid", "Softplus")
_QMIN = {"int8": -128, "uint8": 0, "int16": -32768, "uint16": 0}


def _clamp_range(scale: np.ndarray, zp: np.ndarray | None) -> tuple[float, float] | None:
    """``(0, hi)`` when the pair's grid starts exactly at zero (zero-point = the type's minimum), else None.

    onnxruntime's quantizer deletes a Relu (or Clip) in front of such a pair: the quantizer's clamp
    does the rectifying, so taking the pair out must put the clamp back.
    """
    s = np.asarray(scale, np.float64).reshape(-1)
    z = np.zeros(1, np.uint8) if zp is None else np.asarray(zp)
    kind = str(z.dtype)
    if s.size != 1 or kind not in _QMIN or int(z.reshape(-1)[0]) != _QMIN[kind]:
        return None
    return 0.0, float(np.float32((np.iinfo(z.dtype).max - _QMIN[kind]) * s[0]))


_RANGE_KEEPING = ("MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "Flatten", "Reshape", "Transpose",
                  "Squeeze", "Unsqueeze", "Identity", "Resize", "Upsample", "Slice", "Split")


def _rectified(x, depth: int = 32) -> bool:
    """The tensor is non-negative by construction: it comes from a rectifier (ReLU, Clip(0, ...)),
    through range-keeping layers (pooling, reshape, ...) or a Concat of such tensors."""
    if not x.inputs or depth == 0:
        return False
    node = x.inputs[0]
    if node.op == "Clip":
        lo = _const(node.inputs[1]) if len(node.inputs) > 1 and node.inputs[1].name else node.attrs.get("min")
        return lo is not None and float(np.asarray(lo).reshape(-1)[0]) >= 0.0
    if node.op in _RECTIFIERS:
        return True
    if node.op in _RANGE_KEEPING and node.inputs:
        return _rectified(node.inputs[0], depth - 1)
    if node.op == "Concat":
        return all(_rectified(t, depth - 1) for t in node.inputs)
    return False


CLIP_MAX_ON_DLA = 127.0  # DLA runs CLIP only with min 0 and max <= 127 (rules/platforms, clip_range)


def _restore_clamp(graph: gs.Graph, ctx, x, hi: float):
    """The clamp the Q/DQ pair did, reading ``x``: Clip(0, hi), or Relu where hi is past what DLA's
    CLIP takes (the upper clamp is then only the INT8 saturation the cache's scale gives anyway)."""
    out = gs.Variable(ctx.fresh(f"{x.name}_clamp"), dtype=x.dtype, shape=x.shape)
    name = ctx.fresh(f"{x.name}_clamp")
    if hi > CLIP_MAX_ON_DLA:
        node = gs.Node("Relu", name=name, inputs=[x], outputs=[out])
    elif graph.opset >= 11:
        bounds = [gs.Constant(ctx.fresh(f"{x.name}_min"), np.array(0.0, np.float32)),
                  gs.Constant(ctx.fresh(f"{x.name}_max"), np.array(hi, np.float32))]
        node = gs.Node("Clip", name=name, inputs=[x, *bounds], outputs=[out])
    else:
        node = gs.Node("Clip", name=name, attrs={"min": 0.0, "max": hi}, inputs=[x], outputs=[out])
    graph.nodes.append(node)
    return out


def _rewire(node, old, new) -> None:
    for i, t in enumerate(node.inputs):
        if t is old:
            node.inputs[i] = new


def _fold_weight(graph: gs.Graph, node) -> bool:
    """Replace a Q or DQ whose input is a constant by the constant it computes."""
    x, scale = _const(node.inputs[0]), _const(node.inputs[1]) if len(node.inputs) > 1 else None
    if x is None or scale is None or node.attrs.get("block_size"):
        return False
    axis = int(node.attrs.get("axis", 1))
    zp = _zero_point(node)
    value = quantize(x, scale, zp, axis) if node.op == _Q else dequantize(x, scale, zp, axis)
    out = node.outputs[0]
    const = gs.Constant(out.name, value)
    for consumer in list(out.outputs):
        _rewire(consumer, out, const)
    graph.outputs[:] = [const if t is out else t for t in graph.outputs]
    node.outputs.clear()
    node.inputs.clear()
    return True


def _apply(graph: gs.Graph, ctx) -> int:
    sites = 0
    # Weights first, in graph order, so a float weight's Q becomes a constant its DQ can then fold.
    for node in list(graph.toposort().nodes):
        if node.op in (_Q, _DQ) and node.inputs and _const(node.inputs[0]) is not None:
            if _fold_weight(graph, node):
                sites += 1
            else:
                ctx.note(NAME, node.name, "weight Q/DQ with a non-constant scale or block quantization")
    scales: dict[int, tuple[gs.Variable, float]] = {}
    readers: dict[int, set[str]] = {}  # the nodes that read each tensor through its Q/DQ pair
    qparams: dict[int, tuple] = {}  # the pair's own (scale, zero-point, axis), for the round-trip check
    unscaled: dict[int, gs.Variable] = {}  # pairs removed without an INT8 scale (floating-point Q/DQ)
    restored: list[str] = []  # pairs whose clamp at zero stood for a rectifier the quantizer deleted
    for q in [n for n in graph.nodes if n.op == _Q and n.inputs and n.outputs]:
        x, out = q.inputs[0], q.outputs[0]
        dqs = list(out.outputs)
        if not dqs or any(d.op != _DQ for d in dqs):
            ctx.note(NAME, q.name, "its quantized output is read by a node other than DequantizeLinear")
            continue
        scale = _const(q.inputs[1])
        if scale is None:
            ctx.note(NAME, q.name, "its scale is computed at run time, not a constant")
            continue
        zp = _const(q.inputs[2]) if len(q.inputs) > 2 and q.inputs[2].name else None
        s, why = int8_scale(scale, zp)
        if why:
            ctx.notes.append(f"{NAME}: {x.name}: {why}")
        clamp = _clamp_range(scale, zp)
        if clamp is not None and not _rectified(x):
            x = _restore_clamp(graph, ctx, x, clamp[1])
            restored.append(q.name)
        qparams[id(x)] = (scale, zp, int(q.attrs.get("axis", 1)))
        for dq in dqs:
            y = dq.outputs[0]
            for consumer in list(y.outputs):
                readers.setdefault(id(x), set()).add(consumer.name)
                _rewire(consumer, y, x)
            if y in graph.outputs:
                # Keep the model's output name: the float tensor takes it, unless it is an input.
                if x in graph.inputs:
                    ident = gs.Node("Identity", name=ctx.fresh(f"{y.name}_identity"), inputs=[x], outputs=[y])
                    graph.nodes.append(ident)
                    scales[id(y)], qparams[id(y)] = (y, s), qparams[id(x)]
                    dq.outputs.clear()
                    continue
                graph.outputs[:] = [x if t is y else t for t in graph.outputs]
                x.name = y.name
            dq.outputs.clear()
            dq.inputs.clear()
        q.inputs.clear()
        q.outputs.clear()
        sites += 1
        if s is None:  # FP8: removed, but no INT8 scale to give the tensor
            unscaled[id(x)] = x
            continue
        prev = scales.get(id(x))
        if prev is not None and prev[1] != s:
            ctx.notes.append(f"{NAME}: {x.name}: quantized twice with scales {prev[1]:g} and {s:g}; the larger is kept")
            s = max(s, prev[1])
        scales[id(x)] = (x, s)
    if restored:
        ctx.notes.append(f"{NAME}: {len(restored)} Q/DQ pair(s) with a zero-point at the type's minimum clamp at 0 "
                         f"(the quantizer had deleted the ReLU/Clip before them); Clip(0, max) takes their place (Relu past max 127) "
                         f"(first: {restored[0]})")
    found = ctx.extras.setdefault("int8_scales", {})
    through = ctx.extras.setdefault("int8_readers", {})
    params = ctx.extras.setdefault("qdq_params", {})
    for key, tensor in unscaled.items():
        if key not in scales:
            params[tensor.name] = qparams[key]
            through[tensor.name] = sorted(readers.get(key, ()))
    for key, (tensor, s) in scales.items():
        found[tensor.name] = s
        if key in qparams:
            params[tensor.name] = qparams[key]
        through[tensor.name] = sorted(readers.get(key, ()))
        direct = [n.name for n in tensor.outputs if n.name not in readers.get(key, ())]
        if direct and readers.get(key):
            ctx.notes.append(f"{NAME}: {tensor.name}: the Q/DQ model quantizes it only for {', '.join(sorted(readers[key]))}; "
                             f"{', '.join(direct)} read it unquantized, but implicit INT8 gives a tensor one precision")
    return sites


# order=0: it runs first, because the other rewrites match float patterns (Flatten→Gemm, ...) that Q/DQ
# nodes would hide.
register(Rewrite(
    name=NAME,
    title="Explicit quantization (Q/DQ nodes) → the float model plus an INT8 calibration cache of its scales",
    applies=("every QuantizeLinear on an activation whose output only feeds DequantizeLinear nodes, with a "
             "constant scale (per-tensor; per-channel activation scales become one covering scale); "
             "Q/DQ on constant weights is evaluated into float weights; a pair whose grid starts at 0 (zero-point "
             "at the type's minimum) on a tensor not already rectified becomes Clip(0, top of the grid), the "
             "ReLU a quantizer deleted"),
    exact=("not bit-exact: the float model skips the Q/DQ rounding. `fix` checks (1) that re-applying the "
           "cache's scales as fake quantization reproduces the Q/DQ model, and (2) that the float model "
           "matches the Q/DQ model within the quantization error (see --help)"),
    apply=_apply,
), order=0)
