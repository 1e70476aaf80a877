"""Partitioning and per-layer verdicts on small graphs where the right answer is known by hand."""

from __future__ import annotations

from onnx import helper

from dla_advisor.layout import DLA, GPU, BuildConfig, predict
from dla_advisor.platforms import load_platform

from onnx_builder import array, conv, net_of, vi


def _diamond(gpu_op="Floor"):
    # c0 -> (c1 -> c2) and c0 -> floor(GPU) -> add ; c2 -> add.  c0, c1, c2, add are DLA-capable.
    n0, w0 = conv("c0", "x", "a", 8, 8)
    n1, w1 = conv("c1", "a", "b", 8, 8)
    n2, w2 = conv("c2", "b", "c", 8, 8)
    g = helper.make_node(gpu_op, ["a"], ["d"], name="g")
    add = helper.make_node("Add", ["c", "d"], ["y"], name="add")
    return net_of([n0, n1, n2, g, add], [vi("x", [1, 8, 16, 16])], [vi("y", [1, 8, 16, 16])], [w0, w1, w2])


def test_region_that_would_loop_through_the_gpu_is_split():
    net = _diamond()
    layout = predict(net, load_platform(None), BuildConfig(precision="int8"))
    # {c0, c1, c2} is one loadable; add depends on c0 through the GPU Floor, so it cannot join it.
    assert [s.layers for s in layout.dla_loadables] == [("c0", "c1", "c2"), ("add",)]
    assert [p.name for p in layout.gpu_layers] == ["g"]
    assert layout.gpu_layers[0].reasons[0].id == "unsupported-op"


def test_gpu_side_branch_from_an_input_does_not_split_a_region():
    # x -> c0 -> add ; x2 -> floor (GPU) -> c1 -> add : the GPU layer only feeds in, no cycle possible.
    n0, w0 = conv("c0", "x", "a", 8, 8)
    g = helper.make_node("Floor", ["x2"], ["f"], name="g")
    n1, w1 = conv("c1", "f", "b", 8, 8)
    add = helper.make_node("Add", ["a", "b"], ["y"], name="add")
    net = net_of([n0, g, n1, add], [vi("x", [1, 8, 16, 16]), vi("x2", [1, 8, 16, 16])],
                 [vi("y", [1, 8, 16, 16])], [w0, w1])
    layout = predict(net, load_platform(None), BuildConfig(precision="int8"))
    assert len(layout.dla_loadables) == 1 and set(layout.dla_loadables[0].layers) == {"c0", "c1", "add"}
    kinds = sorted(r.location for r in layout.reformats)
    assert kinds == ["gpu_to_dla", "network_input", "network_output"]


def test_loadable_limit_moves_later_regions_to_gpu():
    nodes, inits, x = [], [], "x"
    for i in range(20):  # 20 DLA convs separated by GPU Floor layers = 20 candidate loadables
        n, wi = conv(f"c{i}", x, f"a{i}", 4, 4)
        nodes += [n, helper.make_node("Floor", [f"a{i}"], [f"f{i}"], name=f"g{i}")]
        inits.append(wi)
        x = f"f{i}"
    net = net_of(nodes, [vi("x", [1, 4, 8, 8])], [vi(x, [1, 4, 8, 8])], inits)
    layout = predict(net, load_platform("orin-trt10"), BuildConfig(precision="int8"))
    assert len(layout.dla_loadables) == 16
    moved = [p.name for p in layout.gpu_layers if any(r.id == "loadable-limit" for r in p.reasons)]
    assert moved == ["c16", "c17", "c18", "c19"]


def test_batch_change_splits_a_region():
    n0, w0 = conv("c0", "x", "a", 4, 4)
    r = helper.make_node("Reshape", ["a", "shape"], ["b"], name="r")  # [2,4,8,8] -> [1,8,8,8]
    n1, w1 = conv("c1", "b", "y", 8, 8)
    import numpy as np
    shape = array("shape", [1, 8, 8, 8], np.int64)
    net = net_of([n0, r, n1], [vi("x", [2, 4, 8, 8])], [vi("y", [1, 8, 8, 8])], [w0, w1, shape])
    layout = predict(net, load_platform(None), BuildConfig(precision="fp16"))
    assert layout.placement("r").device == GPU and layout.placement("r").reasons[0].id == "shuffle-params"
    assert [s.batch for s in layout.dla_loadables] == [2, 1]


def test_conv_limits_each_give_their_reason():
    cases = {
        "conv-kernel-range": dict(k=33, pads=[0, 0, 0, 0]),
        "conv-stride-range": dict(k=3, strides=[9, 9]),
        "conv-dilation-range": dict(k=3, dilations=[33, 33], pads=[0, 0, 0, 0]),
    }
    for reason, kw in cases.items():
        k = kw.pop("k")
        n, wi = conv("c", "x", "y", 4, 4, k=k, **kw)
        net = net_of([n], [vi("x", [1, 4, 200, 200])], [vi("y", None)], [wi])
        p = predict(net, load_platform(None), BuildConfig(precision="int8")).placement("c")
        assert p.device == GPU and [r.id for r in p.reasons] == [reason], (reason, p.reasons)


def test_cbuf_rule_applies_from_trt86_only():
    # 3x3, 512 -> 256 on an 80x160 input: the published case of a CBUF rejection (TensorRT issue 3499).
    # FP16 by the 8.4 formula: 1 weight bank + 15 data banks = 16 (fits); a 5x5 kernel needs 25 and fails.
    n, wi = conv("c", "x", "y", 512, 256, k=5)
    net = net_of([n], [vi("x", [1, 512, 80, 160])], [vi("y", None)], [wi])
    on86 = predict(net, load_platform("orin-trt8.6"), BuildConfig(precision="fp16")).placement("c")
    on85 = predict(net, load_platform("orin-trt8.5"), BuildConfig(precision="fp16")).placement("c")
    assert [r.id for r in on86.reasons] == ["conv-cbuf"] and on85.device == DLA


def test_softmax_on_xavier_vs_orin():
    sm = helper.make_node("Softmax", ["x"], ["y"], name="sm", axis=1)
    net = net_of([sm], [vi("x", [1, 16, 8, 8])], [vi("y", [1, 16, 8, 8])])
    assert predict(net, load_platform("orin-trt8.5"), BuildConfig()).placement("sm").device == DLA
    xav = predict(net, load_platform("xavier-trt8.5"), BuildConfig()).placement("sm")
    assert [r.id for r in xav.reasons] == ["softmax-platform"]


def test_concat_axis_and_matmul_reasons():
    cat = helper.make_node("Concat", ["x", "x"], ["c"], name="cat", axis=3)
    mm = helper.make_node("MatMul", ["c", "z"], ["y"], name="mm")
    net = net_of([cat, mm], [vi("x", [1, 4, 8, 8]), vi("z", [1, 4, 16, 8])], [vi("y", [1, 4, 8, 8])])
    layout = predict(net, load_platform(None), BuildConfig())
    assert [r.id for r in layout.placement("cat").reasons] == ["concat-axis"]
    assert [r.id for r in layout.placement("mm").reasons] == ["matmul-activations"]


def test_fallback_disabled_notes_build_failure_and_override_forces_gpu():
    n0, w0 = conv("c0", "x", "a", 4, 4)
    g = helper.make_node("Floor", ["a"], ["y"], name="g")
    net = net_of([n0, g], [vi("x", [1, 4, 8, 8])], [vi("y", [1, 4, 8, 8])], [w0])
    layout = predict(net, load_platform(None), BuildConfig(gpu_fallback=False))
    assert any("fail to build" in n for n in layout.notes)
    forced = predict(net, load_platform(None), BuildConfig(layer_device_overrides=(("c0", "GPU"),)))
    assert forced.dla_loadables == () and forced.placement("c0").reasons[-1].id == "layer-override"


def test_woa_has_no_gpu_fallback_and_batch_one():
    n0, w0 = conv("c0", "x", "y", 4, 4)
    net = net_of([n0], [vi("x", [2, 4, 8, 8])], [vi("y", [2, 4, 8, 8])], [w0])
    layout = predict(net, load_platform("woa-trt11"), BuildConfig())
    assert [r.id for r in layout.placement("c0").reasons] == ["batch-limit"]
    assert any("no GPU fallback" in n for n in layout.notes)
