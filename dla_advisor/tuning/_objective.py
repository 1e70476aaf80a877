"""The Optuna objective: sample a plan, reject it or measure it, and record every number's provenance.

It uses Optuna's own seams only: an illegal plan raises ``TrialPruned`` with the reason in the
``rejected`` user attribute; a failed measurement raises :class:`BackendFailed`, which
``study.optimize(catch=...)`` turns into a FAIL trial (reason in ``error``). A COMPLETE trial carries
the full plan and result as user attributes, so the trial alone reproduces them.
"""

from __future__ import annotations

import os
import socket

from ..errors import BackendFailed
from ._plan import PlanResult
from ._space import PlanRejected, SearchSpace
from .backends import Backend

OBJECTIVES = {"throughput": ("maximize",), "latency": ("minimize",), "both": ("maximize", "minimize")}
# A rejected trial counts as infeasible by this much when a latency budget constrains the search.
_INFEASIBLE = 1e9


def objective_values(result: PlanResult, objective: str) -> tuple[float, ...]:
    """The objective values of ``result``: total images/s, makespan in ms, or both."""
    if objective == "throughput":
        return (result.total_images_per_s,)
    if objective == "latency":
        return (result.makespan_ms,)
    return (result.total_images_per_s, result.makespan_ms)


def _set_constraint(trial, value: float) -> None:
    # Optuna's samplers read constraints from the trial itself (Trial.set_constraint, Optuna >= 5);
    # the user attribute keeps the number visible next to the plan for reports and older Optuna.
    trial.set_user_attr("constraint", value)
    if hasattr(trial, "set_constraint"):
        trial.set_constraint("latency_budget", value)


class PlanObjective:
    """Callable objective for ``study.optimize``.

    Args:
        space: the search space.
        backend: measures or models each plan.
        objective: ``throughput``, ``latency`` or ``both``.
        latency_budget_ms: plans whose makespan exceeds it are infeasible (kept, never chosen as best).
    """

    def __init__(self, space: SearchSpace, backend: Backend, objective: str = "throughput",
                 latency_budget_ms: float | None = None):
        self.space = space
        self.backend = backend
        self.objective = objective
        self.latency_budget_ms = latency_budget_ms
        self.info = backend.describe()
        self.measured = 0  # plans this process measured (not reused)

    @property
    def directions(self) -> tuple[str, ...]:
        return OBJECTIVES[self.objective]

    def __call__(self, trial):
        import optuna

        trial.set_user_attr("worker", f"{socket.gethostname()}:{os.getpid()}")
        trial.set_user_attr("backend", self.info.name)
        trial.set_user_attr("provenance_kind", self.info.kind)
        try:
            plan = self.space.sample(trial.suggest_categorical)
        except PlanRejected as r:
            trial.set_user_attr("rejected", r.reason)
            if self.latency_budget_ms is not None:
                _set_constraint(trial, _INFEASIBLE)
            raise optuna.TrialPruned(r.reason) from None
        key = plan.key()
        trial.set_user_attr("plan_key", key)
        previous = _completed_with_key(trial.study, key)
        if previous is not None:
            # Same plan as an earlier trial: reuse its numbers instead of occupying the board again.
            result = PlanResult.from_dict(previous.user_attrs["result"])
            trial.set_user_attr("reused_from", previous.number)
        else:
            try:
                result = self.backend.measure(plan)
            except BackendFailed as e:
                trial.set_user_attr("error", e.one_line())
                raise
            self.measured += 1
        trial.set_user_attr("result", result.to_dict())
        trial.set_user_attr("plan", plan.describe())
        trial.set_user_attr("provenance", result.provenance.label())
        trial.set_user_attr("total_images_per_s", result.total_images_per_s)
        trial.set_user_attr("makespan_ms", result.makespan_ms)
        if self.latency_budget_ms is not None:
            _set_constraint(trial, result.makespan_ms - self.latency_budget_ms)
        values = objective_values(result, self.objective)
        return values[0] if len(values) == 1 else values


def _completed_with_key(study, key: str):
    from optuna.trial import TrialState

    for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
        if t.user_attrs.get("plan_key") == key and "result" in t.user_attrs:
            return t
    return None
