"""ONNX op → TensorRT layer kind, with the attributes the DLA checks need.

The mapping follows what TensorRT's ONNX parser builds for each op (e.g. Gemm with constant weights
becomes a fully-connected/1×1-convolution layer, GlobalAveragePool a Reduce(AVG), Split one Slice per
output). An op TensorRT has no builtin importer for becomes a ``Plugin`` layer.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
from onnx import helper

from ._opchecks import axes as _axes, axis as _axis, bad as _bad, window_lengths as _window_lengths


class Context(Protocol):
    def shape(self, name: str) -> tuple[int, ...] | None: ...
    def dtype(self, name: str) -> str: ...
    def is_const(self, name: str) -> bool: ...
    def value(self, name: str) -> np.ndarray | None: ...
    def const_shape(self, name: str) -> tuple[int, ...] | None: ...


ACTIVATIONS = {
    "Relu": "RELU", "Sigmoid": "SIGMOID", "Tanh": "TANH", "LeakyRelu": "LEAKY_RELU", "Clip": "CLIP",
    "Elu": "ELU", "Selu": "SELU", "Softplus": "SOFTPLUS", "Softsign": "SOFTSIGN",
    "HardSigmoid": "HARD_SIGMOID", "ThresholdedRelu": "THRESHOLDED_RELU", "Celu": "CELU",
    "HardSwish": "HARD_SWISH", "Mish": "MISH", "Gelu": "GELU",
}
ELEMENTWISE = {
    "Add": "SUM", "Sum": "SUM", "Sub": "SUB", "Mul": "PROD", "Div": "DIV", "Max": "MAX", "Min": "MIN",
    "Pow": "POW", "Equal": "EQUAL", "Greater": "GREATER", "Less": "LESS", "GreaterOrEqual": "GREATER_EQUAL",
    "LessOrEqual": "LESS_EQUAL", "And": "AND", "Or": "OR", "Xor": "XOR", "Mod": "MOD", "Mean": "MEAN",
    "BitShift": "SHIFT",
}
UNARY = {
    "Abs": "ABS", "Neg": "NEG", "Sqrt": "SQRT", "Exp": "EXP", "Log": "LOG", "Reciprocal": "RECIP",
    "Floor": "FLOOR", "Ceil": "CEIL", "Round": "ROUND", "Sin": "SIN", "Cos": "COS", "Tan": "TAN",
    "Asin": "ASIN", "Acos": "ACOS", "Atan": "ATAN", "Sinh": "SINH", "Cosh": "COSH", "Asinh": "ASINH",
    "Acosh": "ACOSH", "Atanh": "ATANH", "Erf": "ERF", "Sign": "SIGN", "Not": "NOT", "IsNaN": "ISNAN",
    "IsInf": "ISINF",
}
REDUCE = {
    "ReduceMean": "AVG", "ReduceSum": "SUM", "ReduceMax": "MAX", "ReduceMin": "MIN", "ReduceProd": "PROD",
    "ReduceL1": "L1", "ReduceL2": "L2", "ReduceLogSum": "LOGSUM", "ReduceLogSumExp": "LOGSUMEXP",
    "ReduceSumSquare": "SUMSQUARE", "GlobalAveragePool": "AVG", "GlobalMaxPool": "MAX",
    "ArgMax": "ARGMAX", "ArgMin": "ARGMIN",
}
SHUFFLES = {"Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "DepthToSpace", "SpaceToDepth"}
SIMPLE_KINDS = {
    "Gather": "Gather", "GatherElements": "Gather", "GatherND": "Gather", "Cast": "Cast", "CastLike": "Cast",
    "Pad": "Padding", "TopK": "TopK", "NonMaxSuppression": "NMS", "NonZero": "NonZero", "Where": "Select",
    "ScatterND": "Scatter", "ScatterElements": "Scatter", "Scatter": "Scatter", "Einsum": "Einsum",
    "Loop": "Loop", "Scan": "Loop", "If": "Conditional", "Range": "Fill", "ConstantOfShape": "Fill",
    "RandomNormal": "Fill", "RandomUniform": "Fill", "RandomNormalLike": "Fill", "RandomUniformLike": "Fill",
    "Shape": "Shape", "Size": "Shape", "QuantizeLinear": "Quantize", "DequantizeLinear": "Dequantize",
    "LRN": "LRN", "CumSum": "Scatter", "OneHot": "Gather", "Trilu": "Select", "Compress": "Gather",
    "RoiAlign": "Plugin", "GridSample": "Plugin", "Det": "Plugin", "Hardmax": "SoftMax",
}


def attrs_of(node) -> dict[str, Any]:
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _ints(v) -> list[int]:
    return [int(x) for x in v]


def _spatial_pads(pads: list[int], n: int) -> list[int]:
    """ONNX pads are [begin..., end...]; return them as given, zero-filled to 2n."""
    pads = list(pads or [0] * (2 * n))
    return pads + [0] * (2 * n - len(pads))


def _auto_pads(attrs, in_shape, kernel, strides, dilations) -> list[int]:
    n = len(kernel)
    auto = attrs.get("auto_pad", b"NOTSET")
    auto = auto.decode() if isinstance(auto, bytes) else auto
    if auto in ("SAME_UPPER", "SAME_LOWER") and in_shape and len(in_shape) == n + 2:
        begins, ends = [], []
        for i in range(n):
            size = in_shape[2 + i]
            out = -(-size // strides[i])
            total = max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - size)
            small, big = total // 2, total - total // 2
            begins.append(small if auto == "SAME_UPPER" else big)
            ends.append(big if auto == "SAME_UPPER" else small)
        return begins + ends
    return _spatial_pads(attrs.get("pads"), n)


def conv_attrs(node, ctx: Context, transposed: bool = False, a: dict[str, Any] | None = None) -> dict[str, Any]:
    a = attrs_of(node) if a is None else a
    inputs = node.input
    wshape = ctx.const_shape(inputs[1]) if len(inputs) > 1 else None
    in_shape = ctx.shape(inputs[0])
    kernel = _ints(a.get("kernel_shape") or (wshape[2:] if wshape else []))
    if a.get("kernel_shape") and wshape and len(wshape) > 2 and list(kernel) != list(wshape[2:]):
        # TensorRT takes the kernel from the weights and rejects a kernel_shape that disagrees.
        raise _bad(node, f"kernel_shape {kernel} does not match the weights' {list(wshape[2:])}")
    n = len(kernel)
    strides = _ints(a.get("strides") or [1] * n)
    dil = _ints(a.get("dilations") or [1] * n)
    _window_lengths(node, a, n)
    group = int(a.get("group", 1))
    out_ch = None
    if wshape:
        out_ch = wshape[1] * group if transposed else wshape[0]
    return {
        "kernel": kernel, "strides": strides, "dilations": dil, "group": group,
        "pads": _auto_pads(a, in_shape, kernel, strides, dil),
        "out_channels": out_ch, "in_channels": in_shape[1] if in_shape and len(in_shape) > 1 else None,
        "weights_constant": bool(wshape is not None and ctx.is_const(inputs[1])),
        "has_bias": len(inputs) > 2 and bool(inputs[2]),
        "spatial_dims": n, "output_padding": _ints(a.get("output_padding") or [0] * n),
    }


def pool_attrs(node, ctx: Context, a: dict[str, Any] | None = None) -> dict[str, Any]:
    a = attrs_of(node) if a is None else a
    kernel = _ints(a.get("kernel_shape", []))
    n = len(kernel)
    strides = _ints(a.get("strides") or [1] * n)
    dil = _ints(a.get("dilations") or [1] * n)
    _window_lengths(node, a, n)
    return {
        "type": "MAX" if node.op_type == "MaxPool" else "AVERAGE" if node.op_type == "AveragePool" else node.op_type.upper(),
        "kernel": kernel, "strides": strides, "pads": _auto_pads(a, ctx.shape(node.input[0]), kernel, strides, dil),
        "dilations": dil, "count_include_pad": int(a.get("count_include_pad", 0)), "ceil_mode": int(a.get("ceil_mode", 0)),
        "spatial_dims": n, "exclusive_padding": not bool(a.get("count_include_pad", 0)),
    }


def _const_broadcast_mode(shape: tuple[int, ...] | None, x_shape: tuple[int, ...] | None) -> str:
    """How a constant operand broadcasts against activation ``x``: uniform, channel, elementwise, other."""
    if shape is None:
        return "other"
    if int(np.prod(shape)) == 1:
        return "uniform"
    if not x_shape or len(x_shape) < 2:
        return "other"
    full = (1,) * (len(x_shape) - len(shape)) + tuple(shape)
    if len(full) != len(x_shape):
        return "other"
    non1 = [i for i, d in enumerate(full) if d != 1]
    if non1 == [1] and full[1] == x_shape[1]:
        return "channel"
    if tuple(full[1:]) == tuple(x_shape[1:]):
        return "elementwise"
    return "other"


def map_node(node, ctx: Context) -> tuple[str, dict[str, Any], list[str]]:
    """Return ``(kind, attrs, activation_inputs)`` for one ONNX node that was not folded away.

    ``node`` is a NodeProto or any object with its fields (``name``, ``op_type``, ``domain``,
    ``input``, ``output``, ``attribute``).

    Raises:
        ModelLoadError: the node's attributes or constant inputs cannot be what its op takes (a
            value of the wrong kind or size, NaN where an index belongs, a missing operand).
    """
    try:
        return _map_node(node, ctx)
    except (TypeError, ValueError, KeyError, IndexError, OverflowError, ZeroDivisionError) as e:
        # The model was validated against onnx's schemas at import; what is left is constant data
        # of the wrong shape or value (e.g. Slice starts given as a NaN float), which TensorRT's parser
        # rejects for the same node.
        raise _bad(node, f"cannot read its attributes or constant inputs ({type(e).__name__}: "
                         f"{str(e)[:120]})") from None


def _map_node(node, ctx: Context) -> tuple[str, dict[str, Any], list[str]]:
    op = node.op_type
    a = attrs_of(node)
    act_inputs = [i for i in node.input if i and not ctx.is_const(i)]
    domain = node.domain or ""
    if domain not in ("", "ai.onnx", "ai.onnx.ml"):
        return "Plugin", {"domain": domain, "plugin": op}, act_inputs

    if op == "Conv":
        return "Convolution", conv_attrs(node, ctx, a=a), act_inputs
    if op == "ConvTranspose":
        return "Deconvolution", conv_attrs(node, ctx, transposed=True, a=a), act_inputs
    if op in ("MaxPool", "AveragePool", "LpPool"):
        return "Pooling", pool_attrs(node, ctx, a=a), act_inputs
    if op in ("GlobalAveragePool", "GlobalMaxPool"):
        shape = ctx.shape(node.input[0])
        return "Reduce", {"op": REDUCE[op], "axes": list(range(2, len(shape))) if shape else [2, 3],
                          "keepdims": 1, "global_pool": True,
                          "window": list(shape[2:]) if shape else None}, act_inputs
    if op in REDUCE:
        shape = ctx.shape(node.input[0])
        axes = None
        if len(node.input) > 1 and node.input[1]:
            v = ctx.value(node.input[1])
            axes = None if v is None else [int(x) for x in v.reshape(-1)]
        elif "axes" in a:
            axes = _ints(a["axes"])
        elif "axis" in a:
            axes = [int(a["axis"])]
        rank = len(shape) if shape else 4
        axes = list(range(rank)) if axes is None else _axes(node, axes, rank)
        return "Reduce", {"op": REDUCE[op], "axes": axes, "keepdims": int(a.get("keepdims", 1))}, act_inputs
    if op in ACTIVATIONS:
        attrs: dict[str, Any] = {"activation": ACTIVATIONS[op]}
        if op == "Clip":
            lo = a.get("min")
            hi = a.get("max")
            if len(node.input) > 1 and node.input[1]:
                v = ctx.value(node.input[1]); lo = None if v is None else float(v.reshape(-1)[0])
            if len(node.input) > 2 and node.input[2]:
                v = ctx.value(node.input[2]); hi = None if v is None else float(v.reshape(-1)[0])
            attrs.update(alpha=lo, beta=hi)
        elif op == "LeakyRelu":
            attrs["alpha"] = float(a.get("alpha", 0.01))
        elif op == "HardSigmoid":
            attrs.update(alpha=float(a.get("alpha", 0.2)), beta=float(a.get("beta", 0.5)))
        return "Activation", attrs, act_inputs
    if op == "PRelu":
        return "ParametricReLU", {"slope_constant": ctx.is_const(node.input[1]),
                                  "slope_shape": ctx.const_shape(node.input[1])}, act_inputs
    if op in ELEMENTWISE:
        return _elementwise(node, ctx, act_inputs)
    if op in UNARY:
        return "Unary", {"op": UNARY[op]}, act_inputs
    if op == "BatchNormalization":
        return "Scale", {"mode": "channel", "from": "BatchNormalization"}, act_inputs[:1]
    if op in ("InstanceNormalization", "LayerNormalization", "GroupNormalization"):
        return "Normalization", {"type": op.replace("Normalization", "").upper()}, act_inputs[:1]
    if op == "Concat":
        if len(act_inputs) == 1 and len([i for i in node.input if i]) == 1:
            return "Identity", {}, act_inputs  # torch.cat of one tensor: TensorRT builds no layer
        shape = ctx.shape(node.output[0])
        rank = len(shape) if shape else 4
        return "Concatenation", {"axis": _axis(node, a.get("axis", 1), rank), "num_inputs": len(act_inputs),
                                 "num_const_inputs": len(node.input) - len(act_inputs)}, act_inputs
    if op in SHUFFLES:
        return "Shuffle", _shuffle_attrs(node, ctx, a), act_inputs
    if op in ("Resize", "Upsample"):
        return "Resize", _resize_attrs(node, ctx, a), act_inputs[:1]
    if op in ("Slice", "Split", "Expand", "Tile"):
        return "Slice", _slice_attrs(node, ctx, a), act_inputs[:1]
    if op in ("Softmax", "LogSoftmax"):
        shape = ctx.shape(node.input[0])
        rank = len(shape) if shape else 4
        return "SoftMax", {"axis": _axis(node, a.get("axis", -1), rank),
                           "log": op == "LogSoftmax"}, act_inputs
    if op in ("MatMul", "Gemm", "MatMulInteger"):
        return _matmul(node, ctx, a, act_inputs)
    if op in SIMPLE_KINDS:
        return SIMPLE_KINDS[op], {}, act_inputs
    if op in ("Dropout", "Identity"):
        return "Identity", {}, act_inputs
    return "Plugin", {"plugin": op, "reason": "no builtin TensorRT importer"}, act_inputs


def _elementwise(node, ctx: Context, act_inputs):
    op = ELEMENTWISE[node.op_type]
    consts = [i for i in node.input if i and ctx.is_const(i)]
    attrs: dict[str, Any] = {"op": op, "num_const_inputs": len(consts)}
    x_shape = ctx.shape(act_inputs[0]) if act_inputs else None
    if len(act_inputs) == 1 and len(consts) == 1 and op in ("SUM", "SUB", "PROD", "DIV"):
        mode = _const_broadcast_mode(ctx.const_shape(consts[0]), x_shape)
        attrs["const_mode"] = mode
        # TensorRT turns x*c, x+c (c uniform or per channel) into one Scale layer.
        if mode in ("uniform", "channel") and (op in ("SUM", "PROD") or node.input[0] == act_inputs[0]):
            return "Scale", {"mode": mode, "from": node.op_type}, act_inputs
        if mode == "other" and x_shape is not None:
            # A constant that broadcasts along other axes (e.g. a LayerNorm weight [C] on a channel-last
            # [N,H,W,C] tensor) is a broadcast ElementWise for TensorRT too; record the shapes so the
            # platform's broadcast rule sees it, as it does for two activations.
            c_shape = tuple(ctx.const_shape(consts[0]) or ())
            if len(c_shape) <= len(x_shape):
                c_shape = (1,) * (len(x_shape) - len(c_shape)) + c_shape
            attrs["broadcast"] = [x_shape, c_shape]
    if len(act_inputs) == 2:
        attrs["broadcast"] = [ctx.shape(i) for i in act_inputs]
    return "ElementWise", attrs, act_inputs


def _shuffle_attrs(node, ctx: Context, a) -> dict[str, Any]:
    attrs: dict[str, Any] = {"op": node.op_type}
    if node.op_type == "Transpose":
        perm = _ints(a.get("perm", []))
        shape = ctx.shape(node.input[0])
        if perm and ((shape is not None and len(perm) != len(shape)) or sorted(perm) != list(range(len(perm)))):
            raise _bad(node, f"perm {perm} is not a permutation of the input's {len(shape or perm)} axes")
        attrs["perm"] = perm
    if node.op_type in ("DepthToSpace", "SpaceToDepth"):
        attrs["blocksize"] = int(a.get("blocksize", 1))
        attrs["internal_rank"] = 6  # TensorRT imports these as 6-D reshape/transpose pairs
    return attrs


def _resize_attrs(node, ctx: Context, a) -> dict[str, Any]:
    mode = a.get("mode", b"nearest")
    mode = mode.decode() if isinstance(mode, bytes) else mode
    ctm = a.get("coordinate_transformation_mode", b"half_pixel" if node.op_type == "Resize" else b"asymmetric")
    ctm = ctm.decode() if isinstance(ctm, bytes) else ctm
    nm = a.get("nearest_mode", b"round_prefer_floor")
    nm = nm.decode() if isinstance(nm, bytes) else nm
    scales = sizes = None
    if node.op_type == "Upsample":
        if len(node.input) > 1:
            v = ctx.value(node.input[1]); scales = None if v is None else [float(x) for x in v]
        elif "scales" in a:
            scales = [float(x) for x in a["scales"]]
    else:
        if len(node.input) > 2 and node.input[2]:
            v = ctx.value(node.input[2])
            if v is not None and v.size:
                scales = [float(x) for x in v]
        if len(node.input) > 3 and node.input[3]:
            v = ctx.value(node.input[3])
            sizes = None if v is None else [int(x) for x in v]
            if v is None:
                sizes = "dynamic"
    in_shape, out_shape = ctx.shape(node.input[0]), ctx.shape(node.output[0])
    size_based = sizes is not None
    if scales is None and in_shape and out_shape and len(in_shape) == len(out_shape):
        scales = [o / i if i else 1.0 for o, i in zip(out_shape, in_shape)]
    return {"mode": mode, "coordinate_transformation_mode": ctm, "nearest_mode": nm,
            "scales": scales, "size_based": size_based, "op": node.op_type}


def _slice_attrs(node, ctx: Context, a) -> dict[str, Any]:
    op = node.op_type
    shape = ctx.shape(node.input[0])
    rank = len(shape) if shape else 4
    if op == "Split":
        return {"op": "Split", "axes": [_axis(node, a.get("axis", 0), rank)], "steps": [1], "constant_params": True,
                "outputs": len(node.output)}
    if op in ("Expand", "Tile"):
        return {"op": op, "axes": list(range(rank)), "steps": [0], "constant_params": ctx.is_const(node.input[1]),
                "broadcast": True}
    vals = []
    for idx in (1, 2, 3, 4):
        v = ctx.value(node.input[idx]) if len(node.input) > idx and node.input[idx] else None
        vals.append(None if v is None else np.asarray(v).reshape(-1))
    starts, ends, axes, steps = vals
    const = all(v is not None for v, i in zip(vals, (1, 2, 3, 4)) if len(node.input) > i and node.input[i])
    if "starts" in a:  # opset < 10
        starts, ends = np.array(a["starts"]).reshape(-1), np.array(a.get("ends", [])).reshape(-1)
        axes = np.array(a["axes"]) if "axes" in a else None
        const = True
    n = len(starts) if starts is not None else 0
    axes_l = [_axis(node, x, rank, "axes") for x in axes] if axes is not None else list(range(n))
    steps_l = [int(x) for x in steps] if steps is not None else [1] * n
    oob = False
    if shape and starts is not None and ends is not None:
        for s, e, ax in zip(starts, ends, axes_l):
            dim = shape[ax] if ax < len(shape) else 0
            if int(s) < -dim or int(s) > dim or int(e) < -dim - 1 or (int(e) > dim and int(e) < 2**31 - 1 and int(e) != 2**63 - 1):
                oob = True
    return {"op": "Slice", "axes": axes_l, "steps": steps_l, "constant_params": const, "out_of_bounds": oob}


def _matmul(node, ctx: Context, a, act_inputs):
    op = node.op_type
    weight_const = len(node.input) > 1 and ctx.is_const(node.input[1])
    trans_a = int(a.get("transA", 0)) if op == "Gemm" else 0
    in_rank = len(ctx.shape(act_inputs[0]) or ()) if act_inputs else 0
    # Only a 2-D [N, K] input becomes a fully connected (1x1 convolution over C) layer; a MatMul over the
    # last axis of a 3-D/4-D channel-last tensor stays a matrix multiply.
    if weight_const and len(act_inputs) == 1 and not trans_a and in_rank == 2:
        w = ctx.const_shape(node.input[1]) or ()
        trans_b = int(a.get("transB", 0)) if op == "Gemm" else 0
        out_ch = (w[0] if trans_b else w[-1]) if w else None
        return "FullyConnected", {"op": op, "out_channels": out_ch, "weights_constant": True,
                                  "input_rank": len(ctx.shape(act_inputs[0]) or ())}, act_inputs
    return "MatrixMultiply", {"op": op, "both_activations": len(act_inputs) >= 2, "input_rank": in_rank}, act_inputs
