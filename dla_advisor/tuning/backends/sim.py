"""The ``sim`` backend: the performance model stands in for the board.

Every number it returns is ``modelled``, labelled with the device model and its calibration error.
"""

from __future__ import annotations

from ..._words import DEFAULT_DEVICE, DEFAULT_POWER_MODE
from ...errors import BackendFailed, DlaAdvisorError
from ...layout import Measurement
from .._models import ModelCatalog
from .._plan import DeploymentPlan, EngineResult, PlanResult
from ._base import Backend, BackendInfo


class SimBackend(Backend):
    """Models a plan with :func:`dla_advisor.perf.estimate_concurrent`.

    Args:
        device: device model id (``orin-agx-64gb``).
        power_mode: power mode of the device model (``MAXN``).
        platform: DLA platform id for layout prediction (None: the default).
        catalog: shared network/layout cache (the search space uses the same one).
    """

    name = "sim"

    def __init__(self, device: str = DEFAULT_DEVICE, power_mode: str = DEFAULT_POWER_MODE, platform=None,
                 catalog: ModelCatalog | None = None):
        from ...perf import load_device
        from ...platforms import load_platform

        self.device_model = load_device(device, power_mode=power_mode)
        self.platform = platform if hasattr(platform, "native_input_formats") else load_platform(platform)
        self.catalog = catalog or ModelCatalog()
        self._device_name = device
        self._power_mode = power_mode

    def describe(self) -> BackendInfo:
        dm = self.device_model
        mode = getattr(getattr(dm, "mode", None), "name", self._power_mode)
        ident = f"{getattr(dm, 'id', self._device_name)}-{mode}".lower()
        calibration = getattr(dm, "calibration", None)
        err = getattr(calibration, "mape_pct", None) if calibration is not None else getattr(dm, "error_pct", None)
        detail = f"performance model {ident}" + (f", calibration error {err:.0f} %" if err is not None else "")
        return BackendInfo("sim", "modelled", ident, detail + f"; platform {self.platform.id}")

    def measure(self, plan: DeploymentPlan) -> PlanResult:
        from ...perf import EngineSpec, estimate_concurrent

        if not plan.engines:
            raise BackendFailed("the plan has no engines", "Give at least one model a GPU instance or a DLA core.")
        specs = []
        try:
            for e in plan.engines:
                layout = self.catalog.layout(e.model, e.config, self.platform)
                network = self.catalog.network(e.model, e.config)
                specs.append(EngineSpec(network, layout, e.config, device=e.device, batch=e.batch, name=e.name))
            res = estimate_concurrent(specs, self.device_model)
        except BackendFailed:
            raise
        except DlaAdvisorError as err:
            raise BackendFailed(f"cannot model the plan: {err.message}", err.hint) from err
        results = tuple(
            EngineResult(e, Measurement(est.provenance, est.throughput_qps, e.batch, {"mean": est.latency_ms}))
            for e, est in zip(plan.engines, res.engines))
        return PlanResult(plan, results, float(res.total_images_per_s), res.provenance)
