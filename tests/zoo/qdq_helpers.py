"""Shared by the Q/DQ tests: the generator script, the committed skeletons, and making a skeleton runnable."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from onnx_builder import Graph
from support import ZOO, load_script

QDQ_ZOO = ZOO / "qdq"
SKELETONS = sorted(p.stem for p in QDQ_ZOO.glob("*.onnx"))


def make_qdq_models():
    """models/make_qdq_models.py as a module (it is a script, not part of the package)."""
    return load_script("models/make_qdq_models.py", "make_qdq_models")


def load_skeleton(name: str) -> onnx.ModelProto:
    return onnx.load(str(QDQ_ZOO / f"{name}.onnx"), load_external_data=False)


def filled(model: onnx.ModelProto, seed: int = 0) -> onnx.ModelProto:
    """The skeleton with every dropped weight replaced by seeded values of its dtype and dims (scales are
    kept as committed), so onnxruntime can run it."""
    out = onnx.ModelProto()
    out.CopyFrom(model)
    rng = np.random.default_rng(seed)
    for i, init in enumerate(out.graph.initializer):
        if init.data_location != TensorProto.EXTERNAL:
            continue
        dims = tuple(init.dims)
        if init.data_type == TensorProto.INT8:
            arr = rng.integers(-127, 128, dims).astype(np.int8)
        else:
            fan_in = int(np.prod(dims[1:])) if len(dims) > 1 else 1
            arr = (rng.standard_normal(dims) * np.sqrt(2.0 / fan_in)).astype(np.float32)
        out.graph.initializer[i].CopyFrom(numpy_helper.from_array(arr, init.name))
    return out


def activation_scales(model: onnx.ModelProto) -> dict[str, float]:
    """What the model itself says: the scale of every QuantizeLinear on an activation (not on a constant),
    under the tensor's name in the Q/DQ-free model: a tensor whose Q/DQ pair ends in a graph output takes
    the output's name (the model keeps its output names)."""
    consts = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    for n in model.graph.node:
        if n.op_type == "Constant":
            consts[n.output[0]] = numpy_helper.to_array(helper.get_attribute_value(n.attribute[0]))
    weights = set(consts)
    graph_outputs = {o.name for o in model.graph.output}
    dq_out = {n.input[0]: n.output[0] for n in model.graph.node if n.op_type == "DequantizeLinear"}
    out = {}
    for n in model.graph.node:
        if n.op_type == "QuantizeLinear" and n.input[0] not in weights:
            name = dq_out.get(n.output[0]) if dq_out.get(n.output[0]) in graph_outputs else n.input[0]
            out[name] = float(np.asarray(consts[n.input[1]], np.float32).reshape(()))
    return out


# -- small synthetic Q/DQ graphs (layouts the zoo does not cover) -----------------------------------
def concat_model(opset=13):
    g = Graph(opset)
    x = g.qdq("input", 0.02)
    a, b = g.conv(x, 4, 4, "ca"), g.conv(x, 4, 4, "cb")
    cat = g.op("Concat", [g.qdq(a, 0.05, name="qa"), g.qdq(b, 0.07, name="qb")], "cat", axis=1)
    return g.model(g.conv(g.qdq(cat, 0.07, name="qcat"), 8, 4, "cc"))


def residual_model(opset=13):
    g = Graph(opset)
    x = g.qdq("input", 0.02)
    y = g.conv(x, 4, 4, "c1")
    s = g.op("Add", [g.qdq(y, 0.04, name="qy"), g.qdq("input", 0.02, name="qskip")], "add")
    return g.model(g.op("Relu", [s], "relu"))
