"""Importer regressions found with miniature PyTorch-style exports (tests/zoo)."""

from __future__ import annotations

from onnx import helper

from dla_advisor.graph import network_from_model
from onnx_builder import constant, full, model, vi


def _model(nodes, inits, out, out_shape, in_shape=("batch_size", 16, 4, 4)):
    return model(nodes, [vi("x", in_shape)], [vi(out, out_shape)], inits, check=True)


def test_floor_divide_shape_math_folds_and_keeps_the_5d_reshape_shape():
    # c // 2 on a traced size, as torch's floor_divide symbolic writes it (ShuffleNet's channel shuffle).
    nodes = [
        helper.make_node("Shape", ["x"], ["s"], name="Shape"), constant("i1", 1),
        helper.make_node("Gather", ["s", "i1"], ["c"], name="Gather", axis=0), constant("two", 2), constant("zero", 0),
        helper.make_node("Div", ["c", "two"], ["q"], name="Div"),
        helper.make_node("Less", ["c", "zero"], ["l1"], name="Less"),
        helper.make_node("Less", ["two", "zero"], ["l2"], name="Less_1"),
        helper.make_node("Xor", ["l1", "l2"], ["neg"], name="Xor"),
        helper.make_node("Mul", ["q", "two"], ["qm"], name="Mul"),
        helper.make_node("Sub", ["c", "qm"], ["mod"], name="Sub"),
        helper.make_node("Equal", ["mod", "zero"], ["eq"], name="Equal"),
        helper.make_node("Not", ["eq"], ["nz"], name="Not"),
        helper.make_node("And", ["neg", "nz"], ["fix"], name="And"), constant("one", 1),
        helper.make_node("Sub", ["q", "one"], ["qm1"], name="Sub_1"),
        helper.make_node("Where", ["fix", "qm1", "q"], ["cpg"], name="Where"),
        constant("ax", [0]), helper.make_node("Unsqueeze", ["cpg", "ax"], ["cpg1"], name="Unsqueeze"),
        constant("head", [1, 2]), constant("tail", [4, 4]),
        helper.make_node("Concat", ["head", "cpg1", "tail"], ["target"], name="Concat", axis=0),
        helper.make_node("Reshape", ["x", "target"], ["y"], name="Reshape"),
    ]
    net = network_from_model(_model(nodes, [], "y", [1, 2, 8, 4, 4]), shapes={"x": (1, 16, 4, 4)})
    assert list(net.layers) == ["Reshape"]
    assert net.tensors["y"].shape == (1, 2, 8, 4, 4)  # without Xor folded this was None (rank unknown)
    assert len(net.folded_nodes) == len(nodes) - 1


def test_constant_broadcast_along_the_last_axis_is_recorded_for_the_broadcast_rule():
    # LayerNorm's affine weight [C] on a channel-last [N,H,W,C] tensor (ConvNeXt): not per-channel in NCHW.
    w = full("ln.weight", 16, 1.0)
    nodes = [helper.make_node("Transpose", ["x"], ["t"], name="Transpose", perm=[0, 2, 3, 1]),
             helper.make_node("Mul", ["t", "ln.weight"], ["y"], name="Mul")]
    net = network_from_model(_model(nodes, [w], "y", [1, 4, 4, 16], in_shape=(1, 16, 4, 4)))
    mul = net.layers["Mul"]
    assert mul.kind == "ElementWise"
    assert mul.attrs["broadcast"] == [(1, 4, 4, 16), (1, 1, 1, 16)]


def test_per_channel_constant_stays_a_scale_layer_without_broadcast():
    w = full("gamma", (16, 1, 1), 1.0)
    nodes = [helper.make_node("Mul", ["gamma", "x"], ["y"], name="Mul")]
    net = network_from_model(_model(nodes, [w], "y", [1, 16, 4, 4], in_shape=(1, 16, 4, 4)))
    assert net.layers["Mul"].kind == "Scale" and "broadcast" not in net.layers["Mul"].attrs


def test_import_leaves_the_garbage_collector_as_it_found_it():
    import gc

    import pytest

    from dla_advisor.errors import ModelLoadError

    nodes = [helper.make_node("Relu", ["x"], ["y"], name="Relu")]
    model = _model(nodes, [], "y", [1, 16, 4, 4], in_shape=(1, 16, 4, 4))
    assert gc.isenabled()
    network_from_model(model)
    assert gc.isenabled()
    with pytest.raises(ModelLoadError):
        network_from_model(model, shapes={"nope": (1,)})
    assert gc.isenabled()
    gc.disable()
    try:
        network_from_model(model)
        assert not gc.isenabled()
    finally:
        gc.enable()
