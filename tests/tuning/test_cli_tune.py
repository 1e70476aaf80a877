"""The tune command: user errors, failed measurements as failed trials, YAML plans, plots."""

from __future__ import annotations

import json
import subprocess

import optuna
import pytest
import yaml
from optuna.trial import TrialState

from support import cli_argv as cli
from support import run_cli


def test_unknown_model_is_a_one_line_usage_error(tmp_path, capsys):
    rc, _, err = run_cli(capsys, "tune", tmp_path / "missing.onnx", "--storage", f"sqlite:///{tmp_path / 's.db'}")
    assert rc == 2
    assert err.startswith("error: ") and "Traceback" not in err


def test_bad_storage_url_is_a_usage_error(seed_model, capsys):
    rc, _, err = run_cli(capsys, "tune", seed_model, "--storage", "nonsense")
    assert rc == 2
    assert "error: --storage 'nonsense' is not a storage URL." in err


def test_bad_batches_is_a_usage_error(seed_model, capsys):
    rc, _, err = run_cli(capsys, "tune", seed_model, "--batches", "1,x")
    assert rc == 2
    assert "error: --batches: cannot read '1,x'." in err


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_failed_measurements_become_failed_trials_and_the_study_goes_on(seed_model, tmp_path, standin_env, seed):
    # Properties that hold for any sampler sequence (a seed or an Optuna release changes the sequence).
    env = {**standin_env, "TRTEXEC_STANDIN_FAIL": "run:dla"}
    url = f"sqlite:///{tmp_path / 'study.db'}"
    out = subprocess.run(cli("tune", str(seed_model), "--backend", "trtexec", "--trials", "6", "--seed", str(seed),
                             "--duration", "1", "--no-reference", "--format", "json", "--storage", url),
                         env=env, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in out.stderr
    doc = json.loads(out.stdout)
    trials = optuna.load_study(study_name=doc["study"], storage=url).get_trials(deepcopy=False)
    assert len(trials) == 6 and sum(doc["trials"]["states"].values()) == 6
    assert not [t for t in trials if t.state == TrialState.RUNNING]
    measured = [t for t in trials if "result" in t.user_attrs or "error" in t.user_attrs]
    for t in measured:
        uses_dla = "dla" in t.user_attrs["plan"] if "plan" in t.user_attrs else True
        if t.state == TrialState.FAIL:
            # Every failed run is a FAIL trial with its reason: which engine, and what trtexec said.
            assert "@dla" in t.user_attrs["error"] and "trtexec run failed (exit code 1)" in t.user_attrs["error"]
        else:
            assert t.state == TrialState.COMPLETE and not uses_dla
            assert {e["device"] for e in t.user_attrs["result"]["engines"]} == {"gpu"}
    assert [t for t in trials if t.state == TrialState.FAIL] == [t for t in measured if "error" in t.user_attrs]
    if doc["best"] is None:
        assert out.returncode == 1  # no plan without DLA was drawn: exit 1, "no feasible plan"
    else:
        assert out.returncode == 0, out.stderr
        # The best plan uses only devices that did not fail.
        assert {e["device"] for e in doc["best"]["engines"]} == {"gpu"}
        assert doc["best"]["provenance"]["label"] == "measured (trtexec, orin-agx-64gb, MAXN)"
        per_engine = {e["images_per_s"] for e in doc["best"]["engines"]}
        assert per_engine == {286.781}  # the stand-in's GPU number for this model


@pytest.mark.slow
def test_plan_yaml_holds_plan_numbers_and_commands(seed_model, tmp_path, standin_env):
    plan = tmp_path / "plan.yaml"
    out = subprocess.run(cli("tune", str(seed_model), "--backend", "trtexec", "--trials", "3", "--seed", "0",
                             "--duration", "1", "-o", str(plan)), env=standin_env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    doc = yaml.safe_load(plan.read_text())
    best = doc["best"]
    assert best["total_images_per_s"] == pytest.approx(sum(e["images_per_s"] for e in best["engines"]), rel=1e-12)
    builds = [c for c in doc["commands"] if "--saveEngine=" in c]
    runs = [c for c in doc["commands"] if "--loadEngine=" in c]
    assert len(runs) == len(best["engines"]) and all(c.endswith("&") for c in runs)
    assert 1 <= len(builds) <= len(runs) and doc["commands"][-2:] == ["wait", "grep -H 'Throughput:' *.log"]
    assert doc["reference"]["total_images_per_s"] == pytest.approx(286.781 + 2 * 36.9222, rel=1e-12)


@pytest.mark.slow
def test_plots_without_plotly_say_how_to_install(seed_model, tmp_path, standin_env):
    import importlib.util
    if importlib.util.find_spec("plotly") is not None:
        out = subprocess.run(cli("tune", str(seed_model), "--backend", "trtexec", "--trials", "3", "--duration", "1",
                                 "--plots", str(tmp_path / "plots")), env=standin_env, capture_output=True, text=True,
                             timeout=120)
        assert out.returncode == 0 and (tmp_path / "plots" / "history.html").exists()
        return
    out = subprocess.run(cli("tune", str(seed_model), "--backend", "trtexec", "--trials", "2", "--duration", "1",
                             "--plots", str(tmp_path / "plots")), env=standin_env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 2
    # Refused before the search runs: the one error line is all stderr holds.
    assert out.stderr.strip() == ("error: --plots needs plotly, which is not installed. Install it with: pip install "
                                  "'dla-advisor[plots]' (kaleido as well for PNG).")
