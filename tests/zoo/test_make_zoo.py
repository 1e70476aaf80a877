"""The skeleton writer of models/make_zoo.py: data goes, everything layout analysis reads stays."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from dla_advisor.graph import network_from_model
from dla_advisor.layout import BuildConfig, predict
from dla_advisor.platforms import load_platform
from onnx_builder import array, model, vi
from support import load_script


def _make_zoo():
    return load_script("models/make_zoo.py", "make_zoo")  # torch and ultralytics are imported only inside the exports


def _model() -> onnx.ModelProto:
    rng = np.random.default_rng(0)
    w = array("conv.weight", rng.standard_normal((64, 32, 3, 3)), np.float32)
    b = array("conv.bias", rng.standard_normal(64), np.float32)
    shape = array("shape", [1, 64, -1], np.int64)
    big_const = array("c", rng.standard_normal((1, 64, 16, 16)), np.float16)
    nodes = [
        helper.make_node("Conv", ["x", "conv.weight", "conv.bias"], ["y"], name="/conv/Conv", pads=[1, 1, 1, 1],
                         kernel_shape=[3, 3]),
        helper.make_node("Constant", [], ["k"], name="/Constant", value=big_const),
        helper.make_node("Cast", ["k"], ["kf"], name="/Cast", to=TensorProto.FLOAT),
        helper.make_node("Add", ["y", "kf"], ["z"], name="/Add"),
        helper.make_node("Reshape", ["z", "shape"], ["out"], name="/Reshape"),
    ]
    return model(nodes, [vi("x", [1, 32, 16, 16])], [vi("out", [1, 64, 256])], [w, b, shape], opset=17)


def test_skeleton_drops_large_data_keeps_shapes_and_small_values_and_the_layout_is_unchanged():
    mz = _make_zoo()
    original = _model()
    skeleton = onnx.ModelProto()
    skeleton.CopyFrom(original)
    dropped, nbytes = mz.skeletonize(skeleton, "m.weights")

    assert dropped == 2 and nbytes == 64 * 32 * 9 * 4 + 64 * 256 * 2  # the conv weight and the fp16 Constant
    inits = {t.name: t for t in skeleton.graph.initializer}
    w = inits["conv.weight"]
    assert w.data_location == TensorProto.EXTERNAL and list(w.dims) == [64, 32, 3, 3]
    assert w.data_type == TensorProto.FLOAT and not w.raw_data and not w.float_data
    assert {e.key: e.value for e in w.external_data}["location"] == "m.weights"
    const = skeleton.graph.node[1].attribute[0].t
    assert const.data_location == TensorProto.EXTERNAL and const.data_type == TensorProto.FLOAT16
    # Bias and the Reshape target keep their values (the importer folds shape math with them).
    assert numpy_helper.to_array(inits["shape"]).tolist() == [1, 64, -1]
    assert np.array_equal(numpy_helper.to_array(inits["conv.bias"]), numpy_helper.to_array(original.graph.initializer[1]))
    assert skeleton.ByteSize() < original.ByteSize() / 10

    a, b = network_from_model(original), network_from_model(skeleton)
    assert [(l.name, l.kind, l.inputs, l.outputs) for l in a] == [(l.name, l.kind, l.inputs, l.outputs) for l in b]
    assert {n: t.shape for n, t in a.tensors.items()} == {n: t.shape for n, t in b.tensors.items()}
    target = load_platform("orin-trt10")
    la, lb = (predict(n, target, BuildConfig(precision="fp16")) for n in (a, b))
    assert [(p.name, p.device) for p in la.placements] == [(p.name, p.device) for p in lb.placements]
