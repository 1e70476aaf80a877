"""`dla-advisor advise`: reports, JSON schema, and one-line errors with exit code 2 for bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import jsonschema
import pytest

from support import SCHEMAS, run_cli

SCHEMA = SCHEMAS / "advise-1.json"


def test_advise_text_reports_loadables_gpu_layers_and_reformats(seed_model, capsys):
    rc, out, err = run_cli(capsys, "advise", str(seed_model), "--precision", "int8")
    assert rc == 0
    assert "1 on DLA, 0 on GPU; 1 DLA loadable(s)" in out
    assert "network_input" in out and "fp32:chw" in out and "int8:chw32" in out
    assert "1 DLA loadable(s), 0 GPU layer(s), 2 Reformat(s)" in err


def test_advise_json_validates_against_the_published_schema(models_dir, capsys):
    rc, out, _ = run_cli(capsys, "advise", models_dir / "cifar_gn.onnx", "--precision", "int8", "--platform", "orin-trt8.4",
                      "--shapes", "input:32x3x32x32", "--format", "json")
    assert rc == 0
    doc = json.loads(out)
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()))
    assert doc["layout"]["summary"]["dla_loadables"] == 5
    gpu = [l for l in doc["layout"]["layers"] if l["device"] == "GPU"]
    assert gpu and all(l["reasons"] and l["reasons"][0]["source"].startswith("https://") for l in gpu)


def test_advise_writes_output_file_and_never_over_the_model(seed_model, tmp_path, capsys):
    out_file = tmp_path / "report.json"
    rc, out, _ = run_cli(capsys, "advise", str(seed_model), "--format", "json", "-o", str(out_file))
    assert rc == 0 and out == "" and json.loads(out_file.read_text())["model"] == str(seed_model)
    copy = tmp_path / "m.onnx"
    copy.write_bytes(seed_model.read_bytes())
    before = copy.read_bytes()
    rc, _, err = run_cli(capsys, "advise", str(copy), "-o", str(copy))
    assert rc == 2 and "input" in err and copy.read_bytes() == before


def test_dynamic_batch_without_shapes_is_noted_and_analysed_at_one(models_dir, capsys):
    rc, out, _ = run_cli(capsys, "advise", str(models_dir / "cifar_bn.onnx"))
    assert rc == 0 and "dynamic dims" in out and "1x3x32x32" in out


def _bad_models(tmp_path, make_models):
    import onnx
    good = make_models.conv2d_1024()
    raw = good.SerializeToString()
    (tmp_path / "truncated.onnx").write_bytes(raw[: len(raw) // 3])
    (tmp_path / "empty.onnx").write_bytes(b"")
    (tmp_path / "text.onnx").write_text("this is not a model\n" * 20)
    old = onnx.ModelProto()
    old.CopyFrom(good)
    old.opset_import[0].version = 5
    onnx.save(old, tmp_path / "opset5.onnx")
    future = onnx.ModelProto()
    future.CopyFrom(good)
    future.opset_import[0].version = 99
    (tmp_path / "opset99.onnx").write_bytes(future.SerializeToString())
    zero = onnx.ModelProto()
    zero.CopyFrom(good)
    zero.graph.input[0].type.tensor_type.shape.dim[2].dim_value = 0
    (tmp_path / "zero.onnx").write_bytes(zero.SerializeToString())
    neg = onnx.ModelProto()
    neg.CopyFrom(good)
    neg.graph.input[0].type.tensor_type.shape.dim[2].dim_value = -4
    (tmp_path / "neg.onnx").write_bytes(neg.SerializeToString())
    return tmp_path


@pytest.mark.parametrize("args_fn, needle", [
    (lambda d, s: ["advise", str(d / "missing.onnx")], "not found"),
    (lambda d, s: ["advise", str(d / "text.onnx")], "not a readable ONNX model"),
    (lambda d, s: ["advise", str(d / "truncated.onnx")], "ONNX"),
    (lambda d, s: ["advise", str(d / "empty.onnx")], "empty"),
    (lambda d, s: ["advise", str(d / "opset5.onnx")], "opset 5"),
    (lambda d, s: ["advise", str(d / "opset99.onnx")], "opset 99"),
    (lambda d, s: ["advise", str(d / "zero.onnx")], "zero-size"),
    (lambda d, s: ["advise", str(d / "neg.onnx")], "negative"),
    (lambda d, s: ["advise", str(s), "--platform", "orin-trt99"], "unknown platform"),
    (lambda d, s: ["advise", str(s), "--platform", "orin-trt11.2"], "no DLA"),
    (lambda d, s: ["advise", str(s), "--shapes", "input:1x3x0x9"], "zero dimension"),
    (lambda d, s: ["advise", str(s), "--shapes", "input=1x3"], "--shapes"),
    (lambda d, s: ["advise", str(s), "--shapes", "nosuch:1x3x1024x1024"], "does not have"),
    (lambda d, s: ["advise", str(s), "--shapes", "input:1x3x512x512"], "fixes it"),
    (lambda d, s: ["advise", str(s), "--inputIOFormats=int8:banana"], "unknown layout"),
    (lambda d, s: ["advise", str(s), "--inputIOFormats=int8"], "type:layout"),
    (lambda d, s: ["advise", str(s), "--precision", "int4"], "int4"),
])
def test_bad_input_exits_2_with_one_line(tmp_path, make_models, seed_model, capsys, args_fn, needle):
    d = _bad_models(tmp_path, make_models)
    rc, out, err = run_cli(capsys, *args_fn(d, seed_model))
    assert rc == 2
    lines = [l for l in err.strip().splitlines() if l.strip()]
    assert needle in err, err
    assert "Traceback" not in err and out == ""
    if not needle.startswith("int4"):  # click's own usage errors print a usage block; ours are one line
        assert len(lines) == 1, err


def test_console_script_bad_input_has_no_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "dla_advisor", "advise", str(tmp_path / "nope.onnx")],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stderr.startswith("error: model file not found") and "Traceback" not in proc.stderr


def test_missing_external_weights_still_analyse(tmp_path, make_models, capsys):
    import onnx
    m = make_models.conv2d_1024()
    onnx.save(m, tmp_path / "ext.onnx", save_as_external_data=True, all_tensors_to_one_file=True,
              location="ext.data", size_threshold=0)
    (tmp_path / "ext.data").unlink()
    assert run_cli(capsys, "advise", tmp_path / "ext.onnx", "--precision", "int8", "-o", tmp_path / "r.txt")[0] == 0
    assert "1 DLA loadable(s)" in (tmp_path / "r.txt").read_text()
