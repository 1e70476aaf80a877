"""`--format html -o FILE` on advise, inspect, check, estimate and tune writes the self-contained page."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from support import CORPUS
from support import SEED_MODEL as SEED
from support import run_cli

GN_LOG = CORPUS / "trtexec_orin_trt8.4_cifar_model_gn_dla_placement_excerpt.log"


def _page(path: Path) -> str:
    html = path.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", html)  # nothing fetched
    return html


def _graph_data(html: str, k: int = 0) -> dict:
    block = re.search(rf'<script type="application/json" id="dla-graph-data-{k}">(.*?)</script>', html, re.S)
    return json.loads(block.group(1))


def test_advise_html_carries_the_layout_graph_and_exit_code(tmp_path, models_dir, capsys):
    out = tmp_path / "advise.html"
    model = models_dir / "cifar_gn.onnx"
    assert run_cli(capsys, "advise", model, "--precision", "int8", "--format", "html", "-o", out,
                   "--fail-on", "warning")[0] == 1
    html = _page(out)
    graph = _graph_data(html)
    gpu = [layer for layer in graph["layers"] if layer[2] == "GPU"]
    assert gpu and all(layer[4] for layer in gpu)  # every GPU layer carries its reasons
    assert len([s for s in graph["segments"] if s[0] == "DLA"]) == 6
    assert "DLA loadables: 6" in html and "Throughput" in html


def test_inspect_html_shows_measured_and_predicted(tmp_path, models_dir, capsys):
    out = tmp_path / "inspect.html"
    assert run_cli(capsys, "inspect", GN_LOG, "--model", models_dir / "cifar_gn.onnx", "--format", "html",
                   "-o", out)[0] == 0
    html = _page(out)
    assert _graph_data(html, 0)["source_kind"] == "artifact" and _graph_data(html, 1)["source_kind"] == "prediction"
    assert "Predicted vs measured" in html and "{ForeignNode[Relu_10...Conv_11]}" in html


def test_check_html_gates_like_the_other_formats(tmp_path, capsys):
    out = tmp_path / "check.html"
    assert run_cli(capsys, "check", SEED, "--format", "html", "-o", out)[0] == 1
    html = _page(out)
    assert "Gate FAILED" in html and "DLA101" in html and _graph_data(html)["layers"][0][0] == "Conv_1"


def test_estimate_and_tune_html(tmp_path, capsys):
    out = tmp_path / "estimate.html"
    assert run_cli(capsys, "estimate", SEED, "--plan", "gpu,dla0", "--format", "html", "-o", out)[0] == 0
    html = _page(out)
    assert "GPU vs DLA time per engine" in html and "<svg" in html
    out = tmp_path / "tune.html"
    assert run_cli(capsys, "tune", SEED, "--trials", "3", "--seed", "0", "--storage", f"sqlite:///{tmp_path / 't.db'}",
                   "--no-reference", "--format", "html", "-o", out)[0] == 0
    html = _page(out)
    assert "History" in html and "Reproduce" in html


@pytest.mark.parametrize("command", ["advise", "estimate"])
def test_html_never_overwrites_the_model(tmp_path, command, capsys):
    model = tmp_path / "m.onnx"
    model.write_bytes(SEED.read_bytes())
    assert run_cli(capsys, command, model, "--format", "html", "-o", model)[0] == 2
    assert model.read_bytes() == SEED.read_bytes()
