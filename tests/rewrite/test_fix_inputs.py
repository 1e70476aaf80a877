"""fix on weights it cannot read, and on shapes whose random inputs would not fit in memory."""

from __future__ import annotations

import os

import onnx
import pytest
from onnx import helper

from onnx_builder import model, vi
from support import run_cli

from .models import resnet_like

pytest.importorskip("onnxruntime")


def _external(tmp_path):
    path = tmp_path / "ext.onnx"
    onnx.save_model(resnet_like(), str(path), save_as_external_data=True, all_tensors_to_one_file=True,
                    location="ext.weights", size_threshold=0)
    return path, tmp_path / "ext.weights"


@pytest.mark.parametrize("damage, words", [
    ("missing", "cannot be read"), ("link", "symbolic link"), ("fifo", "not a regular file"),
    ("short", "shorter than the model says"),
])
def test_unreadable_external_weights_are_one_line_errors(tmp_path, capsys, damage, words):
    path, weights = _external(tmp_path)
    if damage == "missing":
        weights.unlink()
    elif damage == "link":
        real = tmp_path / "real.weights"
        weights.rename(real)
        os.symlink(real, weights)
    elif damage == "fifo":
        weights.unlink()
        os.mkfifo(weights)  # onnx's loader would block on it for ever
    else:
        weights.write_bytes(weights.read_bytes()[:10])
    out = tmp_path / "fixed.onnx"
    rc, _, err = run_cli(capsys, "fix", path, "-o", out)
    assert rc == 2
    assert len(err.strip().splitlines()) == 1 and words in err, err
    assert not out.exists()


def test_huge_input_shapes_refuse_verification_instead_of_allocating(tmp_path, capsys):
    m = model([helper.make_node("GlobalAveragePool", ["x"], ["y"], name="gap")], [vi("x", ["N", 3, 4096, 4096])],
              [vi("y", None)], name="big")
    path = tmp_path / "big.onnx"
    onnx.save(m, path)
    # 4096 x 3 x 4096 x 4096 floats: 768 GiB per random input.
    rc, _, err = run_cli(capsys, "fix", path, "-o", tmp_path / "o.onnx", "--shapes", "x:4096x3x4096x4096")
    assert rc == 2
    assert "GiB of random inputs" in err and "nothing was written" in err and not (tmp_path / "o.onnx").exists()


def test_dash_output_is_refused_instead_of_writing_a_file_named_dash(tmp_path, capsys, monkeypatch):
    path = tmp_path / "m.onnx"
    onnx.save(resnet_like(), str(path))
    monkeypatch.chdir(tmp_path)
    rc, _, err = run_cli(capsys, "fix", path, "-o", "-")
    assert rc == 2
    assert len(err.strip().splitlines()) == 1 and "-o fixed.onnx" in err, err
    assert not (tmp_path / "-").exists()


def test_inline_initializer_without_values_is_a_one_line_error(tmp_path, capsys):
    m = resnet_like()
    emptied = m.graph.initializer[0]
    name, dims = emptied.name, list(emptied.dims)
    emptied.ClearField("raw_data")
    emptied.ClearField("float_data")
    path = tmp_path / "empty.onnx"
    onnx.save(m, str(path))
    out = tmp_path / "fixed.onnx"
    rc, _, err = run_cli(capsys, "fix", path, "-o", out)
    assert rc == 2
    assert len(err.strip().splitlines()) == 1 and f"'{name}'" in err and f"{dims} but no values" in err, err
    assert not out.exists()
