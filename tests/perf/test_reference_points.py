"""The model against the published measurements it must reproduce (the seed's table within ±10 %)."""

import pytest
import yaml

from dla_advisor.perf import estimate_concurrent, estimate_engine
from dla_advisor.perf._calibrate import error_only

from support import RULES, SEED_MODEL

from .conftest import specs_for


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


def test_the_seed_points_of_the_calibration_file_within_10_percent(tmp_path):
    raw = yaml.safe_load((RULES / "calibration" / "orin-agx-64gb.yaml").read_text(encoding="utf-8"))
    raw["points"] = [p for p in raw["points"] if p["id"].startswith("seed")]
    assert len(raw["points"]) == 6
    for p in raw["points"]:
        p["model"] = str(SEED_MODEL)
    path = tmp_path / "seed.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    for r in error_only(path).points:
        assert abs(r.error_pct) <= 10, (r.id, r.measured, r.modelled)


@pytest.mark.slow
def test_device_file_records_the_error_it_was_fitted_with(dev):
    result = error_only(RULES / "calibration" / "orin-agx-64gb.yaml")
    assert dev.calibration.mape_pct == pytest.approx(result.mape_pct, abs=0.01)
    recorded = {p["id"]: p["error_pct"] for p in dev.calibration.points}
    for r in result.points:
        assert recorded[r.id] == pytest.approx(r.error_pct, abs=0.01)
