"""Tiny ONNX graphs for the rule test cases (tests/rules/*.yaml name them by function name).

Each builder returns an ``onnx.ModelProto`` made with onnx.helper only; weights are small constants
because the rules look at shapes and layer kinds, not values.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

REPO = Path(__file__).resolve().parents[2]


def _model(nodes, inputs, outputs, inits=(), opset=13, name="case"):
    g = helper.make_graph(nodes, name, inputs, outputs, list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], producer_name="dla-advisor tests")
    m.ir_version = 8
    return m


def _vi(name, shape, dtype=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, dtype, shape)


def _w(name, shape, value=0.01):
    return numpy_helper.from_array(np.full(shape, value, np.float32), name)


def _conv(name, x, y, cin, cout, k=3, pad=None, stride=1, group=1):
    pad = k // 2 if pad is None else pad
    node = helper.make_node("Conv", [x, f"{name}.w"], [y], name=name, kernel_shape=[k, k], pads=[pad] * 4,
                            strides=[stride, stride], group=group)
    return node, _w(f"{name}.w", (cout, cin // group, k, k))


def seed_conv():
    """The forum seed's model (committed): 1x3x1024x1024 -> Conv 9x9 -> 1x10x1016x1016."""
    return onnx.load(str(REPO / "models" / "conv2d_1024.onnx"))


def conv_chain(channels: int = 16, size: int = 32, convs: int = 2, kernel: int = 3, stride: int = 1):
    """Conv -> Relu repeated; every layer DLA-capable unless kernel/stride are out of range."""
    nodes, inits, x = [], [], "input"
    cin = 3
    for i in range(convs):
        n, w = _conv(f"conv{i}", x, f"c{i}", cin, channels, k=kernel if i == 0 else 3, stride=stride if i == 0 else 1)
        nodes += [n, helper.make_node("Relu", [f"c{i}"], [f"r{i}"], name=f"relu{i}")]
        inits.append(w)
        x, cin = f"r{i}", channels
    nodes.append(helper.make_node("Identity", [x], ["output"], name="out"))
    return _model(nodes, [_vi("input", [1, 3, size, size])], [_vi("output", None)], inits)


def islands(splits: int = 1, channels: int = 8, size: int = 16):
    """Convs separated by ``splits`` Exp layers (not on DLA): ``splits + 1`` DLA islands."""
    nodes, inits = [], []
    n, w = _conv("conv0", "input", "c0", 3, channels)
    nodes.append(n)
    inits.append(w)
    x = "c0"
    for i in range(splits):
        nodes.append(helper.make_node("Exp", [x], [f"e{i}"], name=f"exp{i}"))
        n, w = _conv(f"conv{i + 1}", f"e{i}", f"c{i + 1}", channels, channels)
        nodes.append(n)
        inits.append(w)
        x = f"c{i + 1}"
    nodes.append(helper.make_node("Relu", [x], ["output"], name="relu_out"))
    return _model(nodes, [_vi("input", [1, 3, size, size])], [_vi("output", None)], inits)


def matmul_activations():
    """Conv then MatMul of the activation with itself transposed (attention-like)."""
    n, w = _conv("conv0", "input", "c0", 3, 8)
    nodes = [n,
             helper.make_node("Transpose", ["c0"], ["t0"], name="transpose0", perm=[0, 1, 3, 2]),
             helper.make_node("MatMul", ["c0", "t0"], ["output"], name="matmul0")]
    return _model(nodes, [_vi("input", [1, 3, 16, 16])], [_vi("output", None)], [w])


def concat(axis: int = 1):
    """Two convs concatenated along ``axis`` then a conv."""
    a, wa = _conv("conv_a", "input", "a", 3, 8)
    b, wb = _conv("conv_b", "input", "b", 3, 8)
    cat = helper.make_node("Concat", ["a", "b"], ["cat"], name="concat0", axis=axis)
    cin = 16 if axis == 1 else 8
    c, wc = _conv("conv_c", "cat", "output", cin, 8)
    return _model([a, b, cat, c], [_vi("input", [1, 3, 16, 16])], [_vi("output", None)], [wa, wb, wc])


def global_avg_pool(size: int = 4):
    """Conv -> GlobalAveragePool -> Conv 1x1 (the tutorial CNN's head without the flatten)."""
    a, wa = _conv("conv0", "input", "c0", 3, 16)
    gap = helper.make_node("GlobalAveragePool", ["c0"], ["g"], name="gap0")
    b, wb = _conv("conv1", "g", "output", 16, 8, k=1, pad=0)
    return _model([a, gap, b], [_vi("input", [1, 3, size, size])], [_vi("output", None)], [wa, wb])


def dynamic_batch():
    """A conv whose input batch is symbolic."""
    n, w = _conv("conv0", "input", "output", 3, 8)
    return _model([n], [_vi("input", ["N", 3, 16, 16])], [_vi("output", None)], [w])


def qdq_conv():
    """QuantizeLinear -> DequantizeLinear -> Conv, as QAT exports produce."""
    scale = numpy_helper.from_array(np.array(0.05, np.float32), "scale")
    zero = numpy_helper.from_array(np.array(0, np.int8), "zero")
    q = helper.make_node("QuantizeLinear", ["input", "scale", "zero"], ["q"], name="quant0")
    dq = helper.make_node("DequantizeLinear", ["q", "scale", "zero"], ["dq"], name="dequant0")
    n, w = _conv("conv0", "dq", "output", 3, 8)
    return _model([q, dq, n], [_vi("input", [1, 3, 16, 16])], [_vi("output", None)], [w, scale, zero])


def qdq_conv_scaled():
    """Q/DQ on the input and on the output of a Conv: every tensor DLA touches has a scale."""
    scale = numpy_helper.from_array(np.array(0.05, np.float32), "scale")
    oscale = numpy_helper.from_array(np.array(0.2, np.float32), "oscale")
    zero = numpy_helper.from_array(np.array(0, np.int8), "zero")
    q = helper.make_node("QuantizeLinear", ["input", "scale", "zero"], ["q"], name="quant0")
    dq = helper.make_node("DequantizeLinear", ["q", "scale", "zero"], ["dq"], name="dequant0")
    n, w = _conv("conv0", "dq", "c0", 3, 8)
    q1 = helper.make_node("QuantizeLinear", ["c0", "oscale", "zero"], ["q1"], name="quant1")
    dq1 = helper.make_node("DequantizeLinear", ["q1", "oscale", "zero"], ["output"], name="dequant1")
    return _model([q, dq, n, q1, dq1], [_vi("input", [1, 3, 16, 16])], [_vi("output", None)], [w, scale, oscale, zero])


def softmax_head():
    """Conv -> Softmax over channels (on DLA on Orin, not on Xavier)."""
    n, w = _conv("conv0", "input", "c0", 3, 8)
    sm = helper.make_node("Softmax", ["c0"], ["output"], name="softmax0", axis=1)
    return _model([n, sm], [_vi("input", [1, 3, 16, 16])], [_vi("output", None)], [w])


def big_kernel_conv(kernel: int = 33):
    """One convolution with a kernel above DLA's 32."""
    n, w = _conv("conv0", "input", "output", 3, 4, k=kernel, pad=0)
    return _model([n], [_vi("input", [1, 3, 64, 64])], [_vi("output", None)], [w])


BUILDERS = {f.__name__: f for f in (seed_conv, conv_chain, islands, matmul_activations, concat, global_avg_pool,
                                    dynamic_batch, qdq_conv, qdq_conv_scaled, softmax_head, big_kernel_conv)}
