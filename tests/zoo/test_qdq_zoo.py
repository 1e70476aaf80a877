"""Explicitly quantized ResNet-18 and MobileNetV2 (onnxruntime, ModelOpt and pytorch-quantization layouts).

Acceptance: each gives at most 10 findings, one of which is the whole-model Q/DQ finding naming
qdq-to-calib; its layout is the float model's; qdq-to-calib leaves no Q/DQ node and its cache holds
every activation scale of the model bit for bit.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest

from dla_advisor import rewrite as rw
from dla_advisor.advice import evaluate
from dla_advisor.graph import network_from_model
from dla_advisor.layout import BuildConfig, format_calibration_cache, predict, read_calibration_cache
from dla_advisor.platforms import load_platform

from .qdq_helpers import SKELETONS, activation_scales, filled, load_skeleton, make_qdq_models

INT8 = BuildConfig(precision="int8")


def test_the_zoo_has_every_layout_of_both_networks():
    assert SKELETONS == sorted(f"{net}_qdq_{style}" for net in ("resnet18", "mobilenet_v2")
                               for style in ("ort_pt", "ort_pc", "ort_asym", "modelopt", "pytq"))


@lru_cache(maxsize=None)
def _analysed(name: str, platform: str):
    plat = load_platform(platform)
    net = network_from_model(load_skeleton(name), name=name)
    layout = predict(net, plat, INT8)
    return net, layout, evaluate(layout, net, plat, INT8)


@pytest.mark.parametrize("platform", ["orin-trt10", "xavier-trt8.5"])
@pytest.mark.parametrize("name", SKELETONS)
def test_at_most_ten_findings_and_one_names_the_route(name, platform):
    net, layout, findings = _analysed(name, platform)
    assert len(findings) <= 10, [f.rule_id for f in findings]
    qdq = [f for f in findings if f.rule_id == "DLA402"]
    assert len(qdq) == 1
    assert any(fix.rewrite == "qdq-to-calib" for fix in qdq[0].fixes)
    assert any("--calib=fixed_calib.cache" in fix.trtexec_flags for fix in qdq[0].fixes)
    # No Quantize/Dequantize layer is left to fall back, and the Q/DQ pairs do not split the DLA region.
    assert not [l for l in net if l.kind in ("Quantize", "Dequantize")]
    assert layout.summary()["dla_loadables"] <= 2


@pytest.mark.parametrize("name", [s for s in SKELETONS if s.endswith("_pytq")])
def test_the_finding_lists_the_tensors_pytorch_quantization_leaves_unscaled(name):
    """pytorch-quantization quantizes only Conv/Gemm inputs: conv outputs feeding a residual Add have
    no scale, so DLA would run those layers in FP16 (Model-Optimizer PR 1661)."""
    _, _, findings = _analysed(name, "orin-trt10")
    f = next(f for f in findings if f.rule_id == "DLA402")
    net, _, _ = _analysed(name, "orin-trt10")
    assert f.tensors and all(t in net.tensors for t in f.tensors)
    assert any(t.endswith("/Conv_output_0") for t in f.tensors)
    assert not set(f.tensors) & set(net.quantization.scales)
    assert f.values["unscaled"] == len(f.tensors)
    flags = " ".join(f.fixes[0].trtexec_flags)
    assert "--precisionConstraints=prefer --layerPrecisions=" in flags and "/Conv:fp16" in flags


@pytest.mark.parametrize("name", [s for s in SKELETONS if "_ort_" in s])
def test_onnxruntime_layouts_leave_no_dla_tensor_unscaled(name):
    _, _, findings = _analysed(name, "orin-trt10")
    f = next(f for f in findings if f.rule_id == "DLA402")
    assert f.tensors == () and "Every tensor a DLA layer reads or writes has a scale." in f.message


@pytest.mark.parametrize("net_name", ["resnet18", "mobilenet_v2"])
def test_the_q_dq_model_places_like_the_float_model(net_name):
    gen = make_qdq_models()
    plat = load_platform("orin-trt10")
    float_net = network_from_model(getattr(gen, net_name)(), name=net_name)
    float_layout = predict(float_net, plat, INT8)
    float_dev = {n: p.device for p in float_layout.placements for n in p.onnx_nodes}
    for style in ("ort_pc", "modelopt", "pytq"):
        _, layout, _ = _analysed(f"{net_name}_qdq_{style}", "orin-trt10")
        dev = {n: p.device for p in layout.placements for n in p.onnx_nodes}
        compute = [n for n in float_dev if n.endswith(("/Conv", "/Relu", "/Clip", "/Add", "/MaxPool", "/Gemm"))]
        assert compute and all(dev.get(n) == float_dev[n] for n in compute), style
        s, f = layout.summary(), float_layout.summary()
        assert (s["dla_loadables"], s["gpu_layers"]) == (f["dla_loadables"], f["gpu_layers"])


@pytest.mark.parametrize("name", ["resnet18_qdq_ort_pt", "mobilenet_v2_qdq_pytq", "resnet18_qdq_modelopt"])
def test_qdq_to_calib_removes_every_q_dq_node_and_keeps_every_scale_exactly(name, tmp_path):
    model = filled(load_skeleton(name))
    result = rw.apply_rewrites(model, rw.select("qdq-to-calib"), rw.limits_from_platform(load_platform(None)))
    assert not [n for n in result.model.graph.node if n.op_type in ("QuantizeLinear", "DequantizeLinear")]
    expected = activation_scales(model)
    got = result.extras["int8_scales"]
    tensors = {t for n in result.model.graph.node for t in (*n.input, *n.output)}
    assert set(got) == set(expected) and set(got) <= tensors
    assert all(np.float32(got[t]) == np.float32(s) for t, s in expected.items())
    cache = tmp_path / "c.cache"
    cache.write_text(format_calibration_cache(got, "8.6.2"))
    back = read_calibration_cache(cache)
    assert back.version == 8602 and back.algorithm == "EntropyCalibration2"
    assert {t: np.float32(s) for t, s in back.scales.items()} == {t: np.float32(s) for t, s in expected.items()}
