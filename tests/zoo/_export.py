"""A small graph writer that emits ONNX the way ``torch.onnx.export`` (PyTorch 2.x, TorchScript path) does.

What it copies from real exports, because the importer must cope with exactly this:

* node names are module scopes (``/layer1/layer1.0/conv1/Conv``), repeated ops in one scope get
  ``_1``, ``_2`` suffixes, and outputs are ``<node>_output_0``;
* every literal (Clip bounds, Reshape targets, Unsqueeze axes, Slice bounds, scalars) is a
  ``Constant`` node, never an initializer;
* ``x.view(x.size(0), -1)``, ``x.shape[-2:]`` and friends are recorded as run-time shape math
  (``Shape → Gather → Unsqueeze → Concat → Reshape``) because the batch dim is dynamic;
* parameters are initializers named after the module (``layer1.0.conv1.weight``), or
  ``onnx::Conv_<n>`` where the exporter folded a BatchNorm into the preceding Conv.

Every node that only computes shapes or literals is counted in :attr:`Export.shape_math`; those are
the nodes TensorRT folds at import time, so a test can check the importer folded exactly them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import onnx
from onnx import helper, numpy_helper

from onnx_builder import model, vi


@dataclass
class ZooModel:
    """One miniature export and what its builder knows about it."""

    name: str
    model: onnx.ModelProto
    input_name: str
    input_shape: tuple[int, ...]
    shape_math: int  # ONNX nodes that only compute shapes/literals (or are Identity): folded at import


class Export:
    """Accumulates nodes and initializers; :meth:`finish` makes the checked ModelProto."""

    def __init__(self, name: str, opset: int = 13, seed: int = 0):
        self.name, self.opset = name, opset
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self.rng = np.random.default_rng(seed)
        self.shape_math = 0
        self._used: dict[str, int] = {}
        self._anon = 0

    # -- naming -------------------------------------------------------------------------------
    def _node_name(self, scope: str, op: str) -> str:
        base = f"{scope}/{op}" if scope else f"/{op}"
        n = self._used.get(base, 0)
        self._used[base] = n + 1
        return base if n == 0 else f"{base}_{n}"

    def anon(self, op: str) -> str:
        """A name like ``onnx::Conv_123`` for a tensor the exporter computed (folded BN weights)."""
        self._anon += 1
        return f"onnx::{op}_{100 + self._anon}"

    # -- primitives ---------------------------------------------------------------------------
    def node(self, op: str, inputs: list[str], scope: str = "", n_out: int = 1, shape_math: bool = False,
             **attrs) -> str | list[str]:
        name = self._node_name(scope, op)
        outs = [f"{name}_output_{i}" for i in range(n_out)]
        self.nodes.append(helper.make_node(op, inputs, outs, name=name, **attrs))
        if shape_math:
            self.shape_math += 1
        return outs[0] if n_out == 1 else outs

    def const(self, value, scope: str = "", dtype=np.int64) -> str:
        """A literal, as a Constant node (how torch.onnx writes every Python number it meets)."""
        t = numpy_helper.from_array(np.asarray(value, dtype=dtype))
        return self.node("Constant", [], scope, shape_math=True, value=t)

    def param(self, name: str, shape, scale: float = 0.05) -> str:
        arr = (self.rng.standard_normal(shape) * scale).astype(np.float32)
        self.inits.append(numpy_helper.from_array(arr, name))
        return name

    def param_value(self, name: str, value) -> str:
        self.inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    # -- layers as torch exports them ---------------------------------------------------------
    def conv(self, x: str, cin: int, cout: int, k: int, scope: str, stride: int = 1, pad: int | None = None,
             group: int = 1, dilation: int = 1, bias: bool = False, bn: str = "folded") -> str:
        """nn.Conv2d (+ nn.BatchNorm2d). ``bn``: ``folded`` (eval export), ``kept`` (BN node), ``none``."""
        pad = (k // 2) * dilation if pad is None else pad
        attrs = dict(dilations=[dilation, dilation], group=group, kernel_shape=[k, k], pads=[pad] * 4,
                     strides=[stride, stride])
        if bn == "folded":
            w = self.param(self.anon("Conv"), (cout, cin // group, k, k))
            b = self.param(self.anon("Conv"), (cout,))
            return self.node("Conv", [x, w, b], scope, **attrs)
        ins = [x, self.param(f"{_dotted(scope)}.weight", (cout, cin // group, k, k))]
        if bias:
            ins.append(self.param(f"{_dotted(scope)}.bias", (cout,)))
        y = self.node("Conv", ins, scope, **attrs)
        if bn == "kept":
            y = self.batchnorm(y, cout, scope, f"{_dotted(scope)}.bn")
        return y

    def batchnorm(self, x: str, c: int, scope: str, prefix: str | None = None) -> str:
        p = prefix or _dotted(scope)
        ins = [x, self.param_value(f"{p}.weight", np.ones(c, np.float32)),
               self.param_value(f"{p}.bias", np.zeros(c, np.float32)),
               self.param_value(f"{p}.running_mean", np.zeros(c, np.float32)),
               self.param_value(f"{p}.running_var", np.ones(c, np.float32))]
        return self.node("BatchNormalization", ins, scope, epsilon=1e-5, momentum=0.9)

    def relu(self, x: str, scope: str) -> str:
        return self.node("Relu", [x], scope)

    def relu6(self, x: str, scope: str) -> str:
        """nn.ReLU6 at opset >= 11: Clip with min/max as Constant inputs."""
        lo = self.const(0.0, scope, np.float32)
        hi = self.const(6.0, scope, np.float32)
        return self.node("Clip", [x, lo, hi], scope)

    def silu(self, x: str, scope: str) -> str:
        s = self.node("Sigmoid", [x], scope)
        return self.node("Mul", [x, s], scope)

    def gelu(self, x: str, scope: str) -> str:
        """nn.GELU() (erf form) as exported below opset 20: x * 0.5 * (1 + erf(x / sqrt(2)))."""
        d = self.node("Div", [x, self.const(1.4142135381698608, scope, np.float32)], scope)
        e = self.node("Erf", [d], scope)
        a = self.node("Add", [e, self.const(1.0, scope, np.float32)], scope)
        m = self.node("Mul", [x, a], scope)
        return self.node("Mul", [m, self.const(0.5, scope, np.float32)], scope)

    def hardswish(self, x: str, scope: str, native: bool) -> str:
        if native:
            return self.node("HardSwish", [x], scope)
        # x * relu6(x + 3) / 6, as hand-written h_swish modules export.
        a = self.node("Add", [x, self.const(3.0, scope, np.float32)], scope)
        c = self.node("Clip", [a, self.const(0.0, scope, np.float32), self.const(6.0, scope, np.float32)], scope)
        m = self.node("Mul", [x, c], scope)
        return self.node("Div", [m, self.const(6.0, scope, np.float32)], scope)

    def hardsigmoid(self, x: str, scope: str, native: bool) -> str:
        if native:
            return self.node("HardSigmoid", [x], scope, alpha=1.0 / 6)
        a = self.node("Add", [x, self.const(3.0, scope, np.float32)], scope)
        c = self.node("Clip", [a, self.const(0.0, scope, np.float32), self.const(6.0, scope, np.float32)], scope)
        return self.node("Div", [c, self.const(6.0, scope, np.float32)], scope)

    def gap(self, x: str, scope: str) -> str:
        return self.node("GlobalAveragePool", [x], scope)

    def linear(self, x: str, cin: int, cout: int, scope: str) -> str:
        """nn.Linear on a 2-D input: Gemm(transB=1)."""
        p = _dotted(scope)
        return self.node("Gemm", [x, self.param(f"{p}.weight", (cout, cin)), self.param(f"{p}.bias", (cout,))],
                         scope, alpha=1.0, beta=1.0, transB=1)

    def linear_nd(self, x: str, cin: int, cout: int, scope: str) -> str:
        """nn.Linear on a 3-D/4-D input: MatMul with the pre-transposed weight, then Add bias."""
        w = self.param(self.anon("MatMul"), (cin, cout))
        y = self.node("MatMul", [x, w], scope)
        return self.node("Add", [self.param(f"{_dotted(scope)}.bias", (cout,)), y], scope)

    def flatten(self, x: str, scope: str = "") -> str:
        """torch.flatten(x, 1)."""
        return self.node("Flatten", [x], scope, axis=1)

    def view_flat(self, x: str, scope: str = "") -> str:
        """x.view(x.size(0), -1) with a dynamic batch: Shape→Gather→Unsqueeze→Concat→Reshape."""
        n = self.dim(x, 0, scope)
        target = self.node("Concat", [n, self.const([-1], scope)], scope, shape_math=True, axis=0)
        return self.node("Reshape", [x, target], scope)

    def dim(self, x: str, i: int, scope: str = "") -> str:
        """``x.size(i)`` as a 1-element tensor ready for a Concat: Shape→Gather→Unsqueeze."""
        shp = self.node("Shape", [x], scope, shape_math=True)
        g = self.node("Gather", [shp, self.const(i, scope)], scope, shape_math=True, axis=0)
        return self.unsqueeze0(g, scope)

    def unsqueeze0(self, x: str, scope: str = "") -> str:
        if self.opset >= 13:
            return self.node("Unsqueeze", [x, self.const([0], scope)], scope, shape_math=True)
        return self.node("Unsqueeze", [x], scope, shape_math=True, axes=[0])

    def floordiv(self, a: str, b: str, scope: str = "") -> str:
        """Python ``a // b`` on traced ints: torch's floor_divide symbolic (Div with a sign fix-up)."""
        sm = dict(shape_math=True)
        q = self.node("Div", [a, b], scope, **sm)
        zero = self.const(0, scope)
        neg = self.node("Xor", [self.node("Less", [a, zero], scope, **sm),
                                self.node("Less", [b, zero], scope, **sm)], scope, **sm)
        mod = self.node("Sub", [a, self.node("Mul", [q, b], scope, **sm)], scope, **sm)
        nz = self.node("Not", [self.node("Equal", [mod, zero], scope, **sm)], scope, **sm)
        fix = self.node("And", [neg, nz], scope, **sm)
        less = self.node("Sub", [q, self.const(1, scope)], scope, **sm)
        return self.node("Where", [fix, less, q], scope, **sm)

    def scalar_dim(self, x: str, i: int, scope: str = "") -> str:
        """``x.size(i)`` as a 0-D int64 (for arithmetic before it is unsqueezed)."""
        shp = self.node("Shape", [x], scope, shape_math=True)
        return self.node("Gather", [shp, self.const(i, scope)], scope, shape_math=True, axis=0)

    def reshape(self, x: str, parts: list[str], scope: str = "") -> str:
        """Reshape to the Concat of 1-element shape tensors (``x.view(a, b, c)`` with traced sizes)."""
        target = self.node("Concat", parts, scope, shape_math=True, axis=0)
        return self.node("Reshape", [x, target], scope)

    def identity(self, x: str, scope: str = "") -> str:
        return self.node("Identity", [x], scope, shape_math=True)

    def _model(self, x, outs) -> onnx.ModelProto:
        m = model(self.nodes, [x], outs, self.inits, self.opset, "main_graph")
        m.producer_name, m.producer_version = "pytorch", "2.1.0"
        return m

    def finish(self, inp: str, in_shape: tuple[int, ...], outputs: dict[str, str]) -> ZooModel:
        """Make the model: input dim 0 is ``batch_size`` (dynamic), as with ``dynamic_axes``."""
        renamed = {}
        for tensor, out_name in outputs.items():
            # torch names graph outputs by the user's output_names: rename the producing output.
            for n in self.nodes:
                for k, o in enumerate(n.output):
                    if o == tensor:
                        n.output[k] = out_name
                for k, i in enumerate(n.input):
                    if i == tensor:
                        n.input[k] = out_name
            renamed[out_name] = tensor
        # torch writes output shapes with the symbolic batch dim; take the rest from shape inference.
        m = self._model(vi(inp, in_shape), [vi(o, None) for o in outputs.values()])
        inferred = {vi.name: vi for vi in onnx.shape_inference.infer_shapes(m, data_prop=True).graph.output}
        x = vi(inp, ["batch_size", *in_shape[1:]])
        outs = []
        for o in outputs.values():
            dims = [d.dim_value for d in inferred[o].type.tensor_type.shape.dim]
            assert dims and all(dims[1:]), f"{self.name}: output {o} has no static shape {dims}"
            outs.append(vi(o, ["batch_size", *dims[1:]]))
        m = self._model(x, outs)
        onnx.checker.check_model(m)
        return ZooModel(self.name, m, inp, tuple(in_shape), self.shape_math)


def _dotted(scope: str) -> str:
    """``/layer1/layer1.0/conv1`` → ``layer1.0.conv1`` (torch's parameter name for that module)."""
    q = ""
    for seg in scope.strip("/").split("/"):
        q = seg if not q or seg.startswith(q + ".") else f"{q}.{seg}"
    return q or "param"
