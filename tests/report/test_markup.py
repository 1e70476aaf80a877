"""Text from models and artifacts is printed as written: rich never reads it as markup or emoji codes."""

from __future__ import annotations

import onnx
import pytest
from onnx import helper

from onnx_builder import model, vi
from support import run_cli

NAMES = ["{ForeignNode[/model.23/GatherElements]}", "[bold]conv[/bold]", "[/]", ":x: relu :warning:",
         "[link=http://x]n[/link]"]


def _model_with_names(path):
    nodes, x = [], "input"
    for i, name in enumerate(NAMES):
        op = "Relu" if i % 2 == 0 else "Gelu"  # Gelu falls back to the GPU on some targets: names reach every table
        nodes.append(helper.make_node(op, [x], [f"t{i}"], name=name))
        x = f"t{i}"
    onnx.save(model(nodes, [vi("input", [1, 8, 8, 8])], [vi(x, [1, 8, 8, 8])], opset=20, name="markup", ir_version=9), path)


@pytest.mark.parametrize("command", ["advise", "check"])
def test_layer_names_with_markup_print_verbatim(tmp_path, capsys, command):
    model = tmp_path / "m.onnx"
    _model_with_names(model)
    rc, out, _ = run_cli(capsys, command, model, *(["-v"] if command == "advise" else []))
    assert rc in (0, 1)
    shown = [n for n in NAMES if n in out]
    assert command == "check" or shown == NAMES, out


def test_a_log_line_with_a_foreign_node_prints_verbatim(tmp_path, corpus, capsys):
    src = corpus / "trtexec_orin_trt8.4_gpu_myelin_foreignnode_verbose_crash.log"
    log = tmp_path / "engine.log"
    # The layer name as the yolov5 export's log wrote it: a closing-tag look-alike inside brackets.
    log.write_text(src.read_text(encoding="utf-8").replace(
        "{ForeignNode[18 + (Unnamed Layer* 1) [Shuffle]...If_6_OutputLayer]}",
        "{ForeignNode[/model.23/GatherElements]}"), encoding="utf-8")
    rc, out, _ = run_cli(capsys, "inspect", log)
    assert rc == 0
    assert "{ForeignNode[/model.23/GatherElements]}" in out
