"""qdq-to-calib: the Q/DQ-free model, the calibration cache beside it, and the checks that can fail."""

from __future__ import annotations

import json

import jsonschema
import numpy as np
import onnx
import pytest

from dla_advisor import rewrite as rw
from dla_advisor.layout import read_calibration_cache
from dla_advisor.platforms import load_platform
from dla_advisor.rewrite._qdq_verify import verify_translation

from onnx_builder import Graph
from support import SCHEMAS, run_cli, run_cli_json
from zoo.qdq_helpers import activation_scales, concat_model, make_qdq_models, residual_model

LIMITS = rw.limits_from_platform(load_platform(None))
QDQ = ("QuantizeLinear", "DequantizeLinear")


def _translate(model):
    return rw.rewrite_and_verify(model, rw.select("qdq-to-calib"), LIMITS)


def asymmetric_model():
    """onnxruntime's default (asymmetric UINT8): zero-point 128 on a signed input, 0 after a ReLU."""
    g = Graph()
    x = g.qdq("input", 0.02, zp=128, zp_dtype=np.uint8)
    y = g.op("Relu", [g.conv(x, 4, 4, "c")], "relu")
    return g.model(g.qdq(y, 0.05, zp=0, zp_dtype=np.uint8, name="qy"))


@pytest.mark.parametrize("build", [concat_model, residual_model, asymmetric_model])
def test_translation_removes_q_dq_and_passes_both_checks(build):
    model = build()
    result, check = _translate(model)
    assert not [n for n in result.model.graph.node if n.op_type in QDQ]
    quant = result.extras["quant_check"]
    assert quant.ok and check.ok
    assert all(rt < 1e-5 for _, _, rt, _ in quant.outputs)  # the pairs put back reproduce the model
    assert [o.name for o in result.model.graph.output] == [o.name for o in model.graph.output]


def test_asymmetric_zero_point_is_converted_and_said():
    result, _ = _translate(asymmetric_model())
    scales = result.extras["int8_scales"]
    assert scales["input"] == np.float32(0.02)  # UINT8 with zero-point 128 keeps its grid
    assert scales["qy_dq"] == pytest.approx(255 * 0.05 / 127, rel=1e-6)  # the output keeps its name
    assert any("asymmetric zero-point 0" in n for n in result.notes)


def test_round_trip_fails_when_a_scale_lands_on_the_wrong_tensor():
    model = concat_model()
    stage = rw.apply_rewrites(model, rw.select("qdq-to-calib"), LIMITS)
    params = dict(stage.extras["qdq_params"])
    params["ca_out"], params["cb_out"] = params["cb_out"], params["ca_out"]
    bad = verify_translation(model, stage.model, stage.extras["int8_scales"], params)
    assert not bad.ok and "do not reproduce" in bad.describe_failure()


def test_quantization_error_bound_catches_a_wrong_weight():
    model = residual_model()
    stage = rw.apply_rewrites(model, rw.select("qdq-to-calib"), LIMITS)
    broken = onnx.ModelProto()
    broken.CopyFrom(stage.model)
    w = broken.graph.node[0].input[1]
    for init in broken.graph.initializer:
        if init.name == w:
            arr = onnx.numpy_helper.to_array(init) * 3
            init.CopyFrom(onnx.numpy_helper.from_array(arr.astype(np.float32), w))
    good = verify_translation(model, stage.model, stage.extras["int8_scales"], stage.extras["qdq_params"])
    bad = verify_translation(model, broken, stage.extras["int8_scales"], {})
    assert good.ok and not bad.ok and "relative RMS" in bad.describe_failure()


@pytest.fixture(scope="module")
def small_qdq_resnet(tmp_path_factory):
    """ResNet-18 at 32x32 with weights, quantized by onnxruntime's static quantizer (per-channel)."""
    gen = make_qdq_models()
    model = gen.ort_qdq(gen.resnet18(size=32, classes=10), per_channel=True)
    path = tmp_path_factory.mktemp("qdq") / "r18q.onnx"
    onnx.save(model, str(path))
    return path


def test_fix_cli_writes_model_cache_and_build_command(small_qdq_resnet, tmp_path, capsys):
    out = tmp_path / "r18.onnx"
    rc, doc = run_cli_json(capsys, "fix", small_qdq_resnet, "--rewrites", "qdq-to-calib", "-o", out,
                           "--trt-version", "8.5.2", "--format", "json")
    assert rc == 0
    schema = json.loads((SCHEMAS / "fix-1.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(doc)
    written = onnx.load(str(out))
    assert not [n for n in written.graph.node if n.op_type in QDQ]
    cache = read_calibration_cache(tmp_path / "r18_calib.cache")
    assert cache.version == 8502 and cache.algorithm == "EntropyCalibration2"
    expected = activation_scales(onnx.load(str(small_qdq_resnet)))
    assert {t: np.float32(cache.scales[t]) for t in expected} == {t: np.float32(s) for t, s in expected.items()}
    names = {t for n in written.graph.node for t in (*n.input, *n.output)}
    assert set(cache.scales) <= names
    assert doc["qdq_translation"]["ok"] is True
    assert doc["qdq_translation"]["outputs"][0]["relative_rms"] < 0.1
    assert doc["calibration"]["trtexec"] == (f"trtexec --onnx={out} --int8 --calib={tmp_path / 'r18_calib.cache'} "
                                             "--useDLACore=0 --allowGPUFallback")
    assert doc["calibration"]["unscaled_tensors"] == []
    assert sorted(doc["written"]) == sorted([str(out), str(tmp_path / "r18_calib.cache")])
    # The translated model with its cache: no Q/DQ finding and no missing-scale finding left.
    capsys.readouterr()
    rc, report = run_cli_json(capsys, "check", out, "--precision", "int8", "--calib", tmp_path / "r18_calib.cache",
                              "--format", "json", "--fail-on", "error")
    ids = {f["rule_id"] for i in report["inputs"] for f in i["findings"]}
    assert rc == 0 and not ids & {"DLA402", "DLA405", "DLA401"}


@pytest.mark.slow  # two verified rewrites of a ResNet through onnxruntime
def test_fix_cli_runs_qdq_to_calib_by_default_and_rejects_a_tight_tolerance(small_qdq_resnet, tmp_path, capsys):
    out = tmp_path / "all.onnx"
    rc, text, _ = run_cli(capsys, "fix", small_qdq_resnet, "-o", out)
    assert rc == 0
    assert "Calibration cache:" in text and "relative RMS" in text and (tmp_path / "all_calib.cache").exists()
    # fc-to-conv ran after the translation: its new convolution output takes the scale of the reshaped
    # tensor it feeds, so no layer has to stay in FP16.
    assert "fc-to-conv" in text and "without a scale" not in text and "--layerPrecisions" not in text
    rc, _, err = run_cli(capsys, "fix", small_qdq_resnet, "-o", tmp_path / "t.onnx", "--qdq-tolerance", "0.0001")
    assert rc == 2 and "does not match the Q/DQ model" in err and not (tmp_path / "t.onnx").exists()
    assert not (tmp_path / "t_calib.cache").exists()


def test_input_quantized_straight_to_the_output_keeps_both_names():
    g = Graph()
    y = g.qdq("input", 0.02, name="only")
    model = g.model(y)
    result, _ = _translate(model)
    assert [o.name for o in result.model.graph.output] == ["only_dq"]
    assert [n.op_type for n in result.model.graph.node] == ["Identity"]
    assert result.extras["int8_scales"] == {"input": np.float32(0.02), "only_dq": np.float32(0.02)}
    assert result.extras["quant_check"].ok


def test_a_rectifier_the_quantizer_deleted_comes_back_as_a_clamp():
    """onnxruntime's default (asymmetric) quantizer deletes a ReLU in front of a Q/DQ pair whose zero-point
    is the type's minimum: the pair's clamp at 0 is the ReLU. Dropping the pair must put it back."""
    g = Graph()
    x = g.qdq("input", 0.02)
    y = g.conv(x, 4, 4, "c")                       # the ReLU after it was deleted by the quantizer
    z = g.qdq(y, 0.03, zp=-128, name="qy")          # INT8 grid [0, 7.65]: clamps negatives to 0
    m = g.model(g.conv(z, 4, 4, "c2"))
    result, _ = _translate(m)
    clamps = [n for n in result.model.graph.node if n.op_type == "Clip"]
    assert len(clamps) == 1 and list(clamps[0].input)[0] == "c_out"
    hi = onnx.numpy_helper.to_array(next(i for i in result.model.graph.initializer if i.name == clamps[0].input[2]))
    assert hi == np.float32(255 * np.float32(0.03))  # the DQ grid top, (127 - (-128)) * scale in float32
    assert result.extras["quant_check"].ok and any("clamp at 0" in n for n in result.notes)
    # Where the tensor is already rectified (a Relu before it), nothing is added.
    g2 = Graph()
    r = g2.op("Relu", [g2.conv(g2.qdq("input", 0.02), 4, 4, "c")], "relu")
    result2, _ = _translate(g2.model(g2.conv(g2.qdq(r, 0.03, zp=-128, name="qr"), 4, 4, "c2")))
    assert not [n for n in result2.model.graph.node if n.op_type == "Clip"]
