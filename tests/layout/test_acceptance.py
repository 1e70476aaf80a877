"""The analyzer's acceptance cases: the forum seed and NVIDIA's DLA tutorial, as real TensorRT built them."""

from __future__ import annotations

import re

import pytest

from dla_advisor.graph import load_network
from dla_advisor.layout import GPU, BuildConfig, parse_io_formats, predict
from dla_advisor.platforms import load_platform
from onnx_builder import Graph


def test_seed_conv_int8_default_io_has_one_loadable_and_two_gpu_reformats(seed_model):
    # Seed verbose log: "input to nvm" (Float -> Int8), {ForeignNode[Conv_1]}, "output from nvm" (Int8 -> Float).
    net = load_network(seed_model)
    layout = predict(net, load_platform("orin-trt10"), BuildConfig(precision="int8"))
    assert len(layout.dla_loadables) == 1
    assert layout.dla_loadables[0].layers == ("Conv_1",)
    assert layout.gpu_layers == ()
    assert [(r.tensor, r.location, r.from_format, r.to_format, r.device) for r in layout.reformats] == [
        ("input", "network_input", "fp32:chw", "int8:chw32", GPU),
        ("output", "network_output", "int8:chw32", "fp32:chw", GPU),
    ]
    # FP32 in (3x1024x1024x4 B) + INT8 CHW32 out (C padded 3 -> 32).
    assert layout.reformats[0].bytes == 3 * 1024 * 1024 * 4 + 32 * 1024 * 1024
    assert layout.reformats[1].bytes == 32 * 1016 * 1016 + 10 * 1016 * 1016 * 4


def test_seed_conv_native_dla_io_removes_both_reformats(seed_model):
    net = load_network(seed_model)
    cfg = BuildConfig(precision="int8", input_formats=parse_io_formats("int8:dla_linear"),
                      output_formats=parse_io_formats("int8:dla_linear"))
    layout = predict(net, load_platform("orin-trt10"), cfg)
    assert len(layout.dla_loadables) == 1 and layout.gpu_layers == () and layout.reformats == ()


@pytest.mark.parametrize("fmt, expected", [
    ("fp16:dla_linear", 2),   # FP16 I/O on an INT8 build: the type differs, so both reformats stay
    ("int8:chw32", 0),        # native INT8 vector format on both sides
    ("int8:dla_hwc4", 1),     # HWC4 is an input-only format: the output still needs a reformat
])
def test_seed_conv_other_io_formats(seed_model, fmt, expected):
    net = load_network(seed_model)
    cfg = BuildConfig(precision="int8", input_formats=parse_io_formats(fmt), output_formats=parse_io_formats(fmt))
    assert len(predict(net, load_platform("orin-trt10"), cfg).reformats) == expected


def test_hwc4_needs_at_most_four_channels_feeding_a_convolution(tmp_path):
    import onnx

    g = Graph()
    x = g.conv("input", 8, 4, pad=0, bias=True, scale=0.05)
    onnx.save(g.model([x], {"input": [1, 8, 32, 32]}), tmp_path / "c8.onnx")
    net = load_network(tmp_path / "c8.onnx")
    cfg = BuildConfig(precision="int8", input_formats=parse_io_formats("int8:dla_hwc4"),
                      output_formats=parse_io_formats("int8:dla_linear"))
    reformats = predict(net, load_platform("orin-trt10"), cfg).reformats
    assert [(r.location, r.from_format) for r in reformats] == [("network_input", "int8:dla_hwc4")]


def _foreign_nodes(log_text: str) -> list[str]:
    return re.findall(r"\[DlaLayer\] \{ForeignNode\[(.*)\]\}", log_text)


def test_tutorial_batchnorm_cnn_two_loadables_with_pool_and_reshape_on_gpu(models_dir, corpus):
    real = _foreign_nodes((corpus / "trtexec_orin_trt8.4_cifar_model_bn_dla_placement_excerpt.log").read_text())
    net = load_network(models_dir / "cifar_bn.onnx", shapes={"input": (32, 3, 32, 32)})
    layout = predict(net, load_platform("orin-trt8.4"), BuildConfig(precision="int8"))
    assert len(layout.dla_loadables) == len(real) == 2
    gpu = layout.gpu_layers
    assert [p.kind for p in gpu] == ["Reduce", "Shuffle"]          # REDUCE: GlobalAveragePool, SHUFFLE: squeeze
    assert gpu[0].onnx_nodes[0].startswith("GlobalAveragePool") and gpu[0].reasons[0].id == "gap-reduce"
    assert gpu[1].name.startswith("copied_squeeze_after_Gemm")
    # The first loadable runs every Conv+ReLU, the second the FC (Gemm), as in the real log.
    assert [layout.placement(n).kind for n in layout.dla_loadables[0].layers] == ["Convolution"] * 4
    assert layout.dla_loadables[1].layers[0].startswith("Gemm")


def test_tutorial_groupnorm_cnn_five_loadables(models_dir, corpus):
    real = _foreign_nodes((corpus / "trtexec_orin_trt8.4_cifar_model_gn_dla_placement_excerpt.log").read_text())
    net = load_network(models_dir / "cifar_gn.onnx", shapes={"input": (32, 3, 32, 32)})
    layout = predict(net, load_platform("orin-trt8.4"), BuildConfig(precision="int8"))
    assert len(layout.dla_loadables) == len(real) == 5
    # Real shapes: [Conv_0], [Relu...Conv] x3, [Relu]. Kinds of each predicted loadable must match.
    kinds = [[layout.placement(n).kind for n in seg.layers] for seg in layout.dla_loadables]
    assert kinds == [["Convolution"]] + [["Activation", "Convolution"]] * 3 + [["Activation"]]
    norm = [p for p in layout.gpu_layers if p.kind == "Normalization"]
    assert len(norm) == 4 and all(p.reasons[0].id == "unsupported-layer" for p in norm)
    # Each GroupNorm keeps the ONNX nodes it came from (Reshape, InstanceNormalization, Reshape, Mul, Add).
    assert [n.split("_")[0] for n in norm[0].onnx_nodes] == ["Reshape", "InstanceNormalization", "Reshape", "Mul", "Add"]


def test_groupnorm_cnn_on_trt85_keeps_the_fc_loadable(models_dir):
    # 16 loadables per core from 8.5: the sixth region (the FC) stays on DLA.
    net = load_network(models_dir / "cifar_gn.onnx", shapes={"input": (32, 3, 32, 32)})
    layout = predict(net, load_platform("orin-trt8.5"), BuildConfig(precision="int8"))
    assert len(layout.dla_loadables) == 6
    assert not any(r.id == "loadable-limit" for p in layout.gpu_layers for r in p.reasons)


def test_gpu_only_build_has_no_loadables_and_says_why(models_dir):
    net = load_network(models_dir / "cifar_bn.onnx", shapes={"input": (1, 3, 32, 32)})
    layout = predict(net, load_platform(None), BuildConfig(use_dla=False))
    assert layout.dla_loadables == () and len(layout.gpu_layers) == len(net)
    assert {r.id for p in layout.gpu_layers for r in p.reasons} == {"gpu-only-build"}


def test_every_gpu_layer_reason_names_platform_key_and_source(models_dir):
    net = load_network(models_dir / "cifar_gn.onnx", shapes={"input": (32, 3, 32, 32)})
    layout = predict(net, load_platform("orin-trt8.4"), BuildConfig(precision="int8"))
    for p in layout.gpu_layers:
        assert p.reasons, p.name
        for r in p.reasons:
            assert r.platform_key.startswith("orin-trt8.4.yaml:") and r.source.startswith("https://")
