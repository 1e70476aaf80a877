"""DeploymentPlan: engines that run concurrently, and what a backend measured or modelled for them.

A plan lists every engine *instance* (two GPU instances of one model are two entries with the same
BuildConfig). Plans and results round-trip through plain dicts, so an Optuna ``FrozenTrial``'s user
attributes alone reproduce the plan and every number with its provenance.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._words import ENGINE_DEVICES
from ..layout import DEFAULT_IO_FORMAT, BuildConfig, IOFormat, Measurement, Provenance

DEVICES = ENGINE_DEVICES  # exported by tuning under its older name
_DEFAULT_FORMAT = str(DEFAULT_IO_FORMAT)


@dataclass(frozen=True)
class PlannedEngine:
    """One engine instance of a plan.

    Attributes:
        model: path of the ONNX model.
        device: ``gpu``, ``dla0`` or ``dla1``.
        config: the build configuration (``use_dla`` False for ``gpu``; ``batch`` set).
        instance: index among the instances of the same model on the same device.
    """

    model: str
    device: str
    config: BuildConfig
    instance: int = 0

    @property
    def batch(self) -> int:
        return self.config.batch or 1

    @property
    def model_name(self) -> str:
        return Path(self.model).stem

    @property
    def name(self) -> str:
        suffix = f"#{self.instance}" if self.device == "gpu" else ""
        return f"{self.model_name}@{self.device}{suffix}"

    def to_dict(self) -> dict[str, Any]:
        c = self.config
        return {
            "model": self.model, "device": self.device, "instance": self.instance, "batch": self.batch,
            "precision": c.precision_spec,
            "input_formats": [str(f) for f in c.input_formats] or [_DEFAULT_FORMAT],
            "output_formats": [str(f) for f in c.output_formats] or [_DEFAULT_FORMAT],
            "gpu_fallback": c.gpu_fallback if c.use_dla else None,
            "dla_sram_mib": c.dla_sram_mib,
            "shapes": {n: list(s) for n, s in c.shapes},
            "layer_device_overrides": {n: d for n, d in c.layer_device_overrides},
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "PlannedEngine":
        device = d["device"]
        use_dla = device != "gpu"
        config = BuildConfig(
            precision=d["precision"],
            input_formats=_formats(d.get("input_formats")),
            output_formats=_formats(d.get("output_formats")),
            gpu_fallback=bool(d.get("gpu_fallback")) if use_dla else False,
            use_dla=use_dla,
            dla_core=int(device[-1]) if use_dla else 0,
            batch=int(d.get("batch", 1)),
            shapes=tuple((n, tuple(s)) for n, s in (d.get("shapes") or {}).items()),
            layer_device_overrides=tuple((d.get("layer_device_overrides") or {}).items()),
            dla_sram_mib=d.get("dla_sram_mib"),
        )
        return cls(d["model"], device, config, int(d.get("instance", 0)))


def _formats(values) -> tuple[IOFormat, ...]:
    out = []
    for v in values or ():
        dtype, _, layout = str(v).partition(":")
        out.append(IOFormat(dtype, layout))
    return () if [str(f) for f in out] == [_DEFAULT_FORMAT] else tuple(out)


@dataclass(frozen=True)
class DeploymentPlan:
    """Engines that run concurrently on one board."""

    engines: tuple[PlannedEngine, ...]
    label: str = ""

    @property
    def models(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for e in self.engines:
            seen.setdefault(e.model, None)
        return tuple(seen)

    def key(self) -> str:
        """A stable id of the plan's content (two equal plans have the same key)."""
        blob = json.dumps([e.to_dict() for e in self.engines], sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def describe(self) -> str:
        """A one-line summary, e.g. ``conv2d_1024: GPU×1 int8 b1 + DLA0 + DLA1 int8 b1 int8:dla_linear``."""
        parts = []
        for model in self.models:
            engines = [e for e in self.engines if e.model == model]
            gpu = [e for e in engines if e.device == "gpu"]
            dla = [e for e in engines if e.device != "gpu"]
            items = []
            if gpu:
                items.append(f"GPU×{len(gpu)} {gpu[0].config.precision} b{gpu[0].batch} {_io(gpu[0])}")
            if dla:
                cores = "+".join(e.device.upper() for e in dla)
                items.append(f"{cores} {dla[0].config.precision} b{dla[0].batch} {_io(dla[0])}")
            parts.append(f"{Path(model).stem}: " + " + ".join(items))
        return "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "engines": [e.to_dict() for e in self.engines]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "DeploymentPlan":
        return cls(tuple(PlannedEngine.from_dict(e) for e in d["engines"]), d.get("label", ""))


def _io(e: PlannedEngine) -> str:
    i = ",".join(str(f) for f in e.config.input_formats) or _DEFAULT_FORMAT
    o = ",".join(str(f) for f in e.config.output_formats) or _DEFAULT_FORMAT
    return f"in {i} out {o}"


@dataclass(frozen=True)
class EngineResult:
    """The measured or modelled numbers of one engine instance while the whole plan runs."""

    engine: PlannedEngine
    measurement: Measurement

    @property
    def qps(self) -> float:
        return float(self.measurement.throughput_qps or 0.0)

    @property
    def images_per_s(self) -> float:
        return self.qps * self.engine.batch

    @property
    def latency_ms(self) -> float | None:
        return self.measurement.latency_ms.get("mean")

    def to_dict(self) -> dict[str, Any]:
        m = self.measurement
        return {
            "engine": self.engine.name, "device": self.engine.device, "model": self.engine.model,
            "batch": self.engine.batch, "qps": self.qps, "images_per_s": self.images_per_s,
            "latency_ms": dict(m.latency_ms), "notes": list(m.notes),
            "provenance": _prov_dict(m.provenance),
        }


@dataclass(frozen=True)
class PlanResult:
    """What a backend returned for a whole plan: one :class:`EngineResult` per engine, in plan order."""

    plan: DeploymentPlan
    engines: tuple[EngineResult, ...]
    total_images_per_s: float
    provenance: Provenance

    @property
    def makespan_ms(self) -> float:
        """Time until every engine has finished one batch when all run together (worst mean latency)."""
        lats = [e.latency_ms for e in self.engines if e.latency_ms is not None]
        return max(lats) if lats else float("nan")

    def per_model(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for e in self.engines:
            out[e.engine.model] = out.get(e.engine.model, 0.0) + e.images_per_s
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "plan": self.plan.to_dict(),
            "engines": [e.to_dict() for e in self.engines],
            "total_images_per_s": self.total_images_per_s,
            "makespan_ms": self.makespan_ms,
            "provenance": _prov_dict(self.provenance),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "PlanResult":
        plan = DeploymentPlan.from_dict(d["plan"])
        engines = []
        for pe, ed in zip(plan.engines, d["engines"]):
            m = Measurement(provenance=_prov_from(ed["provenance"]), throughput_qps=ed["qps"], batch=ed["batch"],
                            latency_ms=dict(ed.get("latency_ms") or {}), notes=tuple(ed.get("notes") or ()))
            engines.append(EngineResult(pe, m))
        return cls(plan, tuple(engines), float(d["total_images_per_s"]), _prov_from(d["provenance"]))


def _prov_dict(p: Provenance) -> dict[str, Any]:
    return {"kind": p.kind, "tool": p.tool, "device": p.device, "error_pct": p.error_pct, "detail": p.detail,
            "holdout_error_pct": p.holdout_error_pct, "error_kind": p.error_kind, "label": p.label()}


def _prov_from(d: dict[str, Any]) -> Provenance:
    return Provenance(d["kind"], d.get("tool", ""), d.get("device", ""), d.get("error_pct"), d.get("detail", ""),
                      d.get("holdout_error_pct"), d.get("error_kind", "fit"))
