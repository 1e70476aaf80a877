"""One tuning session: the request, and the objects it needs (platform, space, backend, study)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from .._words import DEFAULT_DEVICE, DEFAULT_POWER_MODE
from ..errors import BackendFailed, UsageError
from ._models import ModelCatalog
from ._objective import OBJECTIVES, PlanObjective
from ._plan import PlanResult
from ._search import StudySummary, make_sampler, run_search, summarize
from ._space import SearchSpace, SpaceOptions
from ._storage import DEFAULT_HEARTBEAT_S, default_storage_url, open_storage, open_study, redact, study_name
from ._commands import reproduce_script
from .backends import BackendInfo, make_backend


@dataclass(frozen=True)
class TuneRequest:
    """Everything ``dla-advisor tune`` was asked for."""

    models: tuple[str, ...]
    device: str = DEFAULT_DEVICE
    power_mode: str = DEFAULT_POWER_MODE
    platform: str | None = None
    backend: str = "sim"
    backend_options: dict[str, Any] = field(default_factory=dict)
    n_trials: int = 60
    timeout_s: float | None = None
    objective: str = "throughput"
    latency_budget_ms: float | None = None
    storage: str | None = None
    study: str | None = None
    seed: int | None = None
    sampler: str = "tpe"
    shapes: dict[str, tuple[int, ...]] = field(default_factory=dict)
    space: SpaceOptions = field(default_factory=SpaceOptions)
    heartbeat_s: int | None = DEFAULT_HEARTBEAT_S


@dataclass(frozen=True)
class TuneReport:
    """What the ``tune`` report shows: the outcome, where it came from and how to reproduce it."""

    request: TuneRequest
    summary: StudySummary
    backend: BackendInfo
    storage: str
    ran_now: int
    reference: PlanResult | None = None
    reference_note: str = ""
    commands: tuple[str, ...] = ()
    interrupted: bool = False


class Tuner:
    """Builds the search from a :class:`TuneRequest`; :meth:`run` searches, :meth:`summary` reports.

    Raises:
        UsageError, ModelLoadError, PlatformFileError, BackendUnavailable: bad input or environment.
    """

    def __init__(self, request: TuneRequest):
        from ..platforms import load_platform

        if not request.models:
            raise UsageError("no model given", "Pass at least one ONNX file: dla-advisor tune MODEL.")
        if request.objective not in OBJECTIVES:
            raise UsageError(f"unknown objective '{request.objective}'", f"Use one of: {', '.join(OBJECTIVES)}.")
        if request.n_trials < 1:
            raise UsageError(f"--trials {request.n_trials} is not a positive number", "Pass --trials 1 or more.")
        self.request = request
        self.platform = load_platform(request.platform)
        self.catalog = ModelCatalog()
        self.space = SearchSpace(request.models, self.platform, request.space, self.catalog, request.shapes)
        self.backend = make_backend(request.backend, request.device, request.power_mode, self.platform, self.catalog,
                                    request.backend_options)
        self.objective = PlanObjective(self.space, self.backend, request.objective, request.latency_budget_ms)
        self.storage_url = request.storage or default_storage_url(request.models[0])
        self.study_name = request.study or study_name(request.models, request.device, request.power_mode,
                                                      self.platform.id, request.backend, request.objective,
                                                      self.space.fingerprint())
        sampler = make_sampler(request.sampler, request.seed)
        self.study = open_study(open_storage(self.storage_url, request.heartbeat_s, protected=request.models), self.study_name,
                                OBJECTIVES[request.objective], sampler)

    @property
    def storage_label(self) -> str:
        return redact(self.storage_url)

    def run(self, callbacks: Sequence[Callable] = ()) -> int:
        """Search until the study has ``n_trials`` trials; returns how many this call ran."""
        return run_search(self.study, self.objective, self.request.n_trials, self.request.timeout_s, callbacks)

    def summary(self) -> StudySummary:
        return summarize(self.study, self.request.objective)

    def reference(self) -> tuple[PlanResult | None, str]:
        """The hand-made reference plan on the same backend: (result, "") or (None, why not)."""
        plan = self.space.reference_plan()
        if plan is None:
            return None, "the platform has no DLA core with int8:dla_linear I/O"
        try:
            return self.backend.measure(plan), ""
        except BackendFailed as e:
            return None, e.one_line()

    def report(self, ran_now: int, with_reference: bool = True, interrupted: bool = False) -> TuneReport:
        """Summarise the study (and measure the reference plan on the same backend)."""
        summary = self.summary()
        ref, note = (None, "")
        if with_reference and len(self.request.models) == 1:
            ref, note = self.reference()
        commands = ()
        if summary.best is not None:
            opts = self.request.backend_options
            commands = tuple(reproduce_script(summary.best.result.plan, duration_s=opts.get("duration_s") or 5))
        return TuneReport(self.request, summary, self.objective.info, self.storage_label, ran_now, ref, note,
                          commands, interrupted)
