"""Calibrated performance model of GPU + DLA + shared DRAM.

``load_device`` gives a :class:`DeviceModel` (board + power mode); ``estimate_engine`` and
``estimate_concurrent`` give modelled throughput and latency of engine instances alone or running
together; ``standard_scenarios`` the three deployments ``advise`` shows. Every number carries a
``Provenance(kind="modelled")`` with the device model and its calibration error.
"""

from ._concurrent import ConcurrentEstimate, estimate_concurrent, estimate_engine
from ._device import DeviceModel, ModelParams, PowerMode, device_for_platform, list_devices, load_device
from ._engine_profile import EngineSpec, Estimate
from ._explain import EngineExplanation, KernelTime, explain_concurrent
from ._plan import PLAN_SYNTAX, PlanEntry, parse_plan, plan_specs
from ._scenarios import standard_scenarios

__all__ = ["ConcurrentEstimate", "DeviceModel", "EngineExplanation", "EngineSpec", "Estimate", "KernelTime",
           "explain_concurrent", "ModelParams", "PowerMode",
           "PLAN_SYNTAX", "PlanEntry", "device_for_platform", "estimate_concurrent", "estimate_engine", "list_devices",
           "load_device",
           "parse_plan", "plan_specs", "standard_scenarios"]
