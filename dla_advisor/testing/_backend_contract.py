"""The contract every measurement backend passes, as Optuna's ``StorageTestCase`` runs over storages.

Subclass :class:`BackendContract` in a pytest module and implement :meth:`make_backend`; the inherited
tests check inputs to outputs, provenance on every number, and that failures arrive as the declared
error types. A subclass whose backend cannot run here skips inside ``make_backend``.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from ..errors import BackendFailed
from ..layout import BuildConfig, IOFormat
from ..tuning import Backend, DeploymentPlan, PlannedEngine, PlanResult

SEED_MODEL = Path(__file__).resolve().parents[2] / "models" / "conv2d_1024.onnx"


def contract_plan(model: str | Path = SEED_MODEL) -> DeploymentPlan:
    """GPU (INT8) + DLA0 and DLA1 (INT8, ``int8:dla_linear`` I/O): the forum seed's best hand-made plan."""
    dla_io = (IOFormat("int8", "dla_linear"),)
    gpu = BuildConfig(precision="int8", use_dla=False, gpu_fallback=False, batch=1)
    dla = BuildConfig(precision="int8", input_formats=dla_io, output_formats=dla_io, gpu_fallback=False, batch=1)
    return DeploymentPlan((PlannedEngine(str(model), "gpu", gpu),
                           PlannedEngine(str(model), "dla0", dla.with_(dla_core=0)),
                           PlannedEngine(str(model), "dla1", dla.with_(dla_core=1))))


class BackendContract:
    """Inherit in a ``Test...`` class and implement :meth:`make_backend`.

    Attributes:
        expected_kind: ``measured`` or ``modelled``; every number the backend returns must say so.
        deterministic: measuring the same plan twice gives the same numbers.
    """

    expected_kind = "measured"
    deterministic = True

    def make_backend(self, tmp_path: Path) -> Backend:
        raise NotImplementedError

    def plan(self) -> DeploymentPlan:
        return contract_plan()

    @pytest.fixture
    def backend(self, tmp_path):
        return self.make_backend(tmp_path)

    @pytest.fixture
    def result(self, backend) -> PlanResult:
        return backend.measure(self.plan())

    def test_describe_says_what_numbers_are(self, backend):
        info = backend.describe()
        assert info.kind == self.expected_kind
        assert info.name and info.device
        assert backend.describe() == info

    def test_one_result_per_engine_in_plan_order(self, result):
        plan = self.plan()
        assert result.plan == plan
        assert [r.engine for r in result.engines] == list(plan.engines)

    def test_total_is_the_sum_of_engines(self, result):
        assert math.isclose(result.total_images_per_s, sum(r.images_per_s for r in result.engines), rel_tol=1e-9)
        for r in result.engines:
            assert r.measurement.batch == r.engine.batch
            assert math.isclose(r.images_per_s, r.qps * r.engine.batch)
            assert r.qps > 0 and math.isfinite(r.qps)

    def test_every_number_has_provenance(self, backend, result):
        for prov in [result.provenance, *(r.measurement.provenance for r in result.engines)]:
            assert prov.kind == self.expected_kind
            assert prov.label().startswith(f"{self.expected_kind} (")
            assert prov.device

    def test_latency_is_reported(self, result):
        for r in result.engines:
            assert r.latency_ms is not None and r.latency_ms > 0
        assert result.makespan_ms == max(r.latency_ms for r in result.engines)

    def test_result_round_trips_through_a_dict(self, result):
        again = PlanResult.from_dict(result.to_dict())
        assert again.plan == result.plan
        assert again.total_images_per_s == result.total_images_per_s
        assert [r.measurement.provenance for r in again.engines] == [r.measurement.provenance for r in result.engines]

    def test_repeatable(self, backend, result):
        if not self.deterministic:
            pytest.skip("this backend's numbers vary from run to run")
        assert backend.measure(self.plan()).to_dict() == result.to_dict()

    def test_missing_model_is_backend_failed(self, backend, tmp_path):
        plan = contract_plan(tmp_path / "no-such-model.onnx")
        with pytest.raises(BackendFailed):
            backend.measure(plan)

    def test_empty_plan_is_backend_failed(self, backend):
        with pytest.raises(BackendFailed):
            backend.measure(DeploymentPlan(()))
