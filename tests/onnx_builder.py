"""The one way tests build small ONNX models, on top of onnx.helper.

Two levels, both ending in ``model``:

* pieces for hand-written graphs: ``vi`` (a graph input/output), ``array`` and ``full`` (initializers),
  ``constant`` (a Constant node), ``conv`` (a Conv node and its weight), ``model`` (the ModelProto, IR
  version 8 unless told otherwise, as the tests have always written them) and ``net_of`` (the
  importer's Network of that model);
* ``Graph``, which names nodes and tensors itself and draws seeded weights: ``g.op("Relu", [x])``
  returns the output's name.

Weights are constants or seeded random numbers: layout analysis reads shapes and layer kinds, and the
rewrite tests compare outputs, so only reproducibility matters. Imported by name (``from onnx_builder
import Graph``); whole models a repository script makes come from models/*.py through
``support.load_script``.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

FLOAT = TensorProto.FLOAT
IR_VERSION = 8


def vi(name: str, shape, dtype: int = FLOAT) -> onnx.ValueInfoProto:
    """A graph input or output; ``shape=None`` leaves the shape to inference."""
    return helper.make_tensor_value_info(name, dtype, None if shape is None else list(shape))


def array(name: str, value, dtype=None) -> onnx.TensorProto:
    """An initializer holding ``value``."""
    return numpy_helper.from_array(np.asarray(value, dtype=dtype), name)


def full(name: str, shape, value: float = 0.01, dtype=np.float32) -> onnx.TensorProto:
    """An initializer of ``shape`` with every element ``value``."""
    return numpy_helper.from_array(np.full(shape, value, dtype), name)


def constant(name: str, value, dtype=np.int64) -> onnx.NodeProto:
    """A Constant node named ``name`` whose output is also ``name`` (exporters' literal shape math)."""
    return helper.make_node("Constant", [], [name], name=name, value=numpy_helper.from_array(np.asarray(value, dtype)))


def conv(name: str, x: str, y: str, cin: int, cout: int, k: int = 3, pad: int | None = None, stride: int = 1,
         group: int = 1, weight: np.ndarray | None = None, **attrs) -> tuple[onnx.NodeProto, onnx.TensorProto]:
    """A k x k Conv ``x -> y`` named ``name`` (padding ``k // 2`` unless given) and its weight ``name.w``:
    0.01 everywhere unless ``weight`` is given. Stride and group appear only when not 1."""
    pad = k // 2 if pad is None else pad
    if stride != 1:
        attrs["strides"] = [stride, stride]
    if group != 1:
        attrs["group"] = group
    attrs.setdefault("pads", [pad] * 4)
    node = helper.make_node("Conv", [x, f"{name}.w"], [y], name=name, kernel_shape=[k, k], **attrs)
    w = full(f"{name}.w", (cout, cin // group, k, k)) if weight is None else array(f"{name}.w", weight, np.float32)
    return node, w


def model(nodes, inputs, outputs, inits=(), opset: int = 13, name: str = "g", check: bool = False,
          infer_shapes: bool = False, ir_version: int = IR_VERSION) -> onnx.ModelProto:
    """The ModelProto of ``nodes`` (default-domain ``opset``); ``check`` runs onnx's checker,
    ``infer_shapes`` stores onnx's inferred shapes as value_info. Opsets past 19 need ``ir_version=9``."""
    g = helper.make_graph(list(nodes), name, list(inputs), list(outputs), list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], producer_name="dla-advisor tests")
    m.ir_version = ir_version
    if check:
        onnx.checker.check_model(m)
    return onnx.shape_inference.infer_shapes(m) if infer_shapes else m


def net_of(nodes, inputs, outputs, inits=(), shapes=None, **model_kw):
    """The importer's Network of ``model(nodes, inputs, outputs, inits, **model_kw)``."""
    from dla_advisor.graph import network_from_model

    return network_from_model(model(nodes, inputs, outputs, inits, **model_kw), shapes=shapes)


class Graph:
    """A graph that names what it adds: node ``{Op}_{n}`` (or the name given), output ``{node}_out``
    (``{node}_out{i}`` for several), initializer ``c{n}``; weights are seeded normal numbers."""

    def __init__(self, opset: int = 13, seed: int = 0):
        self.opset, self.nodes, self.inits, self.n = opset, [], [], 0
        self.rng = np.random.default_rng(seed)

    def init(self, value, name: str | None = None, dtype=None) -> str:
        self.n += 1
        name = name or f"c{self.n}"
        self.inits.append(array(name, value, dtype))
        return name

    def weight(self, *shape: int, scale: float = 0.1) -> str:
        return self.init((self.rng.standard_normal(shape) * scale).astype(np.float32))

    def op(self, op: str, inputs: list[str], name: str | None = None, n_out: int = 1, **attrs):
        """Add node ``op``; its output name, or the list of them when ``n_out > 1``."""
        self.n += 1
        name = name or f"{op}_{self.n}"
        outs = [f"{name}_out{i}" for i in range(n_out)] if n_out > 1 else [f"{name}_out"]
        self.nodes.append(helper.make_node(op, inputs, outs, name=name, **attrs))
        return outs if n_out > 1 else outs[0]

    def conv(self, x: str, cin: int, cout: int, name: str | None = None, k: int = 3, stride: int = 1,
             pad: int | None = None, bias: bool = False, relu: bool = False, scale: float = 0.2) -> str:
        """A k x k Conv of seeded weights (``scale`` their deviation), optionally with a bias and a Relu."""
        pad = k // 2 if pad is None else pad
        ins = [x, self.weight(cout, cin, k, k, scale=scale)] + ([self.weight(cout, scale=scale)] if bias else [])
        attrs = {"strides": [stride, stride]} if stride != 1 else {}
        y = self.op("Conv", ins, name, kernel_shape=[k, k], pads=[pad] * 4, **attrs)
        return self.op("Relu", [y]) if relu else y

    def qdq(self, x: str, scale, zp=0, zp_dtype=np.int8, axis: int | None = None, name: str | None = None) -> str:
        """QuantizeLinear -> DequantizeLinear on ``x`` (nodes ``{name}/Q``, ``{name}/DQ``); the DQ's output."""
        name = name or f"qdq{len(self.nodes)}"
        s, z = self.init(scale, dtype=np.float32), self.init(zp, dtype=zp_dtype)
        kw = {} if axis is None else {"axis": axis}
        self.nodes += [helper.make_node("QuantizeLinear", [x, s, z], [f"{name}_q"], name=f"{name}/Q", **kw),
                       helper.make_node("DequantizeLinear", [f"{name}_q", s, z], [f"{name}_dq"], name=f"{name}/DQ", **kw)]
        return f"{name}_dq"

    def model(self, outputs, inputs: dict | None = None, name: str = "g", infer_shapes: bool = False) -> onnx.ModelProto:
        """The model reading ``inputs`` ({name: shape}, default one ``input`` of 1x4x8x8) and writing
        ``outputs`` (a name or a list of them) with shapes left to inference."""
        outputs = [outputs] if isinstance(outputs, str) else list(outputs)
        inputs = {"input": [1, 4, 8, 8]} if inputs is None else inputs
        return model(self.nodes, [vi(n, s) for n, s in inputs.items()], [vi(o, None) for o in outputs], self.inits,
                     self.opset, name, infer_shapes=infer_shapes)
