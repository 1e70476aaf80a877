"""The measurement backend interface: one small ABC with nothing about Optuna in it.

A backend turns a :class:`~dla_advisor.tuning.DeploymentPlan` into a
:class:`~dla_advisor.tuning.PlanResult`: one number per engine instance, measured or modelled
while all of the plan's engines run together, each with its provenance.
``dla_advisor.testing.BackendContract`` is the test every backend passes.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass

from .._plan import DeploymentPlan, PlanResult


@dataclass(frozen=True)
class BackendInfo:
    """What a backend is and where its numbers come from.

    Attributes:
        name: registry name (``sim``, ``trtexec``, ``tensorrt``).
        kind: ``measured`` or ``modelled``: the provenance kind of every number it returns.
        device: the board or device model the numbers are for.
        detail: versions, paths, calibration error: whatever reproduces the numbers.
    """

    name: str
    kind: str
    device: str
    detail: str = ""


class Backend(abc.ABC):
    """Measures (or models) the concurrent throughput of a deployment plan."""

    @abc.abstractmethod
    def measure(self, plan: DeploymentPlan) -> PlanResult:
        """Run every engine of ``plan`` at once and report each one's throughput.

        Raises:
            BackendFailed: the plan could not be built or run (the reason is in the message).
            BackendUnavailable: the backend cannot run on this machine at all.
        """

    @abc.abstractmethod
    def describe(self) -> BackendInfo:
        """Say what this backend is, without measuring anything."""
