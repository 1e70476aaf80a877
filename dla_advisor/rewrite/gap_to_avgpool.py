"""GlobalAveragePool → AveragePool with the full window (or a chain of legal windows)."""

from __future__ import annotations

from . import _gs
from ._pool_chain import average_chain
from ._registry import Rewrite, register

NAME = "gap-to-avgpool"


def apply(graph, ctx) -> int:
    max_w = ctx.limits.pool_window_max
    if not max_w:
        return 0
    changed = 0
    for node in [n for n in graph.nodes if n.op == "GlobalAveragePool"]:
        x, y = node.inputs[0], node.outputs[0]
        shape = _gs.static_shape(x)
        if shape is None or len(shape) != 4 or not _gs.known(shape, 2, 3):
            ctx.note(NAME, node.name, "input is not 4-D with a static H and W")
            continue
        chain = average_chain(ctx, x, y, shape[2], shape[3], max_w, node.name or "gap")
        if chain is None:
            ctx.note(NAME, node.name, f"{shape[2]}x{shape[3]} does not factor into windows <= {max_w}")
            continue
        _gs.detach(node)
        graph.nodes.extend(chain)
        changed += 1
    return changed


REWRITE = register(Rewrite(
    name=NAME,
    title="GlobalAveragePool -> AveragePool over the whole map (a chain of pools when H or W > the window limit)",
    applies="4-D input with static H, W; H and W each fit the DLA pooling window or factor into windows that do",
    exact="the mean over H x W equals one average pool whose window is H x W; for a chain, each stage averages "
          "equal-sized non-overlapping blocks (stride = window), and a mean of equal-sized block means is the "
          "overall mean",
    apply=apply,
), order=60)
