"""The held-out validation set: published measurements never fitted on, and its error shown to users."""

import re

import pytest
import yaml

from dla_advisor.errors import RuleFileError
from dla_advisor.layout import Provenance
from dla_advisor.perf import estimate_engine, load_device
from dla_advisor.perf._calibrate import error_only, load_measurements

from support import RULES

from .conftest import specs_for

HOLDOUT = RULES / "calibration" / "orin-agx-64gb-holdout.yaml"
FIT = RULES / "calibration" / "orin-agx-64gb.yaml"


@pytest.fixture(scope="module")
def raw():
    return yaml.safe_load(HOLDOUT.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def result():
    return error_only(HOLDOUT)


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def test_holdout_file_loads_with_gpu_dla_and_concurrent_points(raw):
    device, points = load_measurements(HOLDOUT)
    assert device == "orin-agx-64gb"
    assert len(points) == len(raw["points"]) == 10
    plans = [p.plan for p in points]
    assert sum(p.startswith("gpu") and "dla" not in p for p in plans) == 5      # GPU alone
    assert sum(p.startswith("dla") for p in plans) == 1                         # one DLA alone
    assert sum("gpu" in p and "dla0" in p and "dla1" in p for p in plans) == 4  # GPU + 2 DLA together


def test_every_point_has_an_https_source_and_a_quote_holding_the_number(raw):
    sources = raw["sources"]
    for e in raw["points"]:
        assert sources[e["source"]].startswith("https://"), e["id"]
        quote = e["quote"]
        value = next(iter(v for k, v in e["measured"].items() if k != "engine"))
        # 0.630245 ms is quoted as 630245 ns: compare the significant digits.
        assert _digits(f"{value:.10g}").lstrip("0") in _digits(quote), (e["id"], value, quote)
        assert e["setup"].strip() and e["caveat"].strip()


def test_holdout_points_are_not_fit_points(raw):
    fit = yaml.safe_load(FIT.read_text(encoding="utf-8"))
    assert not {p["id"] for p in raw["points"]} & {p["id"] for p in fit["points"]}
    assert not set(raw["sources"].values()) & set(fit["sources"].values())


def test_recorded_holdout_error_is_what_calibrate_no_fit_computes(result):
    dev = load_device("orin-agx-64gb")
    assert dev.holdout.measurements == "rules/calibration/orin-agx-64gb-holdout.yaml"
    assert dev.holdout.n_points == len(result.points) == 10
    assert dev.holdout_error_pct == pytest.approx(result.mape_pct, abs=0.01)
    recorded = {p["id"]: p["error_pct"] for p in dev.holdout.points}
    assert set(recorded) == {r.id for r in result.points}
    for r in result.points:
        assert recorded[r.id] == pytest.approx(r.error_pct, abs=0.01), r.id
    # The held-out points are never fitted on: their error is at least the fit error.
    assert dev.holdout_error_pct > dev.calibration.mape_pct


def test_label_shows_fit_and_holdout_error(seed_net, dev):
    est = estimate_engine(specs_for(seed_net, "gpu")[0], dev)
    assert est.provenance.holdout_error_pct == dev.holdout_error_pct
    assert est.provenance.label() == (f"modelled (orin-agx-64gb-maxn, error {dev.error_pct:.0f} % cross-validated / "
                                      f"{dev.holdout_error_pct:.0f} % held-out)")
    assert est.to_dict()["provenance"]["holdout_error_pct"] == dev.holdout_error_pct


def test_label_names_what_its_error_measures():
    assert (Provenance("modelled", device="d", error_pct=12.4, error_kind="cross-validated").label()
            == "modelled (d, error 12 % cross-validated)")
    assert (Provenance("modelled", device="d", error_pct=12.4, error_kind="cross-validated", holdout_error_pct=18).label()
            == "modelled (d, error 12 % cross-validated / 18 % held-out)")
    assert (Provenance("modelled", device="d", error_pct=30, error_kind="transferred").label()
            == "modelled (d, error 30 % transferred)")


def test_label_without_holdout_is_unchanged():
    assert Provenance("modelled", device="d", error_pct=4.83).label() == "modelled (d, error 5 %)"
    assert Provenance("modelled", device="d").label() == "modelled (d, error unknown)"
    assert (Provenance("modelled", device="d", holdout_error_pct=23.4).label()
            == "modelled (d, error unknown fit / 23 % held-out)")
    assert load_device("orin-agx-32gb").holdout is None


def test_malformed_holdout_block_is_a_rule_file_error(tmp_path):
    text = (RULES / "devices" / "orin-agx-64gb.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(re.sub(r"holdout:\n  measurements: (.*)\n  mape_pct: .*\n", r"holdout:\n  measured: \1\n", text),
                   encoding="utf-8")
    with pytest.raises(RuleFileError) as e:
        load_device(str(bad))
    assert "holdout needs mape_pct" in e.value.one_line()
