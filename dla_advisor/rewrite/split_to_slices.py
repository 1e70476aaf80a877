"""Split → one Slice per output with constant starts/ends."""

from __future__ import annotations

import onnx_graphsurgeon as gs

from . import _gs
from ._registry import Rewrite, register

NAME = "split-to-slices"


def _sizes(node, dim: int) -> list[int] | None:
    n_out = len(node.outputs)
    split = None
    if "split" in node.attrs:
        split = _gs.ints(node.attrs["split"])
    elif len(node.inputs) > 1 and node.inputs[1] is not None and node.inputs[1].name:
        v = _gs.const_value(node.inputs[1])
        if v is None:
            return None
        split = [int(s) for s in v.reshape(-1)]
    if split is not None:
        return split if sum(split) == dim and len(split) == n_out else None
    # Equal parts; opset 18's num_outputs makes the last one smaller when dim does not divide.
    part = -(-dim // n_out)
    sizes = [min(part, dim - i * part) for i in range(n_out)]
    return sizes if all(s > 0 for s in sizes) else None


def apply(graph, ctx) -> int:
    changed = 0
    for node in [n for n in graph.nodes if n.op == "Split"]:
        x = node.inputs[0]
        shape = _gs.static_shape(x)
        if shape is None:
            continue
        axis = int(node.attrs.get("axis", 0)) % len(shape)
        if axis == 0:
            ctx.note(NAME, node.name, "splits the batch axis, which DLA's Slice cannot slice")
            continue
        if shape[axis] is None:
            ctx.note(NAME, node.name, "the split axis has a dynamic size")
            continue
        sizes = _sizes(node, shape[axis])
        if sizes is None:
            ctx.note(NAME, node.name, "split sizes are not constant or do not add up")
            continue
        outs = list(node.outputs)
        _gs.detach(node)
        start = 0
        for k, (y, size) in enumerate(zip(outs, sizes)):
            base = f"{node.name or 'split'}_{k}"
            if _gs.opset(graph) >= 10:
                ins = [x, _gs.int64_const(ctx, f"{base}_starts", [start]), _gs.int64_const(ctx, f"{base}_ends", [start + size]),
                       _gs.int64_const(ctx, f"{base}_axes", [axis]), _gs.int64_const(ctx, f"{base}_steps", [1])]
                graph.nodes.append(gs.Node("Slice", ctx.fresh(base), {}, ins, [y]))
            else:
                graph.nodes.append(gs.Node("Slice", ctx.fresh(base), {"starts": [start], "ends": [start + size],
                                                                     "axes": [axis]}, [x], [y]))
            start += size
        changed += 1
    return changed


REWRITE = register(Rewrite(
    name=NAME,
    title="Split -> one Slice per output (constant starts/ends, stride 1)",
    applies="Split of a tensor with a static size along a non-batch axis, with constant (or equal) part sizes",
    exact="output k of Split is the contiguous range [sum(sizes[:k]), sum(sizes[:k+1])) along the axis, "
          "which is what the Slice with those constant bounds and step 1 returns; no arithmetic is involved",
    apply=apply,
), order=20)
