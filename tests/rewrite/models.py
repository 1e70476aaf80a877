"""Tiny ONNX models for the rewrite tests, built with the tests' ``onnx_builder.Graph`` (seeded weights)."""

from __future__ import annotations

import onnx

from onnx_builder import Graph

# Convolutions as exporters write them (with a bias), weights of deviation 0.1.
CONV = {"bias": True, "scale": 0.1}


def resnet_like(hw: int = 7, channels: int = 16, classes: int = 10, gemm: bool = True) -> onnx.ModelProto:
    """Stem conv, two residual blocks, GlobalAveragePool, Flatten, Gemm (as torchvision ResNets export)."""
    g = Graph(seed=1)
    x = g.conv("input", 3, channels, stride=2, relu=True, **CONV)
    for _ in range(2):
        h = g.conv(x, channels, channels, relu=True, **CONV)
        h = g.conv(h, channels, channels, **CONV)
        x = g.op("Relu", [g.op("Add", [h, x])])
    p = g.op("GlobalAveragePool", [x])
    f = g.op("Flatten", [p], axis=1)
    if gemm:
        y = g.op("Gemm", [f, g.weight(classes, channels), g.weight(classes)], transB=1, alpha=1.0, beta=1.0)
    else:
        y = g.op("Add", [g.op("MatMul", [f, g.weight(channels, classes)]), g.weight(classes)])
    return g.model([y], {"input": ["N", 3, 2 * hw, 2 * hw]}, name="resnet_like", infer_shapes=True)


def mobilenetv3_like(hw: int = 16) -> onnx.ModelProto:
    """Conv + HardSwish stem, a depthwise block with a squeeze-excite HardSigmoid gate, a HardSwish head."""
    g = Graph(opset=14, seed=2)
    x = g.op("HardSwish", [g.conv("input", 3, 16, stride=2, **CONV)])
    d = g.op("Conv", [x, g.weight(16, 1, 3, 3), g.weight(16)], kernel_shape=[3, 3], pads=[1] * 4, group=16)
    d = g.op("HardSwish", [d])
    s = g.op("AveragePool", [d], kernel_shape=[hw // 2, hw // 2], strides=[hw // 2, hw // 2])
    s = g.op("Relu", [g.op("Conv", [s, g.weight(8, 16, 1, 1), g.weight(8)], kernel_shape=[1, 1])])
    s = g.op("HardSigmoid", [g.op("Conv", [s, g.weight(16, 8, 1, 1), g.weight(16)], kernel_shape=[1, 1])],
             alpha=1.0 / 6, beta=0.5)
    x = g.op("Mul", [d, s])
    y = g.op("HardSwish", [g.conv(x, 16, 24, k=1, **CONV)])
    return g.model([y], {"input": [1, 3, hw, hw]}, name="mobilenetv3_like", infer_shapes=True)
