"""ReduceMean over H and W → AveragePool (a Flatten restores keepdims=0)."""

from __future__ import annotations

import onnx_graphsurgeon as gs

from . import _gs
from ._pool_chain import average_chain
from ._registry import Rewrite, register

NAME = "reducemean-to-avgpool"


def _axes(node) -> list[int] | None:
    if "axes" in node.attrs:
        return _gs.ints(node.attrs["axes"])
    if len(node.inputs) > 1 and node.inputs[1] is not None and node.inputs[1].name:
        v = _gs.const_value(node.inputs[1])
        return None if v is None else [int(a) for a in v.reshape(-1)]
    return []


def apply(graph, ctx) -> int:
    max_w = ctx.limits.pool_window_max
    if not max_w:
        return 0
    changed = 0
    for node in [n for n in graph.nodes if n.op == "ReduceMean"]:
        x, y = node.inputs[0], node.outputs[0]
        shape = _gs.static_shape(x)
        axes = _axes(node)
        if shape is None or len(shape) != 4 or not _gs.known(shape, 2, 3):
            ctx.note(NAME, node.name, "input is not 4-D with a static H and W")
            continue
        if axes is None or sorted(a % 4 for a in axes) != [2, 3]:
            ctx.note(NAME, node.name, "does not reduce exactly the H and W axes")
            continue
        keep = int(node.attrs.get("keepdims", 1))
        pooled = y if keep else gs.Variable(ctx.fresh(f"{node.name}_pooled"), dtype=x.dtype)
        chain = average_chain(ctx, x, pooled, shape[2], shape[3], max_w, node.name or "reducemean")
        if chain is None:
            ctx.note(NAME, node.name, f"{shape[2]}x{shape[3]} does not factor into windows <= {max_w}")
            continue
        _gs.detach(node)
        graph.nodes.extend(chain)
        if not keep:
            graph.nodes.append(gs.Node("Flatten", ctx.fresh(f"{node.name}_flatten"), {"axis": 1}, [pooled], [y]))
        changed += 1
    return changed


REWRITE = register(Rewrite(
    name=NAME,
    title="ReduceMean over H,W -> AveragePool over the whole map (+ Flatten when keepdims=0)",
    applies="4-D input with static H, W; axes are exactly {2, 3}; H and W fit the DLA pooling window or factor "
            "into windows that do",
    exact="ReduceMean over H, W is the same sum divided by H*W that an H x W average pool computes (chains: "
          "mean of equal-sized block means); with keepdims=0 the [N,C,1,1] result flattened from axis 1 is "
          "the [N,C] tensor ReduceMean returns",
    apply=apply,
), order=70)
