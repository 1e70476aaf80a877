"""ShuffleNet's 5-D channel shuffle (Reshape → Transpose → Reshape) → a 1×1 Conv with a permutation matrix."""

from __future__ import annotations

import numpy as np
import onnx_graphsurgeon as gs

from . import _gs
from ._registry import Rewrite, register

NAME = "channel-shuffle-to-conv"


def permutation(channels: int, groups: int) -> np.ndarray:
    """``src[j]``: the input channel that output channel ``j`` takes after the shuffle."""
    per = channels // groups
    j = np.arange(channels)
    # Output j = b*groups + a reads input a*per + b (the transpose swaps the group and per-group axes).
    return (j % groups) * per + j // groups


def apply(graph, ctx) -> int:
    if not ctx.limits.conv_kernel_max:
        return 0
    changed = 0
    for first in [n for n in graph.nodes if n.op == "Reshape"]:
        if not first.outputs:
            continue
        x = first.inputs[0]
        xs, mid = _gs.static_shape(x), _gs.static_shape(first.outputs[0])
        if xs is None or mid is None or len(xs) != 4 or len(mid) != 5 or not _gs.known(xs, 1, 2, 3) or not _gs.known(mid, 1, 2, 3, 4):
            continue
        n, c, h, w = xs
        g, per = mid[1], mid[2]
        if g * per != c or (mid[3], mid[4]) != (h, w):
            continue
        tr = _gs.only_consumer(graph, first.outputs[0])
        if tr is None or tr.op != "Transpose" or _gs.ints(tr.attrs.get("perm")) != [0, 2, 1, 3, 4]:
            continue
        last = _gs.only_consumer(graph, tr.outputs[0])
        if last is None or last.op != "Reshape":
            continue
        ys = _gs.static_shape(last.outputs[0])
        if ys is None or len(ys) != 4 or tuple(ys[1:]) != (c, h, w):
            continue
        cmax = ctx.limits.conv_channels_max
        if cmax is not None and c > cmax:
            ctx.note(NAME, first.name, f"{c} channels exceed DLA's convolution limit {cmax}")
            continue
        weight = np.zeros((c, c, 1, 1), dtype=_gs.float_dtype(x))
        weight[np.arange(c), permutation(c, g), 0, 0] = 1.0
        y = last.outputs[0]
        conv = gs.Node("Conv", ctx.fresh(f"{first.name or 'shuffle'}_as_conv"), {"kernel_shape": [1, 1]},
                       [x, gs.Constant(ctx.fresh(f"{first.name}_perm"), weight)], [y])
        for node in (first, tr, last):
            _gs.detach(node)
        graph.nodes.append(conv)
        changed += 1
    return changed


REWRITE = register(Rewrite(
    name=NAME,
    title="channel shuffle Reshape[N,g,C/g,H,W] -> Transpose(0,2,1,3,4) -> Reshape[N,C,H,W] -> 1x1 Conv "
          "with a 0/1 permutation weight",
    applies="the three-node ShuffleNet pattern on a 4-D tensor with static C, H, W, each intermediate read only by "
            "the next node, C within DLA's channel limit",
    exact="the shuffle moves input channel a*C/g + b to output channel b*g + a; a 1x1 convolution whose weight "
          "row j holds a single 1 at that source channel computes 1*x + 0*others, which is x exactly in floating "
          "point for finite inputs (products with 0 and sums with 0 are exact)",
    apply=apply,
), order=40)
