"""Build explicitly quantized (Q/DQ) ResNet-18 and MobileNetV2 models the way real quantizers lay them out.

Run: python models/make_qdq_models.py [OUT_DIR] [--full]. Needs onnxruntime (its static quantizer);
PyTorch is not needed: the float networks are torchvision's ResNet-18 and MobileNetV2 topologies
(BatchNorm folded into the convolutions, as an eval-mode export leaves them) written with onnx
helpers, with seeded He-initialised weights. The analyser needs structure and Q/DQ scales, not
trained values.

Layouts written (name suffix):

* ``ort_pt`` / ``ort_pc`` — onnxruntime ``quantize_static`` in QDQ format, symmetric INT8
  activations, per-tensor / per-channel INT8 weights (weights stored as INT8 initializers feeding
  DequantizeLinear).
* ``ort_asym`` — the same quantizer with its default options: asymmetric INT8 activations (zero-points
  other than 0, which implicit INT8 cannot express exactly), per-tensor weights.
* ``modelopt`` — Q/DQ on the activation input of every Conv/Gemm and on both inputs of residual
  adds; weights as INT8 initializers + per-channel DequantizeLinear (axis 0), opset 19.
* ``pytq`` — pytorch-quantization's export: float weights → QuantizeLinear → DequantizeLinear
  (per-channel, axis 0), activation Q/DQ on Conv/Gemm inputs only, scales and zero-points as
  ``Constant`` nodes named ``.../_input_quantizer/Constant_output_0``, opset 13.

Test data (``tests/data/zoo/qdq``) keeps these as *skeletons*: every initializer over
:data:`SKELETON_MAX_ELEMENTS` elements (the weights) becomes an external-data reference to a file
that is not shipped, while Q/DQ scales and zero-points (scalars or one value per channel) stay
inline, so the exact scales survive for the calibration-cache tests. ``--full`` writes the models
with weights instead.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

SKELETON_MAX_ELEMENTS = 4096  # larger than any per-channel scale vector (<= 1280 channels here)
CALIB_SAMPLES = 4


class Net:
    """A float network under construction: nodes named like torch.onnx scopes, folded-BN weights."""

    def __init__(self, name: str, size: int, seed: int):
        self.name, self.size = name, size
        self.nodes: list = []
        self.inits: list = []
        self.rng = np.random.default_rng(seed)

    def init(self, name: str, array) -> str:
        self.inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def conv(self, x: str, cin: int, cout: int, k: int, scope: str, stride: int = 1, group: int = 1) -> str:
        fan_in = cin // group * k * k
        w = (self.rng.standard_normal((cout, cin // group, k, k)) * np.sqrt(2.0 / fan_in)).astype(np.float32)
        b = (self.rng.standard_normal(cout) * 0.01).astype(np.float32)
        out = f"{scope}/Conv_output_0"
        self.nodes.append(helper.make_node(
            "Conv", [x, self.init(f"{scope}.weight", w), self.init(f"{scope}.bias", b)], [out], name=f"{scope}/Conv",
            kernel_shape=[k, k], strides=[stride, stride], pads=[k // 2] * 4, group=group))
        return out

    def op(self, op: str, inputs: list[str], scope: str, **attrs) -> str:
        out = f"{scope}/{op}_output_0"
        self.nodes.append(helper.make_node(op, inputs, [out], name=f"{scope}/{op}", **attrs))
        return out

    def relu6(self, x: str, scope: str) -> str:
        lo = self.init(f"{scope}.clip_min", np.array(0.0, np.float32))
        hi = self.init(f"{scope}.clip_max", np.array(6.0, np.float32))
        return self.op("Clip", [x, lo, hi], scope)

    def head(self, x: str, cin: int, classes: int, scope: str) -> str:
        x = self.op("GlobalAveragePool", [x], "/avgpool")
        x = self.op("Flatten", [x], "/Flatten", axis=1)
        w = (self.rng.standard_normal((classes, cin)) * np.sqrt(1.0 / cin)).astype(np.float32)
        out = "output"
        self.nodes.append(helper.make_node(
            "Gemm", [x, self.init(f"{scope}.weight", w), self.init(f"{scope}.bias", np.zeros(classes, np.float32))],
            [out], name=f"{scope}/Gemm", transB=1))
        return out

    def model(self, opset: int = 13) -> onnx.ModelProto:
        inp = helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, self.size, self.size])
        out = helper.make_tensor_value_info("output", TensorProto.FLOAT, None)
        g = helper.make_graph(self.nodes, self.name, [inp], [out], self.inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], producer_name="dla-advisor make_qdq_models")
        m.ir_version = 8
        m = onnx.shape_inference.infer_shapes(m)
        onnx.checker.check_model(m)
        return m


def resnet18(size: int = 224, classes: int = 1000, seed: int = 18) -> onnx.ModelProto:
    """torchvision ResNet-18 (BasicBlock x [2, 2, 2, 2]) with BatchNorm folded."""
    n = Net("resnet18", size, seed)
    x = n.op("Relu", [n.conv("input", 3, 64, 7, "/conv1", stride=2)], "/relu")
    x = n.op("MaxPool", [x], "/maxpool", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    cin = 64
    for stage, cout in enumerate((64, 128, 256, 512), start=1):
        for blk in range(2):
            s = f"/layer{stage}/layer{stage}.{blk}"
            stride = 2 if stage > 1 and blk == 0 else 1
            y = n.op("Relu", [n.conv(x, cin, cout, 3, f"{s}/conv1", stride=stride)], f"{s}/relu")
            y = n.conv(y, cout, cout, 3, f"{s}/conv2")
            sc = n.conv(x, cin, cout, 1, f"{s}/downsample/downsample.0", stride=stride) if stride != 1 or cin != cout else x
            x = n.op("Relu", [n.op("Add", [y, sc], s)], f"{s}/relu_1")
            cin = cout
    n.head(x, 512, classes, "/fc")
    return n.model()


_MBV2 = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1))


def mobilenet_v2(size: int = 224, classes: int = 1000, seed: int = 2) -> onnx.ModelProto:
    """torchvision MobileNetV2 (width 1.0) with BatchNorm folded; ReLU6 as Clip(0, 6)."""
    n = Net("mobilenet_v2", size, seed)
    x = n.relu6(n.conv("input", 3, 32, 3, "/features/features.0/features.0.0", stride=2), "/features/features.0/features.0.2")
    cin, idx = 32, 1
    for t, c, reps, s in _MBV2:
        for r in range(reps):
            scope, stride, hidden = f"/features/features.{idx}", s if r == 0 else 1, cin * t
            y, i = x, 0
            if t != 1:
                y = n.relu6(n.conv(y, cin, hidden, 1, f"{scope}/conv/conv.0/conv.0.0"), f"{scope}/conv/conv.0/conv.0.2")
                i = 1
            y = n.relu6(n.conv(y, hidden, hidden, 3, f"{scope}/conv/conv.{i}/conv.{i}.0", stride=stride, group=hidden),
                        f"{scope}/conv/conv.{i}/conv.{i}.2")
            y = n.conv(y, hidden, c, 1, f"{scope}/conv/conv.{i + 1}")
            x = n.op("Add", [x, y], scope) if stride == 1 and cin == c else y
            cin, idx = c, idx + 1
    x = n.relu6(n.conv(x, cin, 1280, 1, f"/features/features.{idx}/features.{idx}.0"), f"/features/features.{idx}/features.{idx}.2")
    n.head(x, 1280, classes, "/classifier/classifier.1")
    return n.model()


# -- calibration ---------------------------------------------------------------------------------
def _inputs(model: onnx.ModelProto, count: int, seed: int = 0) -> list[dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    shape = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
    return [{"input": rng.uniform(-1.0, 1.0, shape).astype(np.float32)} for _ in range(count)]


def activation_amax(model: onnx.ModelProto, names: list[str], samples: int = CALIB_SAMPLES) -> dict[str, float]:
    """max |x| of each named tensor over the calibration inputs (float model run by onnxruntime)."""
    import onnxruntime as ort

    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    have = {o.name for o in probe.graph.output}
    probe.graph.output.extend(helper.make_empty_tensor_value_info(t) for t in names if t not in have)
    sess = ort.InferenceSession(probe.SerializeToString(), providers=["CPUExecutionProvider"])
    outs = [o.name for o in sess.get_outputs()]
    amax = dict.fromkeys(outs, 0.0)
    for feed in _inputs(model, samples):
        for name, v in zip(outs, sess.run(None, feed)):
            amax[name] = max(amax[name], float(np.abs(v).max()))
    return {t: amax[t] for t in names}


# -- onnxruntime's static quantizer ----------------------------------------------------------------
def ort_qdq(model: onnx.ModelProto, per_channel: bool, symmetric: bool = True) -> onnx.ModelProto:
    """onnxruntime quantize_static, QDQ format, INT8 weights; symmetric INT8 activations, or with
    ``symmetric=False`` the quantizer's defaults (asymmetric INT8 activations, zero-points != 0)."""
    import tempfile

    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.it = iter(_inputs(model, CALIB_SAMPLES))

        def get_next(self):
            return next(self.it, None)

    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "float.onnx", Path(tmp) / "qdq.onnx"
        onnx.save(model, str(src))
        extra = {"ActivationSymmetric": True, "WeightSymmetric": True} if symmetric else {}
        quantize_static(str(src), str(dst), Reader(), quant_format=QuantFormat.QDQ, per_channel=per_channel,
                        activation_type=QuantType.QInt8, weight_type=QuantType.QInt8, extra_options=extra)
        return onnx.load(str(dst))


# -- ModelOpt and pytorch-quantization layouts, inserted by hand --------------------------------------
def _quantize_weight_per_channel(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    amax = np.abs(w.reshape(w.shape[0], -1)).max(axis=1)
    scale = np.where(amax > 0, amax / 127.0, 1.0).astype(np.float32)
    q = np.clip(np.round(w / scale.reshape(-1, *([1] * (w.ndim - 1)))), -127, 127).astype(np.int8)
    return q, scale


def insert_qdq(model: onnx.ModelProto, style: str, opset: int) -> onnx.ModelProto:
    """Q/DQ on Conv/Gemm activation inputs (+ residual Add inputs for ``modelopt``) and their weights."""
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    targets = [(n, 0) for n in g.node if n.op_type in ("Conv", "Gemm")]
    if style == "modelopt":
        targets += [(n, k) for n in g.node if n.op_type == "Add" for k in (0, 1)]
    acts = sorted({n.input[k] for n, k in targets})
    amax = activation_amax(model, acts)
    nodes, new_inits, done = [], [], {}

    def scalar(name: str, value, dtype) -> str:
        if style == "pytq":  # pytorch-quantization exports scales and zero-points as Constant nodes
            nodes.append(helper.make_node("Constant", [], [name], name=name.replace("_output_0", ""),
                                          value=numpy_helper.from_array(np.asarray(value, dtype=dtype))))
        else:
            new_inits.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def act_qdq(t: str, scope: str) -> str:
        if t in done:
            return done[t]
        s = scalar(f"{scope}/_input_quantizer/Constant_output_0", max(amax[t], 1e-6) / 127.0, np.float32)
        z = scalar(f"{scope}/_input_quantizer/Constant_1_output_0", 0, np.int8)
        q = f"{scope}/_input_quantizer/QuantizeLinear_output_0"
        dq = f"{scope}/_input_quantizer/DequantizeLinear_output_0"
        nodes.append(helper.make_node("QuantizeLinear", [t, s, z], [q], name=f"{scope}/_input_quantizer/QuantizeLinear"))
        nodes.append(helper.make_node("DequantizeLinear", [q, s, z], [dq], name=f"{scope}/_input_quantizer/DequantizeLinear"))
        done[t] = dq
        return dq

    for n in g.node:
        scope = n.name.rsplit("/", 1)[0] if "/" in n.name else n.name
        if n.op_type in ("Conv", "Gemm"):
            n.input[0] = act_qdq(n.input[0], scope)
            w = numpy_helper.to_array(inits[n.input[1]])
            q, sc = _quantize_weight_per_channel(w)
            zp = np.zeros(len(sc), np.int8)
            wq = f"{scope}/_weight_quantizer"
            axis = 0
            if style == "modelopt":  # INT8 weights stored, DequantizeLinear on the initializer
                new_inits += [numpy_helper.from_array(q, f"{n.input[1]}_quantized"),
                              numpy_helper.from_array(sc, f"{wq}/scale"), numpy_helper.from_array(zp, f"{wq}/zero_point")]
                nodes.append(helper.make_node("DequantizeLinear", [f"{n.input[1]}_quantized", f"{wq}/scale", f"{wq}/zero_point"],
                                              [f"{wq}/DequantizeLinear_output_0"], name=f"{wq}/DequantizeLinear", axis=axis))
            else:  # float weights fake-quantized by a Q/DQ pair
                s = scalar(f"{wq}/Constant_output_0", sc, np.float32)
                z = scalar(f"{wq}/Constant_1_output_0", zp, np.int8)
                nodes.append(helper.make_node("QuantizeLinear", [n.input[1], s, z], [f"{wq}/QuantizeLinear_output_0"],
                                              name=f"{wq}/QuantizeLinear", axis=axis))
                nodes.append(helper.make_node("DequantizeLinear", [f"{wq}/QuantizeLinear_output_0", s, z],
                                              [f"{wq}/DequantizeLinear_output_0"], name=f"{wq}/DequantizeLinear", axis=axis))
            n.input[1] = f"{wq}/DequantizeLinear_output_0"
        elif n.op_type == "Add" and style == "modelopt":
            for k in (0, 1):
                n.input[k] = act_qdq(n.input[k], f"{n.name}_input{k}")
        nodes.append(n)
    if style == "modelopt":  # the float weights are replaced by their INT8 copies
        used = {i for n in nodes for i in n.input}
        kept = [i for i in g.initializer if i.name in used]
        del g.initializer[:]
        g.initializer.extend(kept)
    g.initializer.extend(new_inits)
    del g.node[:]
    g.node.extend(_toposort(nodes, {i.name for i in g.input} | {i.name for i in g.initializer}))
    del g.value_info[:]
    model.opset_import[0].version = opset
    onnx.checker.check_model(model)
    return model


def _toposort(nodes: list, ready: set[str]) -> list:
    out, ready, pending = [], set(ready) | {""}, list(nodes)
    while pending:
        rest = []
        for n in pending:
            if all(i in ready for i in n.input):
                out.append(n)
                ready.update(n.output)
            else:
                rest.append(n)
        if len(rest) == len(pending):
            raise ValueError("graph has a cycle or a dangling input")
        pending = rest
    return out


def qdq_models(size: int = 224) -> dict[str, onnx.ModelProto]:
    """Every Q/DQ layout of both networks at input size ``size``."""
    out = {}
    for name, fn in (("resnet18", resnet18), ("mobilenet_v2", mobilenet_v2)):
        float_model = fn(size=size)
        out[f"{name}_qdq_ort_pt"] = ort_qdq(float_model, per_channel=False)
        out[f"{name}_qdq_ort_pc"] = ort_qdq(float_model, per_channel=True)
        out[f"{name}_qdq_ort_asym"] = ort_qdq(float_model, per_channel=False, symmetric=False)
        out[f"{name}_qdq_modelopt"] = insert_qdq(fn(size=size), "modelopt", opset=19)
        out[f"{name}_qdq_pytq"] = insert_qdq(fn(size=size), "pytq", opset=13)
    return out


def skeleton(model: onnx.ModelProto, location: str = "weights.bin") -> onnx.ModelProto:
    """The model with every initializer over SKELETON_MAX_ELEMENTS elements turned into a reference to
    an external file that is not shipped (the analyser never reads weights); scales stay inline."""
    out = onnx.ModelProto()
    out.CopyFrom(model)
    offset = 0
    for init in out.graph.initializer:
        n = int(np.prod(init.dims)) if init.dims else 1
        if n <= SKELETON_MAX_ELEMENTS:
            continue
        size = len(numpy_helper.to_array(init).tobytes())
        for f in ("raw_data", "float_data", "int32_data", "int64_data", "double_data"):
            init.ClearField(f)
        init.data_location = TensorProto.EXTERNAL
        del init.external_data[:]
        for k, v in (("location", location), ("offset", str(offset)), ("length", str(size))):
            init.external_data.add(key=k, value=v)
        offset += size
    return out


def main(argv: list[str]) -> None:
    full = "--full" in argv
    args = [a for a in argv if a != "--full"]
    out = Path(args[0] if args else Path(__file__).resolve().parents[1] / "tests" / "data" / "zoo" / "qdq")
    out.mkdir(parents=True, exist_ok=True)
    for name, model in qdq_models().items():
        onnx.save(model if full else skeleton(model), str(out / f"{name}.onnx"))
        print(f"wrote {out / (name + '.onnx')}")


if __name__ == "__main__":
    main(sys.argv[1:])
