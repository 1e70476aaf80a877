"""`dla-advisor fix` at the process boundary: written output, refusals with exit 2, input untouched."""

import os
import subprocess
import sys

import numpy as np
import onnx
import onnx_graphsurgeon as gs
import pytest

from dla_advisor import rewrite as rw

from onnx_builder import Graph
from support import REPO, run_cli, run_cli_json

from .conftest import ops, sha256
from .models import resnet_like


@pytest.fixture
def resnet_file(tmp_path):
    path = tmp_path / "resnet.onnx"
    onnx.save(resnet_like(), str(path))
    return path


def test_fix_writes_verified_model_and_reports(resnet_file, tmp_path, capsys):
    out = tmp_path / "fixed.onnx"
    before = sha256(resnet_file)
    rc, doc = run_cli_json(capsys, "fix", resnet_file, "-o", out, "--format", "json")
    assert rc == 0
    assert doc["layout"]["before"]["dla_loadables"] == 2 and doc["layout"]["after"]["dla_loadables"] == 1
    assert doc["verification"]["ok"] is True and doc["verification"]["max_abs_diff"] < 1e-5
    assert {r["name"]: r["sites"] for r in doc["rewrites"]}["gap-to-avgpool"] == 1
    tp = doc["throughput"]
    assert tp["after"]["provenance"].startswith("modelled (orin-agx-64gb")
    # Removing the GPU round trip for the pooling must raise the modelled DLA throughput.
    assert tp["after"]["images_per_s"] > tp["before"]["images_per_s"]
    assert "GlobalAveragePool" not in ops(onnx.load(str(out)))
    assert sha256(resnet_file) == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]  # atomic write left no temp file


def test_text_report_and_list(resnet_file, tmp_path, capsys):
    rc, text, _ = run_cli(capsys, "fix", resnet_file, "-o", tmp_path / "f.onnx", "--rewrites", "gap-to-avgpool")
    assert rc == 0
    assert "gap-to-avgpool  1 site(s)" in text
    assert "DLA loadables                                  2         1" in text
    assert "measured (onnxruntime, CPU)" in text
    assert "one DLA engine, images/s" in text and "modelled (orin-agx-64gb" in text
    rc, listing, _ = run_cli(capsys, "fix", "--list")
    assert rc == 0
    for r in rw.all_rewrites():
        assert f"{r.name}\n  does:    {r.title}\n  applies: {r.applies}\n  exact:   {r.exact}" in listing


def test_same_file_as_output_is_refused(resnet_file, capsys):
    before = sha256(resnet_file)
    alias = resnet_file.parent / "sub" / ".." / resnet_file.name
    (resnet_file.parent / "sub").mkdir()
    rc, _, alias_err = run_cli(capsys, "fix", resnet_file, "-o", alias)
    assert rc == 2
    link = resnet_file.parent / "hardlink.onnx"
    os.link(resnet_file, link)
    rc, _, link_err = run_cli(capsys, "fix", resnet_file, "-o", link)
    assert rc == 2
    # Each refusal says why: a path alias and a hard link are the input itself.
    assert "inputs are never overwritten" in alias_err
    assert "inputs are never overwritten" in link_err
    assert sha256(resnet_file) == before


def test_model_onnxruntime_cannot_run(tmp_path, capsys):
    g = Graph()
    y = g.op("GlobalAveragePool", [g.op("Relu", ["x"])])
    m = g.model([y], {"x": [1, 2, 4, 4]}, infer_shapes=True)
    m.graph.node[0].op_type = "NoSuchOp"  # unknown op: onnxruntime refuses the session
    path, out = tmp_path / "bad.onnx", tmp_path / "out.onnx"
    onnx.save(m, str(path))
    before = sha256(path)
    rc, _, err = run_cli(capsys, "fix", path, "-o", out)
    assert rc == 2
    assert "onnxruntime cannot run the model" in err and "nothing was written" in err
    assert not out.exists() and sha256(path) == before


def test_without_onnxruntime_installed(resnet_file, tmp_path):
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "onnxruntime.py").write_text("raise ImportError(\"No module named 'onnxruntime'\")\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(shim), str(REPO)]))
    out = tmp_path / "out.onnx"
    before = sha256(resnet_file)
    proc = subprocess.run([sys.executable, "-m", "dla_advisor", "fix", str(resnet_file), "-o", str(out)],
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "onnxruntime is not installed" in proc.stderr and "pip install 'dla-advisor[verify]'" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists() and sha256(resnet_file) == before


def _add_to_output(graph, ctx) -> int:
    """Deliberately wrong: adds 0.25 to the first graph output."""
    y = graph.outputs[0]
    producer = y.inputs[0]
    mid = gs.Variable(ctx.fresh("wrong"), dtype=y.dtype)
    producer.outputs[0] = mid
    graph.nodes.append(gs.Node("Add", ctx.fresh("wrong_add"), {}, [mid, gs.Constant(ctx.fresh("c"), np.array(0.25, np.float32))], [y]))
    return 1


@pytest.fixture
def wrong_rewrite():
    entry = rw.register(rw.Rewrite("test-wrong-offset", "adds 0.25 to the output", "always", "it is not", _add_to_output))
    yield entry
    rw.unregister(entry.name)


def test_rewrite_that_changes_numbers_is_refused(resnet_file, tmp_path, capsys, wrong_rewrite):
    out = tmp_path / "out.onnx"
    before = sha256(resnet_file)
    rc, _, err = run_cli(capsys, "fix", resnet_file, "-o", out, "--rewrites", "gap-to-avgpool,test-wrong-offset")
    assert rc == 2
    assert "differs by up to 0.25 (tolerance 0.0001 + 0.0001*|reference|)" in err
    assert "caused by rewrite(s) test-wrong-offset;" in err and "--rewrites gap-to-avgpool" in err
    assert not out.exists() and sha256(resnet_file) == before


def test_tampered_weight_is_measured():
    model = resnet_like()
    tampered = onnx.ModelProto()
    tampered.CopyFrom(model)
    bias = next(i for i in tampered.graph.initializer if list(i.dims) == [10])
    values = onnx.numpy_helper.to_array(bias).copy()
    values[3] += 0.5
    bias.CopyFrom(onnx.numpy_helper.from_array(values, bias.name))
    check = rw.verify(model, tampered)
    assert not check.ok
    assert check.max_abs_diff == pytest.approx(0.5, abs=1e-6)
    assert "differs by up to 0.5" in check.describe_failure()


def test_unknown_rewrite_name(resnet_file, tmp_path, capsys):
    rc, _, err = run_cli(capsys, "fix", resnet_file, "-o", tmp_path / "o.onnx", "--rewrites", "nope")
    assert rc == 2
    assert "unknown rewrite(s): nope" in err


def test_external_weights_are_loaded_and_protected(tmp_path, capsys):
    model = resnet_like()
    path = tmp_path / "ext.onnx"
    onnx.save_model(model, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
                    location="ext.weights", size_threshold=0)
    weights = tmp_path / "ext.weights"
    hashes = (sha256(path), sha256(weights))
    rc, _, err = run_cli(capsys, "fix", path, "-o", weights)
    assert rc == 2
    assert "weight files" in err
    out = tmp_path / "fixed.onnx"
    assert run_cli(capsys, "fix", path, "-o", out, "--rewrites", "fc-to-conv,gap-to-avgpool")[0] == 0
    fixed = onnx.load(str(out))
    assert ops(fixed)[-3:] == ["AveragePool", "Conv", "Flatten"]
    assert all(i.data_location != onnx.TensorProto.EXTERNAL for i in fixed.graph.initializer)  # small: inline
    assert (sha256(path), sha256(weights)) == hashes


def test_list_json_and_missing_arguments(capsys):
    rc, doc = run_cli_json(capsys, "fix", "--list", "--format", "json")
    assert rc == 0
    names = [r["name"] for r in doc["rewrites"]]
    assert names == [r.name for r in rw.all_rewrites()]
    rc, _, err = run_cli(capsys, "fix")
    assert rc == 2
    assert "missing MODEL" in err
