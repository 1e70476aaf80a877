"""Splitting one pooling window into a chain of windows DLA accepts.

Two exact decompositions:

* average over non-overlapping blocks (stride = window): an average of equal-sized block averages is
  the average of the whole block, so a window ``k = k1·k2·…`` becomes pools of ``k1``, ``k2``, … each
  with stride equal to its window;
* maximum over a sliding window: ``max`` over ``[i, i+a+b-2]`` is the max over ``[j, j+b-1]`` for
  ``j`` in ``[i, i+a-1]``, so a window ``k`` becomes stride-1 pools whose windows satisfy
  ``Σ(wᵢ − 1) = k − 1``, the last one taking the original stride.
"""

from __future__ import annotations

import onnx_graphsurgeon as gs


def factor_window(k: int, max_w: int) -> list[int] | None:
    """Factors of ``k``, each in ``[2, max_w]`` (or ``[k]`` when it fits), or None when impossible."""
    if k <= max_w:
        return [k]
    out, rest = [], k
    while rest > max_w:
        d = next((d for d in range(max_w, 1, -1) if rest % d == 0), None)
        if d is None:
            return None
        out.append(d)
        rest //= d
    if rest > 1:
        out.append(rest)
    return out


def overlap_windows(k: int, max_w: int) -> list[int]:
    """Windows ``wᵢ ≤ max_w`` with ``Σ(wᵢ − 1) = k − 1`` (stride-1 max-pool chain)."""
    if k <= max_w:
        return [k]
    out, remaining = [], k - 1
    while remaining > 0:
        w = min(max_w, remaining + 1)
        out.append(w)
        remaining -= w - 1
    return out


def spread_pads(total: int, windows: list[int], pad_max: int) -> list[int] | None:
    """Give each stage up to ``min(pad_max, window − 1)`` of ``total`` padding; None if it does not fit."""
    out = []
    for w in windows:
        p = min(total, pad_max, w - 1)
        out.append(p)
        total -= p
    return out if total == 0 else None


def pad_stages(a: list, b: list, fill) -> tuple[list, list]:
    """Pad the shorter of two per-axis stage lists with ``fill`` so both have the same length."""
    n = max(len(a), len(b))
    return a + [fill] * (n - len(a)), b + [fill] * (n - len(b))


def build_chain(ctx, op: str, x, y, stages: list[dict], base: str) -> list[gs.Node]:
    """Pool nodes from ``x`` to ``y``, one per stage (``kernel_shape``, ``strides``, ``pads`` ...)."""
    nodes, cur = [], x
    for i, attrs in enumerate(stages):
        out = y if i == len(stages) - 1 else gs.Variable(ctx.fresh(f"{base}_stage{i}"), dtype=x.dtype)
        nodes.append(gs.Node(op, ctx.fresh(f"{base}_pool{i}"), dict(attrs), [cur], [out]))
        cur = out
    return nodes


def average_chain(ctx, x, y, h: int, w: int, max_w: int, base: str) -> list[gs.Node] | None:
    """AveragePool nodes averaging a whole ``h×w`` map from ``x`` into ``y``; None if no chain fits."""
    fh, fw = factor_window(h, max_w), factor_window(w, max_w)
    if fh is None or fw is None:
        return None
    fh, fw = pad_stages(fh, fw, 1)
    stages = [{"kernel_shape": [kh, kw], "strides": [kh, kw]} for kh, kw in zip(fh, fw)]
    return build_chain(ctx, "AveragePool", x, y, stages, base)
