"""`dla-advisor estimate` and `dla-advisor calibrate` at the process boundary (click runner)."""

import json
import shutil

import pytest
import yaml
from click.testing import CliRunner

from dla_advisor.perf import load_device

from support import RULES, SEED_MODEL, run_cli

SEED = str(SEED_MODEL)


def test_estimate_text_labels_every_number(capsys):
    rc, out, _ = run_cli(capsys, "estimate", SEED, "--plan", "gpu,dla0,dla1", "--precision", "int8")
    assert rc == 0
    lines = out.splitlines()
    assert [l.split()[0] for l in lines[2:5]] == ["gpu", "dla0", "dla1"]
    assert lines[5].startswith("total")
    dev = load_device("orin-agx-64gb")
    assert (f"modelled (orin-agx-64gb-maxn, error {dev.error_pct:.0f} % cross-validated / "
            f"{dev.holdout_error_pct:.0f} % held-out)") in out


def test_estimate_json(capsys, tmp_path):
    out = tmp_path / "e.json"
    rc, _, _ = run_cli(capsys, "estimate", SEED, "--plan", "gpu:bs=1,dla0", "--format", "json", "-o", out,
                       "--inputIOFormats", "int8:dla_linear", "--outputIOFormats", "int8:dla_linear")
    doc = json.loads(out.read_text())
    assert rc == 0 and doc["command"] == "estimate"
    engines = doc["estimate"]["engines"]
    assert [e["device"] for e in engines] == ["gpu", "dla0"]
    assert doc["estimate"]["total_images_per_s"] == sum(e["images_per_s"] for e in engines)
    assert engines[0]["provenance"]["kind"] == "modelled"


def test_malformed_plan_exits_2_with_the_syntax(capsys):
    rc, _, err = run_cli(capsys, "estimate", SEED, "--plan", "gpu:bs=x")
    lines = err.strip().splitlines()
    assert rc == 2 and len(lines) == 1
    assert "DEVICE[:bs=N][:split=LAYER]" in lines[0]


def test_unknown_power_mode_exits_2(capsys):
    rc, _, err = run_cli(capsys, "estimate", SEED, "--power-mode", "20W")
    assert rc == 2
    assert "MAXN, 50W, 30W, 15W" in err


def test_help_documents_split():
    res = CliRunner().invoke(main_group(), ["estimate", "--help"])
    assert "split=LAYER" in res.output and res.exit_code == 0


def main_group():
    from dla_advisor.cli import cli
    return cli


def test_calibrate_fits_prints_errors_and_writes_device(tmp_path, capsys):
    meas = tmp_path / "m.yaml"
    meas.write_text(yaml.safe_dump({"device": "orin-agx-64gb", "points": [
        {"id": "gpu", "model": SEED, "plan": "gpu", "measured": {"qps": 405.3}},
        {"id": "dla", "model": SEED, "plan": "dla0", "measured": {"qps": 132.7}}]}))
    device = tmp_path / "dev.yaml"
    shutil.copy(RULES / "devices" / "orin-agx-64gb.yaml", device)
    rc, out, _ = run_cli(capsys, "calibrate", meas, "--device", device, "--params", "gpu_eff,dla_eff",
                         "--max-evals", "40", "--write-device", device)
    assert rc == 0
    rows = {l.split()[0]: l.split() for l in out.splitlines() if l.startswith(("gpu ", "dla "))}
    assert set(rows) == {"gpu", "dla"}
    written = yaml.safe_load(device.read_text())
    assert [p["id"] for p in written["calibration"]["points"]] == ["gpu", "dla"]
    errors = [abs(p["error_pct"]) for p in written["calibration"]["points"]]
    assert written["calibration"]["mape_pct"] == round(sum(errors) / 2, 2) or abs(written["calibration"]["mape_pct"] - sum(errors) / 2) < 0.01
    assert written["params"]["gpu_switch_us"] == yaml.safe_load((RULES / "devices/orin-agx-64gb.yaml").read_text())["params"]["gpu_switch_us"]
    assert "# Performance model of the Jetson AGX Orin 64GB" in device.read_text()


def test_calibrate_bad_file_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("device: orin-agx-64gb\npoints:\n  - {model: x}\n")
    rc, _, err = run_cli(capsys, "calibrate", bad)
    assert rc == 2
    assert "points[0]" in err


def test_estimate_one_process_flag_is_reported(capsys, tmp_path):
    out = tmp_path / "e.json"
    assert run_cli(capsys, "estimate", SEED, "--plan", "gpu,dla0,dla1", "--one-process", "--format", "json",
                   "-o", out)[0] == 0
    one = json.loads(out.read_text())["estimate"]
    assert run_cli(capsys, "estimate", SEED, "--plan", "gpu,dla0,dla1", "--format", "json", "-o", out)[0] == 0
    separate = json.loads(out.read_text())["estimate"]
    assert one["one_process"] is True and separate["one_process"] is False
    assert one["total_images_per_s"] > separate["total_images_per_s"]
    rc, out, _ = run_cli(capsys, "estimate", SEED, "--plan", "gpu,dla0", "--one-process")
    assert rc == 0
    assert "plan gpu,dla0, one process" in out


@pytest.mark.parametrize("key, value, hint", [("processes", "many", "Use 'one' or 'separate'"),
                                                ("postprocess", "yolo-decode", "Use 'nms'")])
def test_calibration_point_with_unknown_setup_value_is_a_clear_error(tmp_path, capsys, key, value, hint):
    raw = yaml.safe_load((RULES / "calibration" / "orin-agx-64gb.yaml").read_text())
    raw["points"] = raw["points"][:1]
    raw["points"][0][key] = value
    bad = tmp_path / "m.yaml"
    bad.write_text(yaml.safe_dump(raw))
    rc, _, err = run_cli(capsys, "calibrate", bad, "--no-fit")
    assert rc == 2
    assert key in err and hint in err and "Traceback" not in err

def test_calibrate_cross_validate_predicts_each_network_from_a_fit_without_it(tmp_path, capsys):
    from dla_advisor.perf._calibrate import evaluate, fit_prepared, prepare

    meas = tmp_path / "m.yaml"
    meas.write_text(yaml.safe_dump({"device": "orin-agx-64gb", "points": [
        {"id": "seed-gpu", "model": SEED, "plan": "gpu", "measured": {"qps": 405.3}},
        {"id": "seed-dla", "model": SEED, "plan": "dla0", "measured": {"qps": 132.7}},
        {"id": "cifar", "model": "cifar_bn", "batch": 32, "plan": "dla0:bs=32", "measured": {"qps": 649.7}}]}))
    device = tmp_path / "dev.yaml"
    shutil.copy(RULES / "devices" / "orin-agx-64gb.yaml", device)
    rc, out, _ = run_cli(capsys, "calibrate", meas, "--device", device, "--params", "gpu_eff,dla_eff",
                         "--max-evals", "24", "--cv-max-evals", "12", "--cross-validate", "--write-device", device)
    assert rc == 0 and "cross-validation" in out
    cal = yaml.safe_load(device.read_text())["calibration"]
    assert [p["id"] for p in cal["cv_points"]] == ["seed-gpu", "seed-dla", "cifar"]
    assert set(cal["cv_networks"]) == {str(SEED), "cifar_bn"}
    assert cal["cv_mape_pct"] == pytest.approx(sum(abs(p["error_pct"]) for p in cal["cv_points"]) / 3, abs=0.02)
    # The cifar point is predicted by parameters fitted on the seed points alone, from the fitted start.
    from dla_advisor.perf import load_device as load
    dev = load(str(device))
    start = dev.with_params(dev.params)
    _, prepared = prepare(meas, start)
    params, _ = fit_prepared(start.params, prepared[:2], ("gpu_eff", "dla_eff"), 12)
    predicted = evaluate(prepared[2:], params)[0]
    assert cal["cv_points"][2]["modelled"] == pytest.approx(predicted.modelled, rel=1e-3)


def _perturbed_device(tmp_path, name, **params):
    """A copy of a shipped device file whose fitted parameters are changed (a stale file)."""
    raw = yaml.safe_load((RULES / "devices" / f"{name}.yaml").read_text())
    raw["params"].update(params)
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def test_calibrate_takes_the_parameters_not_free_from_params_from(tmp_path, capsys):
    meas = tmp_path / "m.yaml"
    meas.write_text(yaml.safe_dump({"device": "orin-nx-16gb", "params_from": "orin-agx-64gb", "free": ["dram_knee"],
                                    "points": [{"id": "gpu", "model": SEED, "plan": "gpu", "measured": {"qps": 300.0}},
                                               {"id": "dla", "model": SEED, "plan": "dla0", "measured": {"qps": 120.0}}]}))
    # The target file holds stale values: the fit must not start from them.
    device = _perturbed_device(tmp_path, "orin-nx-16gb", gpu_eff=0.5, dla_submit_us=40.0, dram_knee=0.5)
    rc, _, err = run_cli(capsys, "calibrate", meas, "--device", device, "--max-evals", "10", "--write-device", device)
    assert rc == 0, err
    written = yaml.safe_load(device.read_text())
    source = load_device("orin-agx-64gb").params.as_dict()
    assert {k: v for k, v in written["params"].items() if k != "dram_knee"} == \
        {k: v for k, v in source.items() if k != "dram_knee"}
    assert written["calibration"]["params_from"] == "orin-agx-64gb"
    assert written["calibration"]["fitted"] == ["dram_knee"]


def test_calibrate_cross_validation_folds_start_from_params_from(tmp_path):
    from dla_advisor.perf._crossval import cross_validate

    meas = tmp_path / "m.yaml"
    meas.write_text(yaml.safe_dump({"device": "orin-nx-16gb", "params_from": "orin-agx-64gb", "free": [],
                                    "points": [{"id": "gpu", "model": SEED, "plan": "gpu", "measured": {"qps": 300.0}},
                                               {"id": "cifar", "model": "cifar_bn", "batch": 32, "plan": "dla0:bs=32",
                                                "measured": {"qps": 649.7}}]}))
    stale = load_device(str(_perturbed_device(tmp_path, "orin-nx-16gb", gpu_eff=0.5, gpu_bw_eff=0.4, gpu_launch_us=90.0,
                                                       dla_eff=0.3, dla_bw_eff=0.15)))
    cv = cross_validate(meas, stale, max_evals=10)
    inherited = cross_validate(meas, stale.with_params(load_device("orin-agx-64gb").params), max_evals=10)
    assert [p.modelled for p in cv.points] == [p.modelled for p in inherited.points]
    raw = yaml.safe_load(meas.read_text())
    del raw["params_from"]
    meas.write_text(yaml.safe_dump(raw))
    stale_cv = cross_validate(meas, stale, max_evals=10)
    assert all(a.modelled != b.modelled for a, b in zip(stale_cv.points, cv.points))


def test_calibrate_with_nothing_free_writes_the_transfer_error(tmp_path, capsys):
    other = tmp_path / "other.yaml"
    other.write_text(yaml.safe_dump({"device": "orin-agx-64gb", "points": [
        {"id": "dla", "model": SEED, "plan": "dla0", "measured": {"qps": 120.0}}]}))
    meas = tmp_path / "m.yaml"
    meas.write_text(yaml.safe_dump({"device": "orin-agx-32gb", "params_from": "orin-agx-64gb", "free": [],
                                    "transfer_check": ["other.yaml"],
                                    "points": [{"id": "gpu", "model": SEED, "plan": "gpu", "measured": {"qps": 300.0}}]}))
    device = _perturbed_device(tmp_path, "orin-agx-32gb", gpu_eff=0.5)
    rc, _, err = run_cli(capsys, "calibrate", meas, "--device", device, "--write-device", device)
    assert rc == 0, err
    written = yaml.safe_load(device.read_text())
    assert written["params"] == load_device("orin-agx-64gb").params.as_dict()
    cal = written["calibration"]
    assert cal["inherited_from"] == "orin-agx-64gb" and cal["mape_pct"] is None and cal["transfer_points"] == 2
    from dla_advisor.perf._crossval import transfer_error
    err, _ = transfer_error(load_device("orin-agx-64gb"), {str(other): None, str(meas): load_device(str(device))})
    assert cal["transfer_error_pct"] == pytest.approx(err, abs=0.01)
    assert load_device(str(device)).error_kind == "transferred"


def test_params_from_an_unknown_device_is_one_line(tmp_path, capsys):
    meas = tmp_path / "m.yaml"
    meas.write_text(yaml.safe_dump({"device": "orin-nx-16gb", "params_from": "orin-agx-99gb", "free": ["dram_knee"],
                                    "points": [{"id": "gpu", "model": SEED, "plan": "gpu", "measured": {"qps": 300.0}}]}))
    rc, _, err = run_cli(capsys, "calibrate", meas, "--max-evals", "10")
    assert rc == 2
    assert "params_from 'orin-agx-99gb'" in err and "Traceback" not in err
