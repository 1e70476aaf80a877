"""The published measurements behind the device models, their cross-validated error, and the labels."""

import re

import numpy as np
import pytest
import yaml

from dla_advisor.perf import device_for_platform, estimate_engine, list_devices, load_device
from dla_advisor.perf._calibrate import load_measurements
from dla_advisor.platforms import load_platform

from support import REPO, RULES

from .conftest import specs_for

CAL = RULES / "calibration"
FIT_FILES = sorted(p for p in CAL.glob("*.yaml") if not p.stem.endswith("holdout"))


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


@pytest.mark.parametrize("path", FIT_FILES, ids=lambda p: p.stem)
def test_every_point_cites_an_https_source_and_quotes_its_number(path):
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    for e in raw["points"]:
        assert raw["sources"][e["source"]].startswith("https://"), e["id"]
        value = next(v for k, v in e["measured"].items() if k != "engine")
        # 0.630245 ms is quoted as 630245 ns, 2037 images/s as "| 2037 |": compare significant digits.
        assert _digits(f"{value:.10g}").lstrip("0") in _digits(e["quote"]), (e["id"], value, e["quote"])


def test_the_data_covers_networks_boards_engines_batches_and_power_modes():
    points = {p.stem: load_measurements(p)[1] for p in FIT_FILES}
    everything = [pt for pts in points.values() for pt in pts]
    assert len(everything) >= 80
    assert len({pt.model for pt in everything}) >= 10
    assert {load_measurements(p)[0] for p in FIT_FILES} == set(list_devices())
    plans = [pt.plan for pt in everything]
    assert any(p.startswith("gpu") and "dla" not in p for p in plans)          # GPU alone
    assert any(p.startswith("dla0") and "dla1" not in p for p in plans)        # one DLA
    assert any("gpu" in p and "dla0" in p and "dla1" in p for p in plans)      # GPU + both DLAs
    assert len({pt.batch for pt in everything}) >= 5
    assert len({pt.power_mode or dict(pt.clocks).get("gpu_mhz") for pt in points["orin-agx-64gb"]}) >= 6


def test_each_fitted_device_records_a_cross_validated_error_consistent_with_its_points():
    for name in ("orin-agx-64gb", "orin-nx-16gb", "xavier-agx"):
        dev = load_device(name)
        cal = dev.calibration
        ids = [pt.id for pt in load_measurements(REPO / cal.measurements)[1]]
        assert [p["id"] for p in cal.cv_points] == ids, name
        assert cal.cv_mape_pct == pytest.approx(np.mean([abs(p["error_pct"]) for p in cal.cv_points]), abs=0.02)
        # A prediction for a network never fitted on is worse than the fit on it.
        assert cal.cv_mape_pct >= cal.mape_pct, name
        assert dev.error_pct == cal.cv_mape_pct and dev.error_kind == "cross-validated"


def test_labels_state_the_cross_validated_error(seed_net):
    dev = load_device("orin-agx-64gb")
    est = estimate_engine(specs_for(seed_net, "gpu")[0], dev)
    assert est.provenance.label() == (f"modelled (orin-agx-64gb-maxn, error {dev.error_pct:.0f} % cross-validated / "
                                      f"{dev.holdout_error_pct:.0f} % held-out)")
    xavier = load_device("xavier-agx")
    label = estimate_engine(specs_for(seed_net, "gpu", platform="xavier-trt8.5")[0], xavier).provenance.label()
    assert label == f"modelled (xavier-agx-maxn, error {xavier.error_pct:.0f} % cross-validated)"


def test_agx_orin_32gb_uses_a_documented_transfer_with_a_measured_error(seed_net):
    dev = load_device("orin-agx-32gb")
    assert dev.calibration.inherited_from == "orin-agx-64gb"
    assert dev.params == load_device("orin-agx-64gb").params
    assert dev.error_kind == "transferred" and dev.error_pct == dev.calibration.transfer_error_pct
    est = estimate_engine(specs_for(seed_net, "gpu")[0], dev)
    assert "transferred" in est.provenance.label() and "transfer error measured on" in est.provenance.detail


def test_the_platform_names_the_board_and_device_overrides():
    assert device_for_platform(load_platform("xavier-trt8.5")) == "xavier-agx"
    assert device_for_platform(load_platform("orin-trt8.6")) == "orin-agx-64gb"
    assert device_for_platform(load_platform("xavier-trt8.5"), "orin-nx-16gb") == "orin-nx-16gb"
    assert device_for_platform(None) == "orin-agx-64gb"


@pytest.mark.slow
def test_recorded_transfer_error_is_what_the_transfer_makes():
    from dla_advisor.perf._crossval import transfer_error
    dev = load_device("orin-agx-32gb")
    err, n = transfer_error(load_device("orin-agx-64gb"), {str(CAL / "orin-nx-16gb.yaml"): None,
                                                           str(CAL / "orin-agx-32gb.yaml"): None})
    assert n == 24  # 23 Orin NX 16GB points and the one AGX Orin 32GB point
    assert dev.calibration.transfer_error_pct == pytest.approx(err, abs=0.01)


PARAMS_FROM_FILES = [p for p in FIT_FILES if yaml.safe_load(p.read_text(encoding="utf-8")).get("params_from")]


def test_some_shipped_boards_take_parameters_from_another():
    assert {p.stem for p in PARAMS_FROM_FILES} >= {"orin-nx-16gb", "xavier-agx", "orin-agx-32gb"}


@pytest.mark.parametrize("path", PARAMS_FROM_FILES, ids=lambda p: p.stem)
def test_every_parameter_not_fitted_is_the_params_from_devices(path):
    # Fails when the source board is refitted and this one is not recomputed by its calibrate command.
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    dev_id, _ = load_measurements(path)
    free = set(raw.get("free") or ())
    source = load_device(raw["params_from"]).params.as_dict()
    params = load_device(dev_id).params.as_dict()
    inherited = {k: v for k, v in params.items() if k not in free}
    assert inherited == {k: source[k] for k in inherited}, dev_id
    cal = load_device(dev_id).calibration
    if free:
        assert cal.params_from == raw["params_from"] and set(cal.fitted) == free
    else:
        assert cal.inherited_from == raw["params_from"]
