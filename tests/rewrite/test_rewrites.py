"""Each rewrite on its own tiny model: exact structure after, and onnxruntime agreement."""

import numpy as np
import onnx
import pytest

from dla_advisor import rewrite as rw

from onnx_builder import Graph

from .conftest import attrs, ops


def _single(op, in_shape, opset=13, extra_inputs=(), n_out=1, **kw):
    g = Graph(opset=opset)
    ins = ["x"] + [g.init(v) if not isinstance(v, str) else v for v in extra_inputs]
    y = g.op(op, ins, n_out=n_out, **kw)
    return g.model(y if isinstance(y, list) else [y], {"x": in_shape}, infer_shapes=True)


# --- gap-to-avgpool -------------------------------------------------------------------------------

def test_gap_fits_one_window(run_one):
    res, check = run_one(_single("GlobalAveragePool", [2, 8, 7, 7]), "gap-to-avgpool")
    assert dict(res.sites)["gap-to-avgpool"] == 1
    assert ops(res.model) == ["AveragePool"]
    assert attrs(res.model, "AveragePool")[0]["kernel_shape"] == [7, 7]
    assert check.ok and check.max_abs_diff < 1e-6


def test_gap_chain_when_window_too_big(run_one):
    res, check = run_one(_single("GlobalAveragePool", [1, 4, 28, 14]), "gap-to-avgpool")
    assert [a["kernel_shape"] for a in attrs(res.model, "AveragePool")] == [[7, 7], [4, 2]]
    assert [a["strides"] for a in attrs(res.model, "AveragePool")] == [[7, 7], [4, 2]]
    assert check.ok and check.max_abs_diff < 1e-6


def test_gap_prime_size_left_alone(run_one):
    res, check = run_one(_single("GlobalAveragePool", [1, 4, 11, 11]), "gap-to-avgpool")
    assert dict(res.sites)["gap-to-avgpool"] == 0
    assert ops(res.model) == ["GlobalAveragePool"]
    assert any("11x11 does not factor into windows <= 8" in n for n in res.notes)


# --- reducemean-to-avgpool ------------------------------------------------------------------------

def test_reducemean_keepdims(run_one):
    res, check = run_one(_single("ReduceMean", [1, 3, 6, 8], axes=[2, 3], keepdims=1), "reducemean-to-avgpool")
    assert ops(res.model) == ["AveragePool"]
    assert check.ok and check.outputs[0].shape == (1, 3, 1, 1)


def test_reducemean_no_keepdims_opset18_axes_input(run_one):
    m = _single("ReduceMean", [2, 3, 4, 4], opset=18, extra_inputs=[np.array([-2, -1], np.int64)], keepdims=0)
    res, check = run_one(m, "reducemean-to-avgpool")
    assert ops(res.model) == ["AveragePool", "Flatten"]
    assert check.ok and check.outputs[0].shape == (2, 3)


def test_reducemean_over_channels_left_alone(run_one):
    res, _ = run_one(_single("ReduceMean", [1, 3, 4, 4], axes=[1], keepdims=1), "reducemean-to-avgpool")
    assert ops(res.model) == ["ReduceMean"]


# --- fc-to-conv -----------------------------------------------------------------------------------

def test_gemm_with_alpha_beta_and_map_input(run_one):
    g = Graph()
    f = g.op("Flatten", ["x"], axis=1)
    y = g.op("Gemm", [f, g.weight(36, 5), g.weight(1, 5)], alpha=0.5, beta=2.0)  # transB=0, bias [1, M]
    res, check = run_one(g.model([y], {"x": [2, 4, 3, 3]}, infer_shapes=True), "fc-to-conv")
    assert ops(res.model) == ["Conv", "Flatten"]
    conv_w = [i for i in res.model.graph.initializer if len(i.dims) == 4][0]
    assert list(conv_w.dims) == [5, 4, 3, 3]
    assert check.ok and check.outputs[0].shape == (2, 5) and check.max_abs_diff < 1e-5


def test_matmul_plus_bias_after_reshape(run_one):
    g = Graph()
    r = g.op("Reshape", ["x", g.init(np.array([0, -1], np.int64))])
    y = g.op("Add", [g.op("MatMul", [r, g.weight(8, 3)]), g.weight(3)])
    res, check = run_one(g.model([y], {"x": [1, 8, 1, 1]}, infer_shapes=True), "fc-to-conv")
    assert ops(res.model) == ["Conv", "Flatten"]
    assert len(res.model.graph.node[0].input) == 3  # the Add's bias became the conv bias
    assert check.ok


def test_matmul_of_two_activations_left_alone(run_one):
    g = Graph()
    f = g.op("Flatten", ["x"], axis=1)
    y = g.op("MatMul", [f, "w"])
    m = g.model([y], {"x": [1, 4, 1, 1], "w": [4, 2]}, infer_shapes=True)
    res, _ = run_one(m, "fc-to-conv")
    assert "MatMul" in ops(res.model)


# --- hardsigmoid / hardswish ----------------------------------------------------------------------

def test_hardsigmoid_custom_alpha_beta(run_one):
    res, check = run_one(_single("HardSigmoid", [1, 4, 5, 5], alpha=0.3, beta=0.4), "hardsigmoid-to-clip")
    assert ops(res.model) == ["Mul", "Add", "Clip", "Mul"]
    clip = res.model.graph.node[2]
    bounds = {i.name: onnx.numpy_helper.to_array(i) for i in res.model.graph.initializer}
    assert [float(bounds[n]) for n in clip.input[1:]] == [0.0, 6.0]
    assert check.ok and check.max_abs_diff < 1e-6


def test_hardsigmoid_opset9_uses_clip_attributes(run_one):
    res, check = run_one(_single("HardSigmoid", [1, 2, 3, 3], opset=9), "hardsigmoid-to-clip")
    assert attrs(res.model, "Clip") == [{"min": 0.0, "max": 6.0}]
    assert check.ok


def test_hardswish(run_one):
    res, check = run_one(_single("HardSwish", [1, 4, 6, 6], opset=14), "hardswish-to-clip")
    assert ops(res.model) == ["Add", "Clip", "Mul", "Mul"]
    assert check.ok and check.max_abs_diff < 1e-6


def test_hard_activation_not_rewritten_when_clip_limit_below_6(run_one, tight):
    res, _ = run_one(_single("HardSwish", [1, 4, 6, 6], opset=14), "hardswish-to-clip", lim=tight(clip_max=1))
    assert ops(res.model) == ["HardSwish"]


# --- pad-fold -------------------------------------------------------------------------------------

def _pad_then(op, pad_spec, value=None, relu=False, opset=13, **kw):
    g = Graph(opset=opset)
    x = g.op("Relu", ["x"]) if relu else "x"
    if opset >= 11:
        ins = [x, g.init(np.array(pad_spec, np.int64))] + ([g.init(np.array(value, np.float32))] if value is not None else [])
        p = g.op("Pad", ins, mode="constant")
    else:
        p = g.op("Pad", [x], pads=pad_spec, value=value or 0.0)
    if op == "Conv":
        y = g.op("Conv", [p, g.weight(4, 3, 3, 3)], kernel_shape=[3, 3], **kw)
    else:
        y = g.op(op, [p], kernel_shape=[3, 3], **kw)
    return g.model([y], {"x": [1, 3, 8, 8]}, infer_shapes=True)


def test_pad_into_conv(run_one):
    res, check = run_one(_pad_then("Conv", [0, 0, 1, 2, 0, 0, 1, 0], pads=[1, 0, 0, 1]), "pad-fold")
    assert ops(res.model) == ["Conv"]
    assert attrs(res.model, "Conv")[0]["pads"] == [2, 2, 1, 1]
    assert check.ok


def test_pad_into_averagepool_counts_padding(run_one):
    res, check = run_one(_pad_then("AveragePool", [0, 0, 1, 1, 0, 0, 1, 1]), "pad-fold")
    assert ops(res.model) == ["AveragePool"]
    assert attrs(res.model, "AveragePool")[0]["count_include_pad"] == 1
    assert check.ok


def test_pad_into_maxpool_only_after_relu(run_one):
    res, check = run_one(_pad_then("MaxPool", [0, 0, 1, 1, 0, 0, 1, 1], relu=True), "pad-fold")
    assert ops(res.model) == ["Relu", "MaxPool"]
    assert check.ok
    res, _ = run_one(_pad_then("MaxPool", [0, 0, 1, 1, 0, 0, 1, 1]), "pad-fold")
    assert ops(res.model) == ["Pad", "MaxPool"]
    assert any("non-negative inputs" in n for n in res.notes)


def test_pad_nonzero_value_or_channel_pad_left_alone(run_one):
    res, _ = run_one(_pad_then("Conv", [0, 0, 1, 1, 0, 0, 1, 1], value=1.0), "pad-fold")
    assert ops(res.model) == ["Pad", "Conv"]
    res, _ = run_one(_pad_then("AveragePool", [0, 1, 1, 1, 0, 0, 1, 1]), "pad-fold")
    assert ops(res.model) == ["Pad", "AveragePool"]


def test_pad_opset9_attribute_form(run_one):
    res, check = run_one(_pad_then("Conv", [0, 0, 1, 1, 0, 0, 1, 1], opset=9), "pad-fold")
    assert ops(res.model) == ["Conv"] and check.ok


# --- split-to-slices ------------------------------------------------------------------------------

def test_split_sizes_input(run_one):
    m = _single("Split", [1, 8, 4, 4], extra_inputs=[np.array([2, 6], np.int64)], n_out=2, axis=1)
    res, check = run_one(m, "split-to-slices")
    assert ops(res.model) == ["Slice", "Slice"]
    assert check.ok and [o.shape for o in check.outputs] == [(1, 2, 4, 4), (1, 6, 4, 4)]
    assert check.max_abs_diff == 0.0


def test_split_num_outputs_opset18_uneven(run_one):
    m = _single("Split", [1, 8, 4, 4], opset=18, n_out=3, axis=1, num_outputs=3)
    res, check = run_one(m, "split-to-slices")
    assert [o.shape[1] for o in check.outputs] == [3, 3, 2]
    assert ops(res.model) == ["Slice"] * 3 and check.ok


def test_split_on_batch_axis_left_alone(run_one):
    res, _ = run_one(_single("Split", [2, 8, 4, 4], n_out=2, axis=0), "split-to-slices")
    assert ops(res.model) == ["Split"]


# --- upsample-to-resize ---------------------------------------------------------------------------

def test_upsample_opset9_becomes_asymmetric_floor_resize(run_one):
    m = _single("Upsample", [1, 2, 3, 4], opset=9, extra_inputs=[np.array([1, 1, 2, 3], np.float32)], mode="nearest")
    res, check = run_one(m, "upsample-to-resize")
    assert "Resize" in ops(res.model) and "Upsample" not in ops(res.model)
    a = attrs(res.model, "Resize")[0]
    assert (a["coordinate_transformation_mode"], a["nearest_mode"]) == (b"asymmetric", b"floor")
    assert any("opset 9 to 11" in n for n in res.notes)
    assert check.ok and check.max_abs_diff == 0.0 and check.outputs[0].shape == (1, 2, 6, 12)


def test_resize_half_pixel_sizes_becomes_scales(run_one):
    g = Graph(opset=13)
    y = g.op("Resize", ["x", "", "", g.init(np.array([1, 2, 8, 4], np.int64))], mode="nearest")
    res, check = run_one(g.model([y], {"x": [1, 2, 2, 2]}, infer_shapes=True), "upsample-to-resize")
    node = res.model.graph.node[0]
    scales = {i.name: onnx.numpy_helper.to_array(i) for i in res.model.graph.initializer}[node.input[2]]
    assert scales.tolist() == [1.0, 1.0, 4.0, 2.0] and len(node.input) == 3
    assert check.ok and check.max_abs_diff == 0.0


def test_linear_resize_left_alone(run_one):
    g = Graph(opset=13)
    y = g.op("Resize", ["x", "", g.init(np.array([1, 1, 2, 2], np.float32))], mode="linear")
    res, _ = run_one(g.model([y], {"x": [1, 2, 2, 2]}, infer_shapes=True), "upsample-to-resize")
    assert attrs(res.model, "Resize")[0]["mode"] == b"linear"
    assert dict(res.sites)["upsample-to-resize"] == 0


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_resize_with_non_finite_scale_is_left_alone_with_a_note(limits, bad):
    g = Graph(opset=13)
    y = g.op("Resize", ["x", "", g.init(np.array([1, 1, bad, 2], np.float32))], mode="nearest")
    res = rw.apply_rewrites(g.model([y], {"x": [1, 2, 2, 2]}), rw.select("upsample-to-resize"), limits)
    assert dict(res.sites)["upsample-to-resize"] == 0 and ops(res.model) == ["Resize"]
    assert any("integer s" in n for n in res.notes), res.notes


# --- channel-shuffle-to-conv ----------------------------------------------------------------------

def test_channel_shuffle_is_a_permutation_conv(run_one):
    g = Graph()
    r = g.op("Reshape", ["x", g.init(np.array([2, 3, 4, 5, 5], np.int64))])
    t = g.op("Transpose", [r], perm=[0, 2, 1, 3, 4])
    y = g.op("Reshape", [t, g.init(np.array([2, 12, 5, 5], np.int64))])
    res, check = run_one(g.model([y], {"x": [2, 12, 5, 5]}, infer_shapes=True), "channel-shuffle-to-conv")
    assert ops(res.model) == ["Conv"]
    assert check.ok and check.max_abs_diff == 0.0  # 1*x plus zeros: bit-exact


# --- large-pool-split -----------------------------------------------------------------------------

def test_spp_maxpool_13_pad_6(run_one):
    res, check = run_one(_single("MaxPool", [1, 4, 20, 20], kernel_shape=[13, 13], pads=[6] * 4), "large-pool-split")
    a = attrs(res.model, "MaxPool")
    assert [x["kernel_shape"] for x in a] == [[8, 8], [6, 6]]
    assert [x["pads"] for x in a] == [[6, 6, 6, 6], [0, 0, 0, 0]]
    assert check.ok and check.max_abs_diff == 0.0


def test_strided_maxpool_keeps_stride_on_last_stage(run_one):
    res, check = run_one(_single("MaxPool", [1, 2, 21, 21], kernel_shape=[9, 3], strides=[2, 2]), "large-pool-split")
    a = attrs(res.model, "MaxPool")
    assert [x["kernel_shape"] for x in a] == [[8, 3], [2, 1]] and [x["strides"] for x in a] == [[1, 1], [2, 2]]
    assert check.ok and check.max_abs_diff == 0.0


def test_nonoverlapping_avgpool_factors(run_one):
    res, check = run_one(_single("AveragePool", [1, 2, 32, 32], kernel_shape=[16, 16], strides=[16, 16]),
                         "large-pool-split")
    assert [x["kernel_shape"] for x in attrs(res.model, "AveragePool")] == [[8, 8], [2, 2]]
    assert check.ok and check.outputs[0].shape == (1, 2, 2, 2)


def test_overlapping_avgpool_left_alone(run_one):
    res, _ = run_one(_single("AveragePool", [1, 2, 12, 12], kernel_shape=[10, 10]), "large-pool-split")
    assert ops(res.model) == ["AveragePool"]
    assert any("no exact split" in n for n in res.notes)


# --- shapes behind a dynamic batch ----------------------------------------------------------------

def test_gap_after_reshape_to_shape_of_with_dynamic_batch(run_one):
    # Reshape(x, Shape(y)) hides H, W from ONNX inference when the batch is symbolic (GroupNorm exports).
    g = Graph()
    r = g.op("Relu", [g.op("Reshape", ["x", g.init(np.array([0, 2, -1], np.int64))])])
    back = g.op("Reshape", [r, g.op("Shape", ["x"])])
    y = g.op("GlobalAveragePool", [back])
    res, check = run_one(g.model([y], {"x": ["N", 4, 6, 6]}, infer_shapes=True), "gap-to-avgpool", shapes={"x": (3, 4, 6, 6)})
    assert attrs(res.model, "AveragePool")[0]["kernel_shape"] == [6, 6]
    assert check.ok and check.outputs[0].shape == (3, 4, 1, 1)


def test_dynamic_spatial_dims_are_never_baked_in(run_one):
    res, _ = run_one(_single("GlobalAveragePool", [1, 4, "H", "W"]), "gap-to-avgpool")
    assert ops(res.model) == ["GlobalAveragePool"]
    assert any("static H and W" in n for n in res.notes)
