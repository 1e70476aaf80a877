"""The README's examples and quick-start numbers are what the tool prints, so the README cannot rot.

Console examples whose files ship with the repository are run and their output compared line for
line; the quick start's prose numbers are checked against `advise --format json`.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys

import pytest
from support import REPO, cli_argv, run_cli

README = (REPO / "README.md").read_text()


def _console_examples():
    for block in re.findall(r"```console\n(.*?)```", README, flags=re.S):
        lines = block.splitlines()
        cmd = lines.pop(0)
        while cmd.endswith("\\"):
            cmd = cmd[:-1] + lines.pop(0)
        yield cmd.removeprefix("$ ").strip(), lines


def _runnable(cmd: str) -> bool:
    return all((REPO / a).exists() for a in shlex.split(cmd) if a.endswith(".onnx") and not a.startswith("-"))


EXAMPLES = [e for e in _console_examples() if _runnable(e[0])]


def test_the_readme_has_runnable_examples():
    assert any(cmd.startswith("dla-advisor estimate") for cmd, _ in EXAMPLES)


@pytest.mark.parametrize("cmd,expected", EXAMPLES, ids=[c.split()[1] for c, _ in EXAMPLES])
def test_console_example_prints_what_the_readme_shows(cmd, expected, capsys, monkeypatch):
    # In this process, from the repository root as the README runs it (the quick-start test below runs
    # the command through the interpreter, as a user's shell does).
    args = shlex.split(cmd)
    assert args[0] == "dla-advisor"
    monkeypatch.chdir(REPO)
    rc, out, err = run_cli(capsys, *args[1:])
    assert rc == 0, err
    assert out.splitlines() == expected


def test_quick_start_numbers_are_what_advise_reports():
    out = subprocess.run(cli_argv("advise", "models/conv2d_1024.onnx", "--precision", "int8", "--format", "json"),
                         cwd=REPO, capture_output=True, text=True, timeout=120)
    doc = json.loads(out.stdout)
    quick = README[README.index("## Quick start"):README.index("## Commands")]
    assert re.search(r"pip install \. && dla-advisor advise models/conv2d_1024\.onnx --precision int8", quick)

    reformats = doc["layout"]["reformats"]
    assert [r["device"] for r in reformats] == ["GPU", "GPU"] and "two Reformat layers on\nthe GPU" in quick
    assert f"{sum(r['bytes'] for r in reformats) / 2**20:.0f} MiB of traffic" in quick
    before, after = (int(x) for x in re.search(r"modelled (\d+) → (\d+)", quick).groups())
    totals = [round(e["total_images_per_s"]) for e in doc["estimates"]]
    assert before in totals and after in totals, (before, after, totals)


def _python_examples():
    """Each ```python block of the README, with the ```text block after it (what it prints), if any."""
    for m in re.finditer(r"```python\n(.*?)```\n(?:\s*prints\s*\n\s*```text\n(.*?)```)?", README, flags=re.S):
        yield m.group(1), (m.group(2) or "").splitlines()


PY_EXAMPLES = list(_python_examples())


def test_the_readme_has_a_python_api_example():
    assert any("dla_advisor." in code for code, _ in PY_EXAMPLES)


@pytest.mark.parametrize("code,expected", PY_EXAMPLES, ids=[f"python{i}" for i in range(len(PY_EXAMPLES))])
def test_python_example_prints_what_the_readme_shows(tmp_path, code, expected):
    # Run where it writes its files; the repository's models/ sits beside it as in a checkout.
    (tmp_path / "models").symlink_to(REPO / "models", target_is_directory=True)
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == expected
    for written in re.findall(r'write_html\("([^"]+)"\)', code):
        assert (tmp_path / written).read_text().startswith("<!DOCTYPE html>")


def test_the_error_table_is_what_the_device_files_record():
    # A refit rewrites the device files; this keeps the README's table from describing an older fit.
    import yaml

    rows = {}
    for line in README[README.index("| board | points (networks)"):].splitlines()[2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows[cells[0]] = cells[1:]
    boards = {"AGX Orin 64 GB": "orin-agx-64gb", "Orin NX 16 GB": "orin-nx-16gb", "AGX Xavier": "xavier-agx",
              "AGX Orin 32 GB": "orin-agx-32gb"}
    assert set(rows) == set(boards)
    for label, device in boards.items():
        cal = yaml.safe_load((REPO / "rules" / "devices" / f"{device}.yaml").read_text())["calibration"]
        points, fit, cv = rows[label]
        if cal.get("transfer_error_pct") is not None:
            assert cv == f"transfer: {cal['transfer_error_pct']:.1f} %", label
            continue
        networks = len(cal["cv_networks"])
        assert points == f"{len(cal['points'])} ({networks})", label
        assert fit == f"{cal['mape_pct']:.1f} %" and cv == f"{cal['cv_mape_pct']:.1f} %", label
