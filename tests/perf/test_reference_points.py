"""The model against the published measurements it must reproduce (seed ±10 %, others ±15 %)."""

import pytest

from dla_advisor.perf import estimate_concurrent, estimate_engine
from dla_advisor.perf._calibrate import error_only

from .conftest import REPO, specs_for


def _within(value, measured, pct):
    return abs(value - measured) / measured * 100 <= pct


def test_seed_gpu_alone(seed_net, dev):
    est = estimate_engine(specs_for(seed_net, "gpu")[0], dev)
    assert _within(est.throughput_qps, 405.3, 10), est.throughput_qps


def test_seed_one_dla_alone(seed_net, dev):
    est = estimate_engine(specs_for(seed_net, "dla0")[0], dev)
    assert _within(est.throughput_qps, 132.7, 10), est.throughput_qps


def test_seed_gpu_plus_two_dla_default_io(seed_net, dev):
    gpu, d0, d1 = estimate_concurrent(specs_for(seed_net, "gpu,dla0,dla1"), dev).engines
    assert _within(gpu.throughput_qps, 229.2, 10), gpu.throughput_qps
    assert _within(d0.throughput_qps, 113.1, 10) and _within(d1.throughput_qps, 113.1, 10), d0.throughput_qps


def test_seed_gpu_plus_two_dla_linear_io(seed_net, dev):
    gpu, d0, d1 = estimate_concurrent(specs_for(seed_net, "gpu,dla0,dla1", io="int8:dla_linear"), dev).engines
    assert _within(gpu.throughput_qps, 307.9, 10), gpu.throughput_qps
    assert _within(d0.throughput_qps, 114.2, 10) and _within(d1.throughput_qps, 114.2, 10), d0.throughput_qps


def test_every_shipped_calibration_point_within_tolerance():
    # N1 (per power mode, 2 DLAs), N4 (latency by batch), N5 (GroupNorm vs BatchNorm) and the seed.
    result = error_only(REPO / "rules" / "calibration" / "orin-agx-64gb.yaml")
    assert len(result.points) == 22
    for r in result.points:
        limit = 10 if r.id.startswith("seed") else 15
        assert abs(r.error_pct) <= limit, (r.id, r.measured, r.modelled)


def test_device_file_records_the_error_it_was_fitted_with(dev):
    result = error_only(REPO / "rules" / "calibration" / "orin-agx-64gb.yaml")
    assert dev.error_pct == pytest.approx(result.mape_pct, abs=0.01)
    recorded = {p["id"]: p["error_pct"] for p in dev.calibration.points}
    for r in result.points:
        assert recorded[r.id] == pytest.approx(r.error_pct, abs=0.01)
