"""Numbers with provenance: a measured or modelled throughput/latency never travels without its source.

``Measurement`` is what a board (or a TensorRT artifact) reported; perf's ``Estimate`` is what the
model computed. Both render their provenance through :meth:`label`, so a modelled number is never
shown as measured.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Provenance:
    """Where a number came from.

    Attributes:
        kind: ``measured`` or ``modelled``.
        tool: for measured numbers, the tool (``trtexec``, ``tensorrt``, ``artifact``).
        device: the board (``Orin AGX``) or device model id (``orin-agx-64gb-maxn``).
        error_pct: for modelled numbers, the calibration error (MAPE, percent) on the fitted points.
        detail: free text (artifact path, TensorRT version ...).
        holdout_error_pct: for modelled numbers, the error (MAPE, percent) on published points the
            model was never fitted on; None where no held-out check exists.
        error_kind: what ``error_pct`` measures: ``fit`` (error on the points fitted), ``cross-validated``
            (each network predicted by a fit without it) or ``transferred`` (parameters of another
            board, error measured by the same transfer on a board with measurements).
    """

    kind: str
    tool: str = ""
    device: str = ""
    error_pct: float | None = None
    detail: str = ""
    holdout_error_pct: float | None = None
    error_kind: str = "fit"

    def label(self) -> str:
        if self.kind == "measured":
            parts = [p for p in (self.tool, self.device) if p]
            return f"measured ({', '.join(parts)})" if parts else "measured"
        fit = f"{self.error_pct:.0f} %" if self.error_pct is not None else "unknown"
        if self.error_kind != "fit" and self.error_pct is not None:
            # A cross-validated or transfer error is already what to expect on a new network.
            err = f"error {fit} {self.error_kind}"
            if self.holdout_error_pct is not None:
                err += f" / {self.holdout_error_pct:.0f} % held-out"
        elif self.holdout_error_pct is None:
            err = f"error {fit}"
        else:
            # Both numbers: the fit error alone flatters the model; the held-out one is what users should expect.
            err = f"error {fit} fit / {self.holdout_error_pct:.0f} % held-out"
        return f"modelled ({self.device or 'device model'}, {err})"


@dataclass(frozen=True)
class LayerTime:
    """Per-layer time from a profile. ``corrected_ms`` is set where attribution was repaired."""

    name: str
    avg_ms: float
    median_ms: float | None = None
    percent: float | None = None
    device: str = ""
    corrected_ms: float | None = None


@dataclass(frozen=True)
class Measurement:
    """Measured numbers for one engine (or one engine instance in a concurrent run)."""

    provenance: Provenance
    throughput_qps: float | None = None
    batch: int | None = None
    latency_ms: dict[str, float] = field(default_factory=dict)  # mean/median/p90/p95/p99/min/max
    gpu_compute_ms: dict[str, float] = field(default_factory=dict)
    layer_times: tuple[LayerTime, ...] = ()
    dla_time_share: float | None = None
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["provenance"]["label"] = self.provenance.label()
        return d
