"""Acceptance on the performance model: the search finds the enumerated optimum of the same space."""

from __future__ import annotations

import json
import subprocess

import pytest

from dla_advisor.platforms import load_platform
from dla_advisor.tuning import (PlanRejected, SearchSpace, SpaceOptions, Tuner, TuneRequest, enumerate_plans)
from support import cli_argv as cli
from tuning_helpers import needs_perf

pytestmark = needs_perf

# Small enough to enumerate in well under a second: INT8, fallback off, default SRAM; still every
# instance count, every device and every legal I/O format.
SMALL = SpaceOptions(precisions=("int8",), gpu_fallback=(False,), dla_sram_mib=(None,))


@pytest.mark.slow
def test_tpe_reaches_99_percent_of_the_exhaustive_optimum_within_60_trials(seed_model, tmp_path):
    # The default `tune` space (INT8 and FP16, every device, instance count, legal I/O format,
    # fallback and SRAM setting): 4,912 legal plans, enumerated here in a few seconds.
    tuner = Tuner(TuneRequest(models=(str(seed_model),), n_trials=60, seed=0,
                              storage=f"sqlite:///{tmp_path / 'study.db'}"))
    plans = [o for _, o in enumerate_plans(tuner.space) if not isinstance(o, PlanRejected)]
    assert len(plans) == 4912
    optimum = max(tuner.backend.measure(p).total_images_per_s for p in plans)

    assert tuner.run() == 60
    report = tuner.report(60)
    best = report.summary.best.result
    assert best.total_images_per_s >= 0.99 * optimum
    assert best.total_images_per_s >= report.reference.total_images_per_s
    assert report.reference.plan.label.startswith("hand-made: GPU + 2×DLA")
    assert best.provenance.kind == "modelled"


def test_small_space_enumerates_to_the_expected_plan_count(seed_model):
    space = SearchSpace([str(seed_model)], load_platform(None), SMALL)
    assert len([o for _, o in enumerate_plans(space) if not isinstance(o, PlanRejected)]) == 332


def test_enumeration_visits_each_decision_path_once():
    space = SearchSpace(["models/conv2d_1024.onnx"], load_platform(None), SMALL)
    paths = [tuple(sorted(d.items())) for d, _ in enumerate_plans(space)]
    assert len(paths) == len(set(paths)) == 333  # 332 plans + the plan with no engine at all


@pytest.mark.slow
def test_cli_prints_tuned_and_hand_made_side_by_side(seed_model, tmp_path):
    out = subprocess.run(cli("tune", str(seed_model), "--trials", "12", "--seed", "3", "--precisions", "int8",
                             "--format", "json"), capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["trials"]["total"] == 12 and doc["backend"]["kind"] == "modelled"
    cmp = doc["comparison"]
    assert cmp["tuned_images_per_s"] == doc["best"]["total_images_per_s"]
    assert cmp["reference_images_per_s"] == doc["reference"]["total_images_per_s"]
    assert all(e["provenance"]["label"].startswith("modelled (") for e in doc["best"]["engines"])
    assert (tmp_path / "conv2d_1024.dla-tune.db").exists()

    text = subprocess.run(cli("tune", str(seed_model), "--trials", "12", "--seed", "3", "--precisions", "int8"),
                          capture_output=True, text=True, timeout=120)
    assert text.returncode == 0, text.stderr
    assert "Side by side with the hand-made: GPU + 2×DLA, int8:dla_linear I/O on DLA:" in text.stdout
    assert f"{cmp['tuned_images_per_s']:,.1f}" in text.stdout and f"{cmp['reference_images_per_s']:,.1f}" in text.stdout
    assert "(12 in the study, 0 run now)" in text.stdout  # the same command continues (here: nothing left)


@pytest.mark.slow
def test_both_objectives_give_a_pareto_front(seed_model, tmp_path):
    tuner = Tuner(TuneRequest(models=(str(seed_model),), n_trials=25, seed=1, space=SMALL, objective="both",
                              storage=f"sqlite:///{tmp_path / 'both.db'}"))
    tuner.run()
    front = tuner.summary().pareto
    assert front
    for a in front:
        for b in front:
            assert not (b.result.total_images_per_s > a.result.total_images_per_s and
                        b.result.makespan_ms < a.result.makespan_ms)
    assert [o.result.total_images_per_s for o in front] == sorted((o.result.total_images_per_s for o in front), reverse=True)


@pytest.mark.slow
def test_latency_budget_excludes_slow_plans(seed_model, tmp_path):
    tuner = Tuner(TuneRequest(models=(str(seed_model),), n_trials=20, seed=2, space=SMALL, latency_budget_ms=5.0,
                              storage=f"sqlite:///{tmp_path / 'budget.db'}"))
    tuner.run()
    best = tuner.summary().best
    assert best is None or best.result.makespan_ms <= 5.0
    over = [t for t in tuner.study.trials if t.user_attrs.get("makespan_ms", 0) > 5.0]
    assert all(t.user_attrs["constraint"] > 0 for t in over)


@pytest.mark.slow
def test_two_models_share_the_devices(seed_model, tmp_path):
    import shutil
    other = tmp_path / "second.onnx"
    shutil.copy(seed_model, other)
    tuner = Tuner(TuneRequest(models=(str(seed_model), str(other)), n_trials=15, seed=0, space=SMALL,
                              storage=f"sqlite:///{tmp_path / 'two.db'}"))
    tuner.run()
    best = tuner.summary().best.result
    assert set(best.plan.models) == {str(seed_model), str(other)}  # every model gets at least one engine
    assert sum(best.per_model().values()) == pytest.approx(best.total_images_per_s)
    devices = [e.engine.device for e in best.engines if e.engine.device != "gpu"]
    assert len(devices) == len(set(devices))  # a DLA core runs one engine
