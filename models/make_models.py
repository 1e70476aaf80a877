"""Build the small ONNX models shipped in models/ (and used by the tests) with onnx helpers only.

Run: python models/make_models.py [OUT_DIR]. Weights are seeded random numbers: layout analysis and
the performance model need shapes, not trained values. PyTorch is not needed.

* conv2d_1024.onnx — the forum seed's model: input 1x3x1024x1024 FP32, one Conv 3→10, 9x9, no
  padding, output 1x10x1016x1016 (https://forums.developer.nvidia.com/t/run-pure-conv2d-node-on-dla-makes-gpu-get-slower/219770).
* cifar_bn.onnx / cifar_gn.onnx — the CNN of NVIDIA's jetson_dla_tutorial (4 x [Conv 3x3 s2 + norm +
  ReLU], 3→64→128→256→512, GlobalAveragePool, view, Linear 512→10, dynamic batch), exported the way
  torch.onnx did in 2022: BatchNorm folded into Conv; GroupNorm as Reshape→InstanceNormalization→
  Reshape→Mul→Add; `x.view(x.shape[0], -1)` as Shape→Gather→Unsqueeze→Concat→Reshape.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13


class Builder:
    """A tiny graph builder that names nodes the way torch.onnx does (``Conv_0``, ``Relu_1`` ...)."""

    def __init__(self, seed: int = 0):
        self.nodes, self.inits, self.counter = [], [], 0
        self.rng = np.random.default_rng(seed)

    def _name(self, op):
        n = f"{op}_{self.counter}"
        self.counter += 1
        return n

    def init(self, name, array):
        self.inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def weight(self, name, shape, scale=0.05):
        return self.init(name, (self.rng.standard_normal(shape) * scale).astype(np.float32))

    def node(self, op, inputs, n_out=1, name=None, **attrs):
        name = name or self._name(op)
        outs = [f"{name}_out{i}" if n_out > 1 else f"{name}_out" for i in range(n_out)]
        self.nodes.append(helper.make_node(op, inputs, outs, name=name, **attrs))
        return outs if n_out > 1 else outs[0]

    def const(self, value, dtype=np.int64):
        name = self._name("Constant")
        out = f"{name}_out"
        self.nodes.append(helper.make_node("Constant", [], [out], name=name,
                                           value=numpy_helper.from_array(np.asarray(value, dtype=dtype))))
        return out

    def conv(self, x, cin, cout, k, stride=1, pad=0, group=1, bias=True, dilation=1):
        idx = self.counter
        w = self.weight(f"conv{idx}.weight", (cout, cin // group, k, k))
        ins = [x, w]
        if bias:
            ins.append(self.weight(f"conv{idx}.bias", (cout,)))
        return self.node("Conv", ins, kernel_shape=[k, k], strides=[stride, stride], pads=[pad] * 4,
                         group=group, dilations=[dilation, dilation])

    def model(self, inputs, outputs, name="model"):
        g = helper.make_graph(self.nodes, name, inputs, outputs, self.inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="dla-advisor make_models")
        m.ir_version = 8
        onnx.checker.check_model(m)
        return m


def conv2d_1024():
    b = Builder(seed=1)
    b.counter = 1  # the seed's log names the layer Conv_1
    w = b.weight("conv.weight", (10, 3, 9, 9))
    bias = b.weight("conv.bias", (10,))
    b.nodes.append(helper.make_node("Conv", ["input", w, bias], ["output"], name="Conv_1", kernel_shape=[9, 9]))
    return b.model([helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 1024, 1024])],
                   [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 10, 1016, 1016])], "conv2d")


def _view_flatten(b: Builder, x):
    shape = b.node("Shape", [x])
    idx = b.const(0)
    dim0 = b.node("Gather", [shape, idx], axis=0)
    unsq = b.node("Unsqueeze", [dim0, b.const([0])])
    target = b.node("Concat", [unsq, b.const([-1])], axis=0)
    return b.node("Reshape", [x, target])


def cifar(norm: str):
    b = Builder(seed=2)
    x = "input"
    chans = [3, 64, 128, 256, 512]
    for cin, cout in zip(chans, chans[1:]):
        x = b.conv(x, cin, cout, 3, stride=2, pad=1)
        if norm == "gn":
            r = b.node("Reshape", [x, b.const([0, 8, -1])])
            inorm = b.node("InstanceNormalization", [r, b.init(f"gn{b.counter}.s", np.ones(8, np.float32)),
                                                     b.init(f"gn{b.counter}.b", np.zeros(8, np.float32))], epsilon=1e-5)
            back = b.node("Reshape", [inorm, b.node("Shape", [x])])
            x = b.node("Mul", [back, b.weight(f"gn{b.counter}.gamma", (cout, 1, 1))])
            x = b.node("Add", [x, b.weight(f"gn{b.counter}.beta", (cout, 1, 1))])
        x = b.node("Relu", [x])
    x = b.node("GlobalAveragePool", [x])
    x = _view_flatten(b, x)
    name = b._name("Gemm")
    b.nodes.append(helper.make_node("Gemm", [x, b.weight("linear.weight", (10, 512)), b.weight("linear.bias", (10,))],
                                    ["output"], name=name, transB=1))
    return b.model([helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch_size", 3, 32, 32])],
                   [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch_size", 10])], f"model_{norm}")


def cifar_bn_scoped():
    """The tutorial's ModelBN as torch 2's exporter names it: module scopes ("/cnn/cnn.0/Conv"), BatchNorm
    folded into the convolution, torch.flatten as Flatten. TensorRT 8.5+ logs of this model use these names."""
    b = Builder(seed=2)
    x = "input"
    chans = [3, 64, 128, 256, 512]
    for i, (cin, cout) in enumerate(zip(chans, chans[1:])):
        w = b.weight(f"cnn.{3 * i}.weight", (cout, cin, 3, 3))
        x = b.node("Conv", [x, w, b.weight(f"cnn.{3 * i}.bias", (cout,))], name=f"/cnn/cnn.{3 * i}/Conv",
                   kernel_shape=[3, 3], strides=[2, 2], pads=[1] * 4)
        x = b.node("Relu", [x], name=f"/cnn/cnn.{3 * i + 2}/Relu")
    x = b.node("GlobalAveragePool", [x], name="/pool/GlobalAveragePool")
    x = b.node("Flatten", [x], name="/Flatten", axis=1)
    b.nodes.append(helper.make_node("Gemm", [x, b.weight("linear.weight", (10, 512)), b.weight("linear.bias", (10,))],
                                    ["output"], name="/linear/Gemm", transB=1))
    return b.model([helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch_size", 3, 32, 32])],
                   [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch_size", 10])], "model_bn")


MODELS = {"conv2d_1024": conv2d_1024, "cifar_bn": lambda: cifar("bn"), "cifar_gn": lambda: cifar("gn"),
          "cifar_bn_scoped": cifar_bn_scoped}


def write_models(models: dict, out_dir: str | Path | None) -> None:
    """Save every model of ``models`` (name -> builder) as ``<out_dir>/<name>.onnx`` (default: models/)."""
    out = Path(out_dir or Path(__file__).parent)
    out.mkdir(parents=True, exist_ok=True)
    for name, fn in models.items():
        onnx.save(fn(), str(out / f"{name}.onnx"))
        print(f"wrote {out / (name + '.onnx')}")


def main(out_dir: str | None = None) -> None:
    write_models(MODELS, out_dir)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
