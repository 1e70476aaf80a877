"""Running a search and reading its outcome back from the study.

``run_search`` is ``study.optimize`` with the study-wide trial budget, the failure types to catch and
the caller's callbacks; ``summarize`` rebuilds the best plan(s) from the trials' user attributes, so it
works the same for trials this process ran and trials from earlier runs or other workers.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from ..errors import BackendFailed
from ._objective import OBJECTIVES, PlanObjective
from ._plan import PlanResult


def make_sampler(kind: str = "tpe", seed: int | None = None):
    """Optuna's TPE (multivariate, grouped for the conditional space) or random sampling."""
    import optuna

    if kind == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    with warnings.catch_warnings():
        # multivariate/group TPE is marked experimental; it is what makes a conditional space work.
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        warnings.simplefilter("ignore", UserWarning)
        return optuna.samplers.TPESampler(seed=seed, multivariate=True, group=True, constant_liar=True,
                                          n_startup_trials=10)


def run_search(study, objective: PlanObjective, n_trials: int, timeout_s: float | None = None,
               callbacks: Sequence[Callable] = ()) -> int:
    """Run trials until the study holds ``n_trials`` trials (of any state) or ``timeout_s`` passes.

    ``n_trials`` counts the whole study, so re-running an interrupted command finishes the job and
    several workers on one storage share one budget (each may overshoot it by its trial in flight).
    A trial abandoned by a killed worker is marked FAIL here and does not count.

    Returns:
        The number of trials this process ran (other workers' trials are not counted).
    """
    import optuna

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        # Trials of a killed worker are still RUNNING: fail them now (Optuna's heartbeat seam), so they
        # neither hold a place in the budget nor look alive in the report.
        optuna.storages.fail_stale_trials(study)
    before = _counted(study)
    if before >= n_trials:
        return 0
    ran = []

    def stop_at_budget(s, t) -> None:
        ran.append(t.number)
        if _counted(s) >= n_trials:
            s.stop()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        study.optimize(objective, n_trials=n_trials - before, timeout=timeout_s, catch=(BackendFailed,),
                       callbacks=[stop_at_budget, *callbacks])
    return len(ran)


def abandoned(trial) -> bool:
    """A trial whose worker died mid-trial: failed by the heartbeat check, with no failure reason of its own."""
    from optuna.trial import TrialState

    return trial.state == TrialState.FAIL and "error" not in trial.user_attrs


def _counted(study) -> int:
    """Trials that use up ``--trials``: every trial but the abandoned ones (their plan was never measured)."""
    return sum(1 for t in study.get_trials(deepcopy=False) if not abandoned(t))


@dataclass(frozen=True)
class TrialOutcome:
    """A finished trial's plan and numbers, rebuilt from its user attributes."""

    number: int
    result: PlanResult
    values: tuple[float, ...]
    reused_from: int | None = None


@dataclass(frozen=True)
class StudySummary:
    """What a search found.

    Attributes:
        best: the best feasible plan (for ``both``: the highest-throughput point of the front).
        pareto: the throughput/latency Pareto front (``both`` only), best throughput first.
        counts: trials per state (``COMPLETE``, ``PRUNED`` = rejected, ``FAIL``, ``RUNNING``).
        rejected / failed: a few (trial number, reason) examples.
    """

    study_name: str
    objective: str
    n_trials: int
    counts: dict[str, int]
    best: TrialOutcome | None
    pareto: tuple[TrialOutcome, ...] = ()
    rejected: tuple[tuple[int, str], ...] = ()
    failed: tuple[tuple[int, str], ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


def feasible_outcomes(study) -> list[TrialOutcome]:
    """Every COMPLETE trial within the latency budget, as :class:`TrialOutcome`."""
    from optuna.trial import TrialState

    out = []
    for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
        if "result" not in t.user_attrs or float(t.user_attrs.get("constraint", -1.0)) > 0:
            continue
        out.append(TrialOutcome(t.number, PlanResult.from_dict(t.user_attrs["result"]), tuple(t.values),
                                t.user_attrs.get("reused_from")))
    return out


def best_outcome(outcomes: Sequence[TrialOutcome], objective: str) -> TrialOutcome | None:
    """The best of ``outcomes`` (ties: the earliest trial)."""
    if not outcomes:
        return None
    if objective == "latency":
        return min(outcomes, key=lambda o: (o.result.makespan_ms, o.number))
    return max(outcomes, key=lambda o: (o.result.total_images_per_s, -o.number))


def pareto_front(outcomes: Sequence[TrialOutcome]) -> list[TrialOutcome]:
    """Plans no other plan beats on both throughput (higher) and makespan (lower); one per point."""
    front, seen = [], set()
    for o in outcomes:
        t, m = o.result.total_images_per_s, o.result.makespan_ms
        dominated = any(p.result.total_images_per_s >= t and p.result.makespan_ms <= m and
                        (p.result.total_images_per_s > t or p.result.makespan_ms < m) for p in outcomes)
        if not dominated and (t, m) not in seen:
            seen.add((t, m))
            front.append(o)
    return sorted(front, key=lambda o: -o.result.total_images_per_s)


def summarize(study, objective: str) -> StudySummary:
    """Read the outcome of the study (all workers, all runs)."""
    from optuna.trial import TrialState

    trials = study.get_trials(deepcopy=False)
    counts: dict[str, int] = {}
    for t in trials:
        counts[t.state.name] = counts.get(t.state.name, 0) + 1
    outcomes = feasible_outcomes(study)
    rejected = tuple((t.number, t.user_attrs["rejected"]) for t in trials
                     if t.state == TrialState.PRUNED and "rejected" in t.user_attrs)
    failed = tuple((t.number, t.user_attrs.get("error") or t.system_attrs.get("fail_reason", "stopped before it finished"))
                   for t in trials if t.state == TrialState.FAIL)
    return StudySummary(study.study_name, objective, len(trials), counts, best_outcome(outcomes, objective),
                        tuple(pareto_front(outcomes)) if objective == "both" else (), rejected[:5], failed[:5])


__all__ = ["OBJECTIVES", "StudySummary", "TrialOutcome", "best_outcome", "feasible_outcomes", "make_sampler",
           "pareto_front", "run_search", "summarize"]
