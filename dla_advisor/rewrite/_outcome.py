"""FixReport: everything `fix` found and did, as plain data for the renderers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._verify import Verification


@dataclass(frozen=True)
class Throughput:
    """A modelled throughput; ``provenance`` says which model produced it."""

    images_per_s: float
    provenance: str


@dataclass(frozen=True)
class FixReport:
    """The outcome of one `fix` run.

    Attributes:
        model / output: input and written paths.
        platform / precision: the target the layouts were predicted for.
        sites: ``(rewrite, sites changed)`` in the order they ran.
        notes: sites left alone (with why) and conversions made.
        verification: the onnxruntime comparison of original and rewritten model.
        before / after: predicted EngineLayouts (None when prediction was not possible, see layout_note).
        throughput_before / throughput_after: modelled throughput where the performance model exists.
        perf_note: why throughput is missing, when it is.
        written: files written.
        calibration: for a translated Q/DQ model, the cache and trtexec flags (``CalibrationOutput``).
        quant_check: for a translated Q/DQ model, the quantization-aware comparison (``QuantCheck``).
    """

    model: str
    output: str
    platform: str
    precision: str
    sites: tuple[tuple[str, int], ...]
    notes: tuple[str, ...]
    verification: Verification
    before: Any = None
    after: Any = None
    layout_note: str = ""
    throughput_before: Throughput | None = None
    throughput_after: Throughput | None = None
    perf_note: str = ""
    written: tuple[str, ...] = ()
    calibration: Any = None
    quant_check: Any = None

    @property
    def changed(self) -> int:
        return sum(n for _, n in self.sites)
