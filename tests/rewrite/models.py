"""Tiny ONNX models for the rewrite tests, built with onnx helpers (seeded weights)."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


class G:
    """A minimal graph builder: ``g.op("Relu", [x])`` returns the output name."""

    def __init__(self, opset: int = 13, seed: int = 0):
        self.opset, self.nodes, self.inits, self.n = opset, [], [], 0
        self.rng = np.random.default_rng(seed)

    def init(self, array, name=None, dtype=None) -> str:
        self.n += 1
        name = name or f"c{self.n}"
        arr = np.asarray(array, dtype=dtype) if dtype is not None else np.asarray(array)
        self.inits.append(numpy_helper.from_array(arr, name))
        return name

    def weight(self, *shape, scale=0.1) -> str:
        return self.init((self.rng.standard_normal(shape) * scale).astype(np.float32))

    def op(self, op, inputs, n_out=1, **attrs):
        self.n += 1
        name = f"{op}_{self.n}"
        outs = [f"{name}_o{i}" for i in range(n_out)]
        self.nodes.append(helper.make_node(op, inputs, outs, name=name, **attrs))
        return outs if n_out > 1 else outs[0]

    def conv(self, x, cin, cout, k=3, stride=1, pad=1, relu=True):
        y = self.op("Conv", [x, self.weight(cout, cin, k, k), self.weight(cout)], kernel_shape=[k, k],
                    strides=[stride, stride], pads=[pad] * 4)
        return self.op("Relu", [y]) if relu else y

    def model(self, inputs: dict[str, list], outputs: list[str], name="m") -> onnx.ModelProto:
        ins = [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in inputs.items()]
        outs = [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outputs]
        graph = helper.make_graph(self.nodes, name, ins, outs, self.inits)
        m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", self.opset)], producer_name="tests")
        m.ir_version = 8
        return onnx.shape_inference.infer_shapes(m)


def resnet_like(hw: int = 7, channels: int = 16, classes: int = 10, gemm: bool = True) -> onnx.ModelProto:
    """Stem conv, two residual blocks, GlobalAveragePool, Flatten, Gemm (as torchvision ResNets export)."""
    g = G(seed=1)
    x = g.conv("input", 3, channels, stride=2)
    for _ in range(2):
        h = g.conv(x, channels, channels)
        h = g.conv(h, channels, channels, relu=False)
        x = g.op("Relu", [g.op("Add", [h, x])])
    p = g.op("GlobalAveragePool", [x])
    f = g.op("Flatten", [p], axis=1)
    if gemm:
        y = g.op("Gemm", [f, g.weight(classes, channels), g.weight(classes)], transB=1, alpha=1.0, beta=1.0)
    else:
        y = g.op("Add", [g.op("MatMul", [f, g.weight(channels, classes)]), g.weight(classes)])
    return g.model({"input": ["N", 3, 2 * hw, 2 * hw]}, [y], "resnet_like")


def mobilenetv3_like(hw: int = 16) -> onnx.ModelProto:
    """Conv + HardSwish stem, a depthwise block with a squeeze-excite HardSigmoid gate, a HardSwish head."""
    g = G(opset=14, seed=2)
    x = g.op("HardSwish", [g.conv("input", 3, 16, stride=2, relu=False)])
    d = g.op("Conv", [x, g.weight(16, 1, 3, 3), g.weight(16)], kernel_shape=[3, 3], pads=[1] * 4, group=16)
    d = g.op("HardSwish", [d])
    s = g.op("AveragePool", [d], kernel_shape=[hw // 2, hw // 2], strides=[hw // 2, hw // 2])
    s = g.op("Relu", [g.op("Conv", [s, g.weight(8, 16, 1, 1), g.weight(8)], kernel_shape=[1, 1])])
    s = g.op("HardSigmoid", [g.op("Conv", [s, g.weight(16, 8, 1, 1), g.weight(16)], kernel_shape=[1, 1])],
             alpha=1.0 / 6, beta=0.5)
    x = g.op("Mul", [d, s])
    y = g.op("HardSwish", [g.conv(x, 16, 24, k=1, pad=0, relu=False)])
    return g.model({"input": [1, 3, hw, hw]}, [y], "mobilenetv3_like")
