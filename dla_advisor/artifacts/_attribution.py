"""Repair per-layer time attribution of DLA engines profiled with TensorRT up to 8.4.

Up to TensorRT 8.4 the profiler's DLA row only covers submitting the DLA task; the DLA run time is
charged to the next GPU row, the reformat/transfer that waits for the DLA output, which then shows
90-98 % of the total (``prob input reformatter 0`` 92.1 %, ``head_3 from nvm`` 98.4 % in the
corpus). From 8.5 the DLA row holds its own time (``{ForeignNode[...]}`` 93.1 %).

We move that time back to the DLA row. The waiting row keeps an estimate of its own work: the median
of the other reformat/transfer rows of the same profile (0 where there are none).
"""

from __future__ import annotations

from dataclasses import replace
from statistics import median

from .._text import ellipsize
from ..layout import DLA, LayerTime
from ._names import REFORMAT, SYNC, classify

# A waiting row holds most of the engine's time; a genuine reformat never does.
_CHARGED_SHARE = 50.0


def correct_dla_attribution(rows: list[LayerTime], trt_version: tuple[int, ...] | None) -> tuple[list[LayerTime], list[str]]:
    """Return rows with ``corrected_ms`` set where DLA time was charged to the next GPU row, and notes.

    Args:
        rows: per-layer times in engine order, with ``device`` set.
        trt_version: the TensorRT version that wrote the profile, if the artifacts say.
    """
    if trt_version is not None and trt_version[:2] > (8, 4):
        return rows, []
    total = sum(r.avg_ms for r in rows)
    if total <= 0:
        return rows, []
    roles = [classify(r.name).role for r in rows]
    out = list(rows)
    notes: list[str] = []
    charged: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for i, r in enumerate(rows):
        if r.device != DLA or roles[i] != "compute":
            continue
        j = next((k for k in range(i + 1, len(rows)) if roles[k] != SYNC), None)
        if j is None or rows[j].device == DLA:
            continue
        share = 100.0 * rows[j].avg_ms / total
        if share >= _CHARGED_SHARE and rows[j].avg_ms > r.avg_ms:
            pairs.append((i, j))
            charged.add(j)
    if not pairs:
        return rows, []
    others = [rows[k].avg_ms for k in range(len(rows)) if roles[k] == REFORMAT and k not in charged]
    own = median(others) if others else 0.0
    for i, j in pairs:
        kept = min(own, rows[j].avg_ms)
        moved = rows[j].avg_ms - kept
        out[i] = replace(rows[i], corrected_ms=rows[i].avg_ms + moved)
        out[j] = replace(rows[j], corrected_ms=kept)
        version = ".".join(map(str, trt_version)) if trt_version else "not stated"
        notes.append(
            f"Per-layer time corrected: TensorRT up to 8.4 charges the DLA run time to the next GPU row "
            f"(TensorRT version here: {version}). Moved {moved:.4g} ms of '{_short(rows[j].name)}' "
            f"({100.0 * rows[j].avg_ms / total:.1f} % of the total) to '{_short(rows[i].name)}'; the row keeps "
            f"{kept:.4g} ms, the median of the other reformat rows.")
    return out, notes


def _short(name: str) -> str:
    return ellipsize(name, 80)
