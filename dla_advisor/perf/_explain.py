"""Where an engine's time goes: per kernel (GPU) or hardware operation (DLA), and what bounds it.

``estimate --explain`` shows, for every engine of a plan, each kernel's modelled time in the steady
state of the concurrent run (DRAM shared with the other engines) and whether its compute, its
memory traffic or its fixed cost (launch, ramp-up, DLA operation set-up) sets that time, so a user
sees why a plan is slow: many tiny kernels (overhead), a memory-bound layer stretched by another
engine's traffic (memory), or an ill-shaped convolution (compute).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Sequence

import numpy as np

from ._concurrent import kernel_constants, nms_constants, solve
from ._cost import JobCost
from ._device import DeviceModel
from ._engine_profile import EngineSpec, engine_profile

BOUNDS = ("compute", "memory", "overhead")


@dataclass(frozen=True)
class KernelTime:
    """One GPU kernel or DLA operation of one inference (times in milliseconds).

    ``layers`` is the first TensorRT layer of the kernel and how many were fused into it;
    ``bound`` is the largest of compute, memory and overhead.
    """

    layers: str
    unit: str
    time_ms: float
    compute_ms: float
    memory_ms: float
    overhead_ms: float
    bound: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class EngineExplanation:
    """The kernels of one engine instance, slowest first, with totals per bound."""

    name: str
    device: str
    batch: int
    kernels: tuple[KernelTime, ...]

    @property
    def total_ms(self) -> float:
        return float(sum(k.time_ms for k in self.kernels))

    def share(self, bound: str) -> float:
        total = self.total_ms
        return float(sum(k.time_ms for k in self.kernels if k.bound == bound)) / total if total > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "device": self.device, "batch": self.batch, "total_ms": round(self.total_ms, 6),
                "share": {b: round(self.share(b), 4) for b in BOUNDS},
                "kernels": [k.to_dict() for k in self.kernels]}


def explain_concurrent(specs: Sequence[EngineSpec], dev: DeviceModel, one_process: bool = False,
                       cuda_graphs: bool = False, data_transfers: bool = True) -> tuple[EngineExplanation, ...]:
    """Per-kernel times of every engine of a plan in the steady state :func:`estimate_concurrent` finds."""
    profiles = [engine_profile(s, dev) for s in specs]
    state = solve(profiles, dev, one_process, cuda_graphs, data_transfers)
    gk, dk = kernel_constants(dev, cuda_graphs)
    knee = dev.params.dram_knee
    ext = state.external if state.external is not None else np.zeros(len(specs))
    out = []
    for spec, q, e in zip(specs, profiles, ext):
        rows = _rows(q.gpu, "GPU", float(e), knee, gk) + _rows(q.reformat, "GPU", float(e), knee, gk)
        rows += _rows(q.nms, "GPU", float(e), knee, nms_constants(gk, dev.params.nms_passes))
        rows += _rows(q.dla, "DLA", float(e), knee, dk)
        rows.sort(key=lambda k: -k.time_ms)
        out.append(EngineExplanation(spec.label, spec.device, spec.batch, tuple(rows)))
    return tuple(out)


def _rows(job: JobCost, unit: str, external: float, knee: float, consts: tuple) -> list[KernelTime]:
    if not len(job):
        return []
    comp, mem, total = job.kernel_times(external, knee, *consts)
    labels = job.labels or ("",) * len(job)
    rows = []
    for name, c, m, t in zip(labels, comp, mem, total):
        overhead = max(float(t) - max(float(c), float(m)), 0.0)
        parts = {"compute": float(c), "memory": float(m), "overhead": overhead}
        bound = max(parts, key=parts.get)
        rows.append(KernelTime(name or "(unnamed)", unit, float(t) * 1e3, float(c) * 1e3, float(m) * 1e3,
                               overhead * 1e3, bound))
    return rows
