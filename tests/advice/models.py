"""Tiny ONNX graphs for the rule test cases (tests/rules/*.yaml name them by function name).

Each builder returns an ``onnx.ModelProto`` made with the tests' ``onnx_builder``; weights are small
constants because the rules look at shapes and layer kinds, not values.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import helper

from onnx_builder import array, conv, full, model, vi
from support import SEED_MODEL


def seed_conv():
    """The forum seed's model (committed): 1x3x1024x1024 -> Conv 9x9 -> 1x10x1016x1016."""
    return onnx.load(str(SEED_MODEL))


def conv_chain(channels: int = 16, size: int = 32, convs: int = 2, kernel: int = 3, stride: int = 1):
    """Conv -> Relu repeated; every layer DLA-capable unless kernel/stride are out of range."""
    nodes, inits, x = [], [], "input"
    cin = 3
    for i in range(convs):
        n, w = conv(f"conv{i}", x, f"c{i}", cin, channels, k=kernel if i == 0 else 3, stride=stride if i == 0 else 1)
        nodes += [n, helper.make_node("Relu", [f"c{i}"], [f"r{i}"], name=f"relu{i}")]
        inits.append(w)
        x, cin = f"r{i}", channels
    nodes.append(helper.make_node("Identity", [x], ["output"], name="out"))
    return model(nodes, [vi("input", [1, 3, size, size])], [vi("output", None)], inits)


def islands(splits: int = 1, channels: int = 8, size: int = 16):
    """Convs separated by ``splits`` Exp layers (not on DLA): ``splits + 1`` DLA islands."""
    nodes, inits = [], []
    n, w = conv("conv0", "input", "c0", 3, channels)
    nodes.append(n)
    inits.append(w)
    x = "c0"
    for i in range(splits):
        nodes.append(helper.make_node("Exp", [x], [f"e{i}"], name=f"exp{i}"))
        n, w = conv(f"conv{i + 1}", f"e{i}", f"c{i + 1}", channels, channels)
        nodes.append(n)
        inits.append(w)
        x = f"c{i + 1}"
    nodes.append(helper.make_node("Relu", [x], ["output"], name="relu_out"))
    return model(nodes, [vi("input", [1, 3, size, size])], [vi("output", None)], inits)


def matmul_activations():
    """Conv then MatMul of the activation with itself transposed (attention-like)."""
    n, w = conv("conv0", "input", "c0", 3, 8)
    nodes = [n,
             helper.make_node("Transpose", ["c0"], ["t0"], name="transpose0", perm=[0, 1, 3, 2]),
             helper.make_node("MatMul", ["c0", "t0"], ["output"], name="matmul0")]
    return model(nodes, [vi("input", [1, 3, 16, 16])], [vi("output", None)], [w])


def concat(axis: int = 1):
    """Two convs concatenated along ``axis`` then a conv."""
    a, wa = conv("conv_a", "input", "a", 3, 8)
    b, wb = conv("conv_b", "input", "b", 3, 8)
    cat = helper.make_node("Concat", ["a", "b"], ["cat"], name="concat0", axis=axis)
    cin = 16 if axis == 1 else 8
    c, wc = conv("conv_c", "cat", "output", cin, 8)
    return model([a, b, cat, c], [vi("input", [1, 3, 16, 16])], [vi("output", None)], [wa, wb, wc])


def global_avg_pool(size: int = 4):
    """Conv -> GlobalAveragePool -> Conv 1x1 (the tutorial CNN's head without the flatten)."""
    a, wa = conv("conv0", "input", "c0", 3, 16)
    gap = helper.make_node("GlobalAveragePool", ["c0"], ["g"], name="gap0")
    b, wb = conv("conv1", "g", "output", 16, 8, k=1, pad=0)
    return model([a, gap, b], [vi("input", [1, 3, size, size])], [vi("output", None)], [wa, wb])


def dynamic_batch():
    """A conv whose input batch is symbolic."""
    n, w = conv("conv0", "input", "output", 3, 8)
    return model([n], [vi("input", ["N", 3, 16, 16])], [vi("output", None)], [w])


def qdq_conv():
    """QuantizeLinear -> DequantizeLinear -> Conv, as QAT exports produce."""
    scale = array("scale", 0.05, np.float32)
    zero = array("zero", 0, np.int8)
    q = helper.make_node("QuantizeLinear", ["input", "scale", "zero"], ["q"], name="quant0")
    dq = helper.make_node("DequantizeLinear", ["q", "scale", "zero"], ["dq"], name="dequant0")
    n, w = conv("conv0", "dq", "output", 3, 8)
    return model([q, dq, n], [vi("input", [1, 3, 16, 16])], [vi("output", None)], [w, scale, zero])


def qdq_conv_scaled():
    """Q/DQ on the input and on the output of a Conv: every tensor DLA touches has a scale."""
    scale = array("scale", 0.05, np.float32)
    oscale = array("oscale", 0.2, np.float32)
    zero = array("zero", 0, np.int8)
    q = helper.make_node("QuantizeLinear", ["input", "scale", "zero"], ["q"], name="quant0")
    dq = helper.make_node("DequantizeLinear", ["q", "scale", "zero"], ["dq"], name="dequant0")
    n, w = conv("conv0", "dq", "c0", 3, 8)
    q1 = helper.make_node("QuantizeLinear", ["c0", "oscale", "zero"], ["q1"], name="quant1")
    dq1 = helper.make_node("DequantizeLinear", ["q1", "oscale", "zero"], ["output"], name="dequant1")
    return model([q, dq, n, q1, dq1], [vi("input", [1, 3, 16, 16])], [vi("output", None)], [w, scale, oscale, zero])


def softmax_head():
    """Conv -> Softmax over channels (on DLA on Orin, not on Xavier)."""
    n, w = conv("conv0", "input", "c0", 3, 8)
    sm = helper.make_node("Softmax", ["c0"], ["output"], name="softmax0", axis=1)
    return model([n, sm], [vi("input", [1, 3, 16, 16])], [vi("output", None)], [w])


def big_kernel_conv(kernel: int = 33):
    """One convolution with a kernel above DLA's 32."""
    n, w = conv("conv0", "input", "output", 3, 4, k=kernel, pad=0)
    return model([n], [vi("input", [1, 3, 64, 64])], [vi("output", None)], [w])


def hardswish_island(channels: int = 8, size: int = 16):
    """conv -> HardSwish -> conv: the HardSwish falls back and ``hardswish-to-clip`` rewrites it."""
    n0, w0 = conv("conv0", "input", "c0", 3, channels)
    n1, w1 = conv("conv1", "h", "output", channels, channels)
    nodes = [n0, helper.make_node("HardSwish", ["c0"], ["h"], name="hswish"), n1]
    return model(nodes, [vi("input", [1, 3, size, size])], [vi("output", None)], [w0, w1], opset=14)


def fc_head(channels: int = 8, size: int = 4, classes: int = 10):
    """conv -> Flatten -> Gemm: the 2-D Flatten and Gemm are off DLA and ``fc-to-conv`` applies."""
    n0, w0 = conv("conv0", "input", "c0", 3, channels)
    fc_w = full("fc_w", [classes, channels * size * size])
    nodes = [n0, helper.make_node("Flatten", ["c0"], ["flat"], name="flatten", axis=1),
             helper.make_node("Gemm", ["flat", "fc_w"], ["output"], name="fc", transB=1)]
    return model(nodes, [vi("input", [1, 3, size, size])], [vi("output", None)], [w0, fc_w])


def reshape_head(branches: int = 3, channels: int = 8, size: int = 8):
    """A detection-head tail: per-branch conv -> Reshape to 3-D -> Concat along the anchors -> Sigmoid.

    Every Reshape, the Concat and the Sigmoid work on 3-D tensors: one cause (not 4-D) at many sites,
    none of them a Flatten + Gemm, so ``fc-to-conv`` must not be offered.
    """
    nodes, inits, parts = [], [], []
    n, w = conv("stem", "input", "s", 3, channels)
    nodes.append(n)
    inits.append(w)
    for b in range(branches):
        n, w = conv(f"head{b}", "s", f"h{b}", channels, channels, k=1)
        nodes.append(n)
        inits.append(w)
        shape = array(f"shape{b}", [1, channels, -1], np.int64)
        inits.append(shape)
        nodes.append(helper.make_node("Reshape", [f"h{b}", f"shape{b}"], [f"r{b}"], name=f"reshape{b}"))
        parts.append(f"r{b}")
    nodes.append(helper.make_node("Concat", parts, ["cat"], name="concat", axis=2))
    nodes.append(helper.make_node("Sigmoid", ["cat"], ["output"], name="sigmoid"))
    return model(nodes, [vi("input", [1, 3, size, size])], [vi("output", None)], inits)


def const_tail(channels: int = 8, size: int = 8):
    """conv -> Reshape to 3-D -> Mul by a 2-D constant grid: the Mul (GPU) lists the grid as a CONSTANT layer."""
    n0, w0 = conv("conv0", "input", "c0", 3, channels)
    shape = array("shape", [1, channels, size * size], np.int64)
    grid = array("grid", np.linspace(0, 1, size * size, dtype=np.float32).reshape(1, size * size))
    nodes = [n0, helper.make_node("Reshape", ["c0", "shape"], ["r"], name="reshape"),
             helper.make_node("Mul", ["r", "grid"], ["output"], name="scale_tail")]
    return model(nodes, [vi("input", [1, 3, size, size])], [vi("output", None)], [w0, shape, grid])


def island_then_head(channels: int = 8, size: int = 8, stem_convs: int = 4):
    """``stem_convs`` convs -> Exp (GPU) -> conv -> Reshape to 3-D (GPU tail): a DLA layer between prefix and head."""
    nodes, inits, x = [], [], "input"
    for i in range(stem_convs):
        n, w = conv(f"conv{i}", x, f"c{i}", 3 if i == 0 else channels, channels)
        nodes.append(n)
        inits.append(w)
        x = f"c{i}"
    n1, w1 = conv("conv_mid", "e", "cm", channels, channels)
    shape = array("shape", [1, channels, size * size], np.int64)
    nodes += [helper.make_node("Exp", [x], ["e"], name="exp"), n1,
              helper.make_node("Reshape", ["cm", "shape"], ["output"], name="reshape")]
    return model(nodes, [vi("input", [1, 3, size, size])], [vi("output", None)], inits + [w1, shape])


BUILDERS = {f.__name__: f for f in (seed_conv, conv_chain, islands, matmul_activations, concat, global_avg_pool,
                                    dynamic_batch, qdq_conv, qdq_conv_scaled, softmax_head, big_kernel_conv,
                                    hardswish_island, fc_head, reshape_head, const_tail, island_then_head)}
