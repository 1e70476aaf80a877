"""Every numeric option is bounded: NaN, infinity, negative and 400-digit values are usage errors."""

from __future__ import annotations

import pytest

from support import run_cli

ODD = ["nan", "inf", "-inf", "-1", "9" * 400, "", "1e309"]
OPTIONS = [
    ("tune", "--trials"), ("tune", "--seed"), ("tune", "--latency-budget"), ("tune", "--timeout"),
    ("tune", "--duration"), ("tune", "--heartbeat"), ("tune", "--max-gpu-instances"),
    ("fix", "--seed"), ("fix", "--atol"), ("fix", "--rtol"),
    ("advise", "--batch"), ("advise", "--useDLACore"), ("check", "--max-gpu-layers"), ("check", "--batch"),
    ("calibrate", "--max-evals"),
]


@pytest.mark.parametrize("value", ODD)
@pytest.mark.parametrize("command, option", OPTIONS)
def test_odd_numbers_are_usage_errors(seed_model, tmp_path, capsys, command, option, value):
    argv = [command, str(seed_model), option, value]
    if command == "tune":
        argv += ["--storage", f"sqlite:///{tmp_path / 's.db'}"]
    if command == "fix":
        argv += ["-o", str(tmp_path / "f.onnx")]
    rc, _, err = run_cli(capsys, *argv)
    assert rc == 2, err
    assert "Traceback" not in err and "Error: Invalid value for" in err and option in err
    assert not (tmp_path / "s.db").exists() and not (tmp_path / "f.onnx").exists()


@pytest.mark.parametrize("spec", ["in:" + "9" * 5000, "in:0x3", "in:" + "x".join(["1"] * 9), "in:2147483648x1"])
def test_odd_shapes_are_usage_errors(seed_model, capsys, spec):
    rc, _, err = run_cli(capsys, "advise", seed_model, "--shapes", spec)
    assert rc == 2
    assert err.startswith("error: --shapes")


@pytest.mark.parametrize("plan", ["gpu:bs=" + "9" * 400, "gpu:bs=0", "dla0:bs=-1", "gpu:bs=2147483648"])
def test_odd_plan_batches_are_usage_errors(seed_model, capsys, plan):
    rc, _, err = run_cli(capsys, "estimate", seed_model, "--plan", plan)
    assert rc == 2
    assert err.startswith("error: --plan")


def test_huge_batch_list_is_a_usage_error(seed_model, tmp_path, capsys):
    rc, _, err = run_cli(capsys, "tune", seed_model, "--batches", "1," + "9" * 400, "--storage",
                         f"sqlite:///{tmp_path / 's.db'}")
    assert rc == 2
    assert "--batches" in err
