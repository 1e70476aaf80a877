"""Search the deployment space (GPU, DLA0, DLA1: engines, batch, precision, I/O formats) with Optuna.

Backends (``sim``, ``trtexec``, ``tensorrt``) measure or model a :class:`DeploymentPlan`; the study
lives in any Optuna storage, so a search resumes and a farm of boards can share one.
"""

from ._commands import build_command, engine_filename, reproduce_script, run_command
from ._enumerate import enumerate_plans
from ._models import ModelCatalog
from ._objective import OBJECTIVES, PlanObjective, objective_values
from ._plan import DEVICES, DeploymentPlan, EngineResult, PlannedEngine, PlanResult
from ._search import StudySummary, TrialOutcome, make_sampler, pareto_front, run_search, summarize
from ._space import PlanRejected, SearchSpace, SpaceOptions
from ._storage import default_storage_url, open_storage, open_study, redact, study_name
from ._tuner import Tuner, TuneReport, TuneRequest
from .backends import BACKENDS, Backend, BackendInfo, make_backend

__all__ = [
    "build_command", "engine_filename", "reproduce_script", "run_command", "enumerate_plans", "ModelCatalog",
    "OBJECTIVES", "PlanObjective", "objective_values", "DEVICES", "DeploymentPlan", "EngineResult", "PlannedEngine",
    "PlanResult", "StudySummary", "TrialOutcome", "make_sampler", "pareto_front", "run_search", "summarize",
    "PlanRejected", "SearchSpace", "SpaceOptions", "default_storage_url", "open_storage", "open_study", "redact",
    "study_name", "Tuner", "TuneReport", "TuneRequest", "BACKENDS", "Backend", "BackendInfo", "make_backend",
]
