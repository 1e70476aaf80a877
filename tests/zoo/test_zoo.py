"""Real CNN architectures as torch.onnx exports them analyse end to end (analyzer acceptance criterion 3).

Every builder in :mod:`builders` x four platforms x two precisions: the importer folds exactly the
export's shape math, every surviving layer names ONNX nodes of the original model, every GPU layer
carries a vocabulary reason with a source URL, and the segments partition the layers. Targeted tests
then pin the layout of each architecture's characteristic structure, derived from the platform rules.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import onnx
import pytest
import yaml

from dla_advisor.graph import load_network
from dla_advisor.layout import DLA, GPU, BuildConfig, predict
from dla_advisor.platforms import load_platform

from .builders import BUILDERS
from support import RULES

REASON_IDS = set(yaml.safe_load((RULES / "reasons.yaml").read_text())["reasons"])
PLATFORMS = ["orin-trt10", "orin-trt8.5", "xavier-trt8.5", "orin-trt11"]
PRECISIONS = ["int8", "fp16"]

# ONNX nodes that only compute shapes or literals, counted by hand from each export's structure:
EXPECTED_FOLDED = {
    # view(x.size(0), -1): Shape, Constant, Gather, Constant(axes), Unsqueeze, Constant([-1]), Concat.
    "resnet": 7,
    # 7 ReLU6 = Clip with two Constant bounds each.
    "mobilenet_v2": 14,
    "mobilenet_v3": 0,
    # 5 hand-written hardswish (Constants 3, 0, 6, 6) + 2 hardsigmoid (3, 0, 6, 6).
    "mobilenet_v3_decomposed": 5 * 4 + 2 * 4,
    "efficientnet": 0,
    # Per channel shuffle: 4 x (Shape, Constant, Gather) = 12; c // 2 = Constant(2) + 13-node floor_divide;
    # 5-D view: 4 x (Constant, Unsqueeze) + Constant([2]) + Concat = 10; 4-D view: 3 x 2 + Constant([-1])
    # + Concat = 8. Two shuffles, plus the Split sizes Constant of the one chunk.
    "shufflenet": 2 * (12 + 14 + 10 + 8) + 1,
    "googlenet": 0,
    # The Identity through which conv0 reads its (shared) weight.
    "densenet": 1,
    "regnet": 0,
    # 6 decomposed LayerNorms x (Constant 2, Constant eps) + 3 GELU x (sqrt2, 1, 0.5).
    "convnext": 6 * 2 + 3 * 3,
    "convnext_ln17": 3 * 3,
    # Patch reshape: 3 x (Shape, Constant, Gather) + 2 x (Constant + floor_divide 13) + Mul + 2 x (Constant,
    # Unsqueeze) + Constant(D) + Concat = 44. Class-token expand: 3 x 2 Unsqueeze + 2 Constant(-1) + Concat
    # + Constant + Reshape + Shape + ConstantOfShape + Constant + Mul + Equal + Where + Expand = 18.
    # Dropout Identity = 1. Per encoder layer: 2 x (Shape, Constant, Gather) + Split sizes + 3 x 7 (head
    # reshape) + scale Constant + 6 (merge reshape) + 3 (GELU) = 38. Class-token Gather index = 1.
    "vit": 44 + 18 + 1 + 2 * 38 + 1,
    # Two size-based Resizes: 2 x (Shape, Constant, Gather, Constant, Unsqueeze) + Concat + Cast
    # + Shape + 3 Constants + Slice + Concat + 2 empty Constants = 20 each.
    "deeplabv3": 2 * 20,
}


@pytest.fixture(scope="module")
def zoo_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("zoo")


@lru_cache(maxsize=None)
def _built(name: str):
    return BUILDERS[name]()


def _path(zoo_dir: Path, name: str) -> Path:
    p = zoo_dir / f"{name}.onnx"
    if not p.exists():
        onnx.save(_built(name).model, str(p))
    return p


_NETS: dict = {}


def _net(zoo_dir: Path, name: str, fixed: bool = True):
    key = (str(zoo_dir), name, fixed)
    if key not in _NETS:
        zm = _built(name)
        shapes = {zm.input_name: zm.input_shape} if fixed else None
        _NETS[key] = load_network(_path(zoo_dir, name), shapes=shapes)
    return _NETS[key]


def _layout(zoo_dir, name, platform="orin-trt10", precision="int8"):
    return predict(_net(zoo_dir, name), load_platform(platform), BuildConfig(precision=precision))


def test_every_architecture_of_the_criterion_has_a_builder():
    assert set(BUILDERS) == set(EXPECTED_FOLDED)
    for family in ("resnet", "mobilenet_v2", "mobilenet_v3", "efficientnet", "shufflenet", "googlenet",
                   "densenet", "regnet", "convnext", "vit", "deeplabv3"):
        assert family in BUILDERS


@pytest.mark.parametrize("precision", PRECISIONS)
@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_layout_is_complete_and_every_gpu_layer_has_a_sourced_reason(zoo_dir, name, platform, precision):
    net = _net(zoo_dir, name)
    layout = _layout(zoo_dir, name, platform, precision)
    onnx_names = {n.name for n in _built(name).model.graph.node}

    assert [p.name for p in layout.placements] and {p.name for p in layout.placements} == set(net.layers)
    for p in layout.placements:
        if p.device == GPU:
            assert p.reasons, f"{p.name} is on the GPU without a reason"
            for r in p.reasons:
                assert r.id in REASON_IDS, (p.name, r.id)
                assert r.source.startswith("https://"), (p.name, r.source)
        if p.name.startswith("copied_squeeze_after_"):
            assert p.kind == "Shuffle" and p.onnx_nodes == ()
        else:
            assert p.onnx_nodes and set(p.onnx_nodes) <= onnx_names, p.name

    covered = [n for seg in layout.segments for n in seg.layers]
    assert sorted(covered) == sorted(net.layers)  # each layer in exactly one segment
    for seg in layout.segments:
        assert {layout.placement(n).device for n in seg.layers} == {seg.device}
        assert all(layout.placement(n).segment == seg.index for n in seg.layers)
    assert len(layout.dla_loadables) <= load_platform(platform).loadables_per_core


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_importer_folds_exactly_the_exports_shape_math(zoo_dir, name):
    net = _net(zoo_dir, name)
    assert _built(name).shape_math == EXPECTED_FOLDED[name]
    # torch.cat of a single tensor builds no TensorRT layer either (DenseNet's first dense layers).
    single_concats = {"densenet": 2}.get(name, 0)
    assert len(net.folded_nodes) == EXPECTED_FOLDED[name] + single_concats
    # Nothing integer-valued (a shape computation) survived as a layer.
    assert {net.tensors[t].dtype for layer in net for t in layer.outputs} == {"float32"}


@pytest.mark.parametrize("name", ["resnet", "shufflenet", "vit", "deeplabv3"])
def test_without_shapes_the_dynamic_batch_is_one_with_a_note(zoo_dir, name):
    zm = _built(name)
    net = _net(zoo_dir, name, fixed=False)
    dims = "x".join(map(str, zm.input_shape))
    assert any(n.startswith(f"input '{zm.input_name}' has dynamic dims ['batch_size'") and f"analysed as {dims}" in n
               for n in net.notes)
    fixed = predict(_net(zoo_dir, name), load_platform(None), BuildConfig(precision="int8"))
    free = predict(net, load_platform(None), BuildConfig(precision="int8"))
    assert [(p.name, p.device) for p in free.placements] == [(p.name, p.device) for p in fixed.placements]


def _gpu(layout) -> dict[str, set[str]]:
    return {p.name: {r.id for r in p.reasons} for p in layout.gpu_layers}


@pytest.mark.parametrize("platform", PLATFORMS)
def test_resnet_runs_as_two_loadables_around_the_global_pool(zoo_dir, platform):
    net = _net(zoo_dir, "resnet")
    layout = _layout(zoo_dir, "resnet", platform)
    names = list(net.layers)
    gap = names.index("/avgpool/GlobalAveragePool")
    # Everything up to the last ReLU, then the FC (the Flatten absorbed, run as a 1x1 convolution).
    assert [s.layers for s in layout.dla_loadables] == [tuple(names[:gap]), ("/fc/Gemm",)]
    assert names[gap - 1] == "/layer2/layer2.0/relu/Relu_1"
    assert net.layers["/fc/Gemm"].onnx_nodes == ["/Reshape", "/fc/Gemm"]
    assert _gpu(layout) == {"/avgpool/GlobalAveragePool": {"gap-reduce"},
                            "copied_squeeze_after_/fc/Gemm": {"not-4d"}}


@pytest.mark.parametrize("platform", PLATFORMS)
def test_vit_attention_products_and_token_gather_are_gpu(zoo_dir, platform):
    layout = _layout(zoo_dir, "vit", platform)
    gpu = _gpu(layout)
    matmuls = [p for p in layout.placements if p.kind == "MatrixMultiply"]
    products = [p for p in matmuls if "matmul-activations" in gpu[p.name]]
    assert len(products) == 4  # q.kT and attn.v in each of the two encoder layers
    # Linear layers on [N, L, D] tokens (qkv, out-proj, 2 MLP) reduce over the last axis of a 3-D
    # tensor: a matrix multiply with constant weights, which DLA runs only as a 1x1 conv over C.
    linear = [p for p in matmuls if p not in products]
    assert len(linear) == 2 * 4 and all(gpu[p.name] >= {"unsupported-op", "not-4d"} for p in linear)
    assert all(p.device == GPU for p in matmuls)
    assert gpu["/Gather_3"] >= {"unsupported-layer", "not-4d"}  # x[:, 0]
    # The head on the [N, D] class token is a fully connected layer.
    assert [p.kind for p in layout.placements if p.onnx_nodes and p.onnx_nodes[-1].endswith("heads/head/Gemm")] == ["FullyConnected"]
    softmax = [p for p in layout.placements if p.kind == "SoftMax"]
    assert len(softmax) == 2
    if platform.startswith("xavier"):
        assert all("softmax-platform" in gpu[p.name] for p in softmax)
    else:  # [1, heads, L, L] over the last axis, 17 <= 1024, but DLA's SoftMax is FP16-only
        assert all(gpu[p.name] == {"precision-not-enabled"} for p in softmax)
        fp16 = _layout(zoo_dir, "vit", platform, "fp16")
        assert all(fp16.placement(p.name).device == DLA for p in softmax)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_shufflenet_5d_channel_shuffle_is_gpu_and_the_branches_stay_on_dla(zoo_dir, platform):
    net = _net(zoo_dir, "shufflenet")
    layout = _layout(zoo_dir, "shufflenet", platform, "fp16")
    gpu = _gpu(layout)
    shuffles = [l for l in net if l.op in ("Reshape", "Transpose")]
    assert [net.tensors[l.outputs[0]].shape for l in shuffles] == [(1, 2, 8, 8, 8), (1, 8, 2, 8, 8), (1, 16, 8, 8)] * 2
    assert all("not-4d" in gpu[l.name] for l in shuffles)
    # A reshape right after the branch Concat, or feeding the next unit's chunk (Split), is also one DLA's
    # compiler rejects ("does not support reshape layers directly connected to Slice or Concat").
    assert [gpu[l.name] - {"not-4d"} for l in shuffles] == [{"dla-validation"}, set(), {"dla-validation"},
                                                            {"dla-validation"}, set(), set()]
    assert all(layout.placement(l.name).device == DLA for l in net if l.kind in ("Convolution", "Concatenation"))
    # The chunk: one Slice per half, both along C.
    splits = [l for l in net if l.op == "Split"]
    assert [l.attrs["axes"] for l in splits] == [[1], [1]]
    assert all(layout.placement(l.name).device == DLA for l in splits)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_deeplab_dilated_convs_and_aspp(zoo_dir, platform):
    net = _net(zoo_dir, "deeplabv3")
    layout = _layout(zoo_dir, "deeplabv3", platform)
    gpu = _gpu(layout)
    convs = {l.name: l for l in net if l.kind == "Convolution"}
    by_dilation: dict[int, list[str]] = {}
    for name, l in convs.items():
        by_dilation.setdefault(l.attrs["dilations"][0], []).append(name)
    assert {d: len(v) for d, v in by_dilation.items()} == {1: 11, 2: 2, 4: 2, 12: 1, 24: 1, 36: 1}
    # Padding = dilation on a 3x3 kernel stays below the dilated window (2d+1) and, up to 31, inside
    # the [0, 31] padding range: rates 2, 4, 12 and 24 stay on DLA.
    assert all(layout.placement(n).device == DLA for d in (1, 2, 4, 12, 24) for n in by_dilation[d])
    # Rate 36 is past the [0, 31] padding and [1, 32] dilation ranges.
    assert gpu[by_dilation[36][0]] == {"conv-padding-range", "conv-dilation-range"}
    resizes = [l for l in net if l.kind == "Resize"]
    assert [l.attrs["mode"] for l in resizes] == ["linear", "linear"]
    assert all(l.attrs["coordinate_transformation_mode"] == "pytorch_half_pixel" for l in resizes)
    assert all(gpu[l.name] == {"resize-scale"} for l in resizes)  # size-based (sizes from shape math)
    assert net.tensors[resizes[-1].outputs[0]].shape == (1, 4, 64, 64)
    assert gpu["/classifier/classifier.0/convs/convs.4/convs.4.0/GlobalAveragePool"] == {"gap-reduce"}


@pytest.mark.parametrize("platform", PLATFORMS)
def test_mobilenet_v3_native_hard_activations_are_gpu_and_decomposed_ones_are_not(zoo_dir, platform):
    native = _layout(zoo_dir, "mobilenet_v3", platform)
    hard = [p for p in native.placements if p.kind == "Activation" and p.onnx_nodes[0].split("/")[-1].startswith("Hard")]
    assert len(hard) == 5 + 2  # five HardSwish, two HardSigmoid (SE gates)
    assert all(p.device == GPU and "unsupported-op" in {r.id for r in p.reasons} for p in hard)
    decomposed = _layout(zoo_dir, "mobilenet_v3_decomposed", platform)
    gpu = _gpu(decomposed)
    assert not any("unsupported-op" in ids for ids in gpu.values())
    # What is left on the GPU: three GlobalAveragePools, the squeeze, and the 2-D classifier tail.
    assert sorted(p.kind for p in decomposed.gpu_layers) == sorted(
        ["Reduce"] * 3 + ["Shuffle", "Scale", "Activation", "ElementWise", "Scale", "FullyConnected"])


def test_efficientnet_silu_fuses_and_only_the_pools_leave_dla(zoo_dir):
    net = _net(zoo_dir, "efficientnet")
    silu = [l for l in net if l.attrs.get("activation") == "SILU"]
    assert len(silu) == 10 and all(l.onnx_nodes[1].endswith("/Mul") for l in silu)
    layout = _layout(zoo_dir, "efficientnet")
    assert sorted(p.kind for p in layout.gpu_layers) == ["Reduce"] * 4 + ["Shuffle"]
    assert len(layout.dla_loadables) == 5  # SE pools split the chain: 3 SE + the head pool = 4 cuts


@pytest.mark.parametrize("platform", PLATFORMS)
def test_googlenet_ceil_mode_pools_and_inception_concats_stay_on_dla(zoo_dir, platform):
    net = _net(zoo_dir, "googlenet")
    layout = _layout(zoo_dir, "googlenet", platform)
    pools = [l for l in net if l.kind == "Pooling"]
    assert len(pools) == 5 and all(l.attrs["ceil_mode"] == 1 for l in pools)
    assert net.tensors[pools[0].outputs[0]].shape == (1, 8, 16, 16)  # ceil((32 - 3) / 2) + 1
    assert len(layout.dla_loadables) == 2
    assert _gpu(layout) == {"/avgpool/GlobalAveragePool": {"gap-reduce"}, "copied_squeeze_after_/fc/Gemm": {"not-4d"}}


def test_densenet_single_input_concat_and_pre_activation_bn(zoo_dir):
    net = _net(zoo_dir, "densenet")
    layout = _layout(zoo_dir, "densenet")
    gpu = _gpu(layout)
    # torch.cat of the one input of each block's first layer builds no layer: TensorRT drops it.
    single = ["/features/denseblock1/denselayer1/Concat", "/features/denseblock2/denselayer1/Concat"]
    assert set(single) <= set(net.folded_nodes)
    assert not any(l.kind == "Concatenation" and l.attrs["num_inputs"] < 2 for l in net)
    assert not any("Concat" in n for n in gpu)
    # BN before a conv cannot fold into it: a standalone Scale layer, which DLA runs. norm1 of each dense
    # layer, the transition's and norm5 stay; norm0 and every norm2 follow a conv and fuse into it.
    scales = [l for l in net if l.kind == "Scale"]
    assert len(scales) == 2 + 1 + 2 + 1 and all(layout.placement(l.name).device == DLA for l in scales)
    # No concat splits the features any more: the features, then the classifier FC after the GPU pool.
    assert len(layout.dla_loadables) == 2
    conv0 = next(l for l in net if l.onnx_nodes[0] == "/features/conv0/Conv")
    assert conv0.attrs["weights_constant"] and conv0.attrs["out_channels"] == 16


def test_regnet_grouped_convs_on_dla_and_se_pools_on_gpu(zoo_dir):
    net = _net(zoo_dir, "regnet")
    layout = _layout(zoo_dir, "regnet")
    grouped = [l for l in net if l.kind == "Convolution" and l.attrs["group"] > 1]
    assert [l.attrs["group"] for l in grouped] == [2, 2, 4]
    assert all(layout.placement(l.name).device == DLA for l in grouped)
    assert sorted(p.kind for p in layout.gpu_layers) == ["Reduce"] * 4 + ["Shuffle"]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_convnext_channel_last_layernorm(zoo_dir, platform):
    decomposed = _layout(zoo_dir, "convnext", platform)
    gpu = _gpu(decomposed)
    net = _net(zoo_dir, "convnext")
    # The mean and variance ReduceMean (AVG over the last axis) are not DLA reductions.
    means = [l.name for l in net if l.op == "ReduceMean"]
    assert len(means) == 12 and all(gpu[n] == {"reduce-op"} for n in means)
    # x - mean(x) broadcasts [1,H,W,C] against [1,H,W,1]: not a DLA broadcast, except in the head's
    # LayerNorm2d after the global pool, where H = W = 1 and the mean is an N111 operand.
    subs = [l.name for l in net if l.op == "Sub"]
    assert len(subs) == 6 and all("elementwise-broadcast" in gpu[n] for n in subs[:5])
    head_sub = decomposed.placement("/classifier/classifier.0/Sub")
    assert head_sub.dla_capable and gpu.get(head_sub.name, {"loadable-limit"}) == {"loadable-limit"}
    pows = [l.name for l in net if l.op == "Pow"]
    if platform in ("orin-trt10", "orin-trt11"):
        # POW with one constant exponent runs on DLA (those past the 16th region move for the limit only).
        assert all(decomposed.placement(n).dla_capable for n in pows)
        assert all(gpu.get(n, {"loadable-limit"}) == {"loadable-limit"} for n in pows)
    else:
        assert all(gpu[n] == {"unsupported-op"} for n in pows)
    # So many GPU islands that the DLA regions exceed the 16 loadables a core takes.
    assert len(decomposed.dla_loadables) == 16
    assert any("loadable-limit" in ids for ids in gpu.values())
    native = _layout(zoo_dir, "convnext_ln17", platform)
    lns = [p for p in native.placements if p.kind == "Normalization"]
    assert len(lns) == 6 and all(_gpu(native)[p.name] == {"unsupported-layer"} for p in lns)
