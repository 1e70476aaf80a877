"""Q/DQ layouts the zoo does not cover: concat and residual inputs, zero-points, per-channel
activations, Q/DQ at the graph output, double quantization, runtime scales, opsets 13 and 19."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper

from dla_advisor.advice import evaluate
from dla_advisor.graph import int8_scale, network_from_model
from dla_advisor.layout import BuildConfig, predict
from dla_advisor.platforms import load_platform

from onnx_builder import Graph

from .qdq_helpers import concat_model, residual_model


def _net(model):
    return network_from_model(model, name="m")


@pytest.mark.parametrize("opset", [13, 19])
def test_concat_inputs_keep_their_scales_and_stay_one_dla_region(opset):
    net = _net(concat_model(opset))
    assert not [l for l in net if l.kind in ("Quantize", "Dequantize")]
    assert net.quantization.scales == {"input": np.float32(0.02), "ca_out": np.float32(0.05),
                                       "cb_out": np.float32(0.07), "cat_out": np.float32(0.07)}
    cat = next(l for l in net if l.kind == "Concatenation")
    assert cat.inputs == ["ca_out", "cb_out"]
    layout = predict(net, load_platform("orin-trt10"), BuildConfig(precision="int8"))
    assert layout.summary()["dla_loadables"] == 1 and not layout.gpu_layers


def test_residual_add_reads_the_float_tensors():
    net = _net(residual_model(19))
    add = next(l for l in net if l.kind == "ElementWise")
    assert add.inputs == ["c1_out", "input"]
    assert net.quantization.scales["c1_out"] == np.float32(0.04)
    assert len(net.quantization.activation_nodes) == 6


@pytest.mark.parametrize("zp, dtype, exact", [(0, np.int8, True), (128, np.uint8, True), (3, np.uint8, False),
                                              (-5, np.int8, False), (0, np.int16, False), (32768, np.uint16, False)])
def test_zero_points_carry_over_exactly_only_at_the_centre(zp, dtype, exact):
    s = np.float32(0.1)
    scale, note = int8_scale(np.array(s), np.array(zp, dtype))
    if exact:
        assert scale == s and note is None
    else:
        info = np.iinfo(dtype)
        amax = max(abs((info.min - zp) * 0.1), abs((info.max - zp) * 0.1))
        assert scale == pytest.approx(amax / 127, rel=1e-6) and "converted to the symmetric INT8 scale" in note


def test_fp8_quantization_is_folded_without_an_int8_scale():
    g = Graph(19)
    s = g.init(0.02, dtype=np.float32)
    zp = helper.make_tensor("zp8", TensorProto.FLOAT8E4M3FN, [], [0.0])
    g.inits.append(zp)
    g.nodes += [helper.make_node("QuantizeLinear", ["input", s, "zp8"], ["q"], name="q"),
                helper.make_node("DequantizeLinear", ["q", s, "zp8"], ["dq"], name="dq")]
    net = _net(g.model(g.conv("dq", 4, 4, "c")))
    assert [l.kind for l in net] == ["Convolution"]
    assert net.quantization.scales == {} and any("no INT8 equivalent" in n for n in net.quantization.notes)


def test_per_channel_activation_scale_becomes_one_covering_scale():
    g = Graph()
    x = g.qdq("input", [0.01, 0.03, 0.02, 0.01], zp=[0, 0, 0, 0], axis=1)
    net = _net(g.model(g.conv(x, 4, 4, "c")))
    assert net.quantization.scales["input"] == np.float32(0.03)
    assert any("per-channel" in n for n in net.quantization.notes)


def test_q_dq_on_the_graph_output_and_twice_on_one_tensor():
    g = Graph()
    y = g.conv(g.qdq("input", 0.02), 4, 4, "c")
    twice = g.qdq(g.qdq(y, 0.05, name="first"), 0.08, name="second")
    m = g.model(twice)
    net = _net(m)
    assert net.outputs == ["c_out"]
    assert net.quantization.scales["c_out"] == np.float32(0.08)
    assert any("quantized twice" in n for n in net.quantization.notes)


def test_a_quantized_tensor_read_as_int8_stays_a_q_layer():
    """A Q whose INT8 output feeds something other than a DequantizeLinear is real INT8 data flow."""
    g = Graph()
    s, z = g.init(0.02, dtype=np.float32), g.init(0, dtype=np.int8)
    g.nodes.append(helper.make_node("QuantizeLinear", ["input", s, z], ["q"], name="q"))
    g.nodes.append(helper.make_node("Cast", ["q"], ["out"], name="cast", to=TensorProto.FLOAT))
    net = _net(g.model("out"))
    assert [l.kind for l in net] == ["Quantize", "Cast"]
    assert net.quantization is None or not net.quantization.scales


def test_a_runtime_scale_is_left_in_place_and_named_by_the_finding():
    g = Graph()
    g.nodes.append(helper.make_node("ReduceMax", ["input"], ["amax"], name="amax", keepdims=0))
    g.nodes.append(helper.make_node("QuantizeLinear", ["input", "amax"], ["q"], name="q"))
    g.nodes.append(helper.make_node("DequantizeLinear", ["q", "amax"], ["dq"], name="dq"))
    net = _net(g.model(g.conv("dq", 4, 4, "c")))
    assert {l.kind for l in net} >= {"Quantize", "Dequantize"}
    plat, config = load_platform("orin-trt10"), BuildConfig(precision="int8")
    findings = evaluate(predict(net, plat, config), net, plat, config, select=["DLA402"])
    assert len(findings) == 1 and set(findings[0].layers) == {"q", "dq"}


def test_weight_dequantize_is_folded_whether_int8_or_fake_quantized():
    g = Graph(19)
    w8 = g.init(np.ones((4, 4, 3, 3)), dtype=np.int8)
    ws = g.init(np.full(4, 0.01), dtype=np.float32)
    wz = g.init(np.zeros(4), dtype=np.int8)
    g.nodes.append(helper.make_node("DequantizeLinear", [w8, ws, wz], ["w"], name="wdq", axis=0))
    g.nodes.append(helper.make_node("Conv", [g.qdq("input", 0.02), "w"], ["y"], name="c", pads=[1, 1, 1, 1]))
    net = _net(g.model("y"))
    assert [l.kind for l in net] == ["Convolution"]
    assert net.quantization.weight_nodes == ("wdq",)


def test_a_per_channel_activation_scale_of_many_channels_is_still_read():
    g = Graph()
    x = g.qdq("input", np.linspace(0.01, 0.02, 256), zp=np.zeros(256), axis=1)
    net = _net(g.model(g.conv(x, 256, 4, "c"), {"input": [1, 256, 8, 8]}))
    assert not [l for l in net if l.kind in ("Quantize", "Dequantize")]
    assert net.quantization.scales["input"] == np.float32(0.02)
