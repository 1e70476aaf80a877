"""MaxPool/AveragePool windows larger than DLA allows → chains of legal pools."""

from __future__ import annotations

from . import _gs
from ._pool_chain import build_chain, factor_window, overlap_windows, pad_stages, spread_pads
from ._registry import Rewrite, register

NAME = "large-pool-split"


def _max_stages(kernel, strides, pads, limits) -> list[dict] | None:
    per_axis = []
    for ax in range(2):
        wins = overlap_windows(kernel[ax], limits.pool_window_max)
        begin = spread_pads(pads[ax], wins, limits.pool_padding_max)
        end = spread_pads(pads[ax + 2], wins, limits.pool_padding_max)
        if begin is None or end is None:
            return None
        per_axis.append((wins, begin, end))
    (wh, bh, eh), (ww, bw, ew) = per_axis
    wh, ww = pad_stages(wh, ww, 1)
    bh, bw = pad_stages(bh, bw, 0)
    eh, ew = pad_stages(eh, ew, 0)
    n = len(wh)
    return [{"kernel_shape": [wh[i], ww[i]], "pads": [bh[i], bw[i], eh[i], ew[i]],
             "strides": list(strides) if i == n - 1 else [1, 1]} for i in range(n)]


def _avg_stages(kernel, strides, pads, out_hw, limits) -> list[dict] | None:
    if any(pads):
        return None
    factors = []
    for ax in range(2):
        k, s = kernel[ax], strides[ax]
        if k <= limits.pool_window_max:
            factors.append(([k], [s]))
            continue
        # Non-overlapping blocks only: stride equal to the window, or a single output position.
        if s != k and out_hw[ax] != 1:
            return None
        f = factor_window(k, limits.pool_window_max)
        if f is None:
            return None
        factors.append((f, list(f)))
    (kh, sh), (kw, sw) = factors
    kh, kw = pad_stages(kh, kw, 1)
    sh, sw = pad_stages(sh, sw, 1)
    return [{"kernel_shape": [kh[i], kw[i]], "strides": [sh[i], sw[i]]} for i in range(len(kh))]


def apply(graph, ctx) -> int:
    lim = ctx.limits
    if not lim.pool_window_max or lim.pool_padding_max is None:
        return 0
    changed = 0
    for node in [n for n in graph.nodes if n.op in ("MaxPool", "AveragePool")]:
        kernel = _gs.ints(node.attrs.get("kernel_shape"), [])
        if len(kernel) != 2 or max(kernel) <= lim.pool_window_max:
            continue
        x, y = node.inputs[0], node.outputs[0]
        strides = _gs.ints(node.attrs.get("strides"), [1, 1])
        pads = _gs.ints(node.attrs.get("pads"), [0, 0, 0, 0])
        why = None
        if _gs.attr_str(node, "auto_pad", "NOTSET") not in ("NOTSET", "VALID"):
            why = "auto_pad SAME_* (explicit pads needed)"
        elif int(node.attrs.get("ceil_mode", 0)):
            why = "ceil_mode=1"
        elif any(d != 1 for d in _gs.ints(node.attrs.get("dilations"), [1, 1])):
            why = "dilated pooling"
        elif len(node.outputs) > 1 and node.outputs[1].outputs:
            why = "MaxPool indices output is used"
        if why:
            ctx.note(NAME, node.name, why)
            continue
        if node.op == "MaxPool":
            stages = _max_stages(kernel, strides, pads, lim)
        else:
            if any(pads) and not int(node.attrs.get("count_include_pad", 0)):
                ctx.note(NAME, node.name, "padded AveragePool with count_include_pad=0")
                continue
            out = _gs.static_shape(y)
            out_hw = (out[2], out[3]) if out and len(out) == 4 else (None, None)
            stages = _avg_stages(kernel, strides, pads, out_hw, lim)
        if stages is None:
            ctx.note(NAME, node.name, f"window {kernel} with stride {strides}, pads {pads} has no exact split "
                                      f"into windows <= {lim.pool_window_max}")
            continue
        _gs.detach(node)
        graph.nodes.extend(build_chain(ctx, node.op, x, y, stages, node.name or node.op))
        changed += 1
    return changed


REWRITE = register(Rewrite(
    name=NAME,
    title="MaxPool/AveragePool with a window above the DLA limit -> chain of pools with legal windows",
    applies="2-D pooling, window > the DLA limit, no dilation, ceil_mode 0, explicit pads; MaxPool: pads spread "
            "over the stages within the DLA padding limit; AveragePool: no pads and non-overlapping windows "
            "(stride = window, or one output position) whose size factors into legal windows",
    exact="max over a window of k is the max over stride-1 windows w1, w2, ... with sum(w - 1) = k - 1 (the last "
          "stage takes the stride; -inf padding moved to an earlier stage only adds -inf candidates); an average "
          "over non-overlapping equal-sized blocks is the average of the block averages",
    apply=apply,
), order=80)
