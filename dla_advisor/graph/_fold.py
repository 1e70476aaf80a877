"""Constant folding of shape-computation sub-graphs, the way TensorRT folds them at import.

PyTorch exports compute reshape targets at run time (``Shape → Gather → Unsqueeze → Concat →
Reshape``). Once input shapes are fixed, TensorRT evaluates these to constants and no layer is built
for them. This module evaluates the small integer ops involved with numpy; anything it does not
know stays a layer (and is then judged like any other layer).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
from onnx import helper, numpy_helper

# Only fold values up to this many elements: shape math is tiny; weights are never materialised.
MAX_FOLD_ELEMENTS = 4096

_DTYPE = {1: np.float32, 2: np.uint8, 3: np.int8, 5: np.int16, 6: np.int32, 7: np.int64, 9: np.bool_,
          10: np.float16, 11: np.float64, 12: np.uint32, 13: np.uint64}


def _attrs(node) -> dict[str, Any]:
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _axes(node, inputs, idx, attrs, default=None):
    if len(inputs) > idx and inputs[idx] is not None:
        return [int(a) for a in np.asarray(inputs[idx]).reshape(-1)]
    if "axes" in attrs:
        return [int(a) for a in attrs["axes"]]
    return default


def _slice(x, starts, ends, axes, steps):
    sl = [slice(None)] * x.ndim
    for s, e, a, st in zip(starts, ends, axes, steps):
        sl[a] = slice(int(s), int(e), int(st))
    return x[tuple(sl)]


def _op_slice(node, ins, attrs):
    x = ins[0]
    if len(ins) > 1:
        starts, ends = ins[1].tolist(), ins[2].tolist()
        axes = ins[3].tolist() if len(ins) > 3 and ins[3] is not None else list(range(len(starts)))
        steps = ins[4].tolist() if len(ins) > 4 and ins[4] is not None else [1] * len(starts)
    else:
        starts, ends = attrs["starts"], attrs["ends"]
        axes = attrs.get("axes", list(range(len(starts))))
        steps = [1] * len(starts)
    axes = [a + x.ndim if a < 0 else a for a in axes]
    return [_slice(x, starts, ends, axes, steps)]


def _op_unsqueeze(node, ins, attrs):
    x = ins[0]
    axes = _axes(node, ins, 1, attrs)
    out_rank = x.ndim + len(axes)
    for a in sorted(a + out_rank if a < 0 else a for a in axes):
        x = np.expand_dims(x, a)
    return [x]


def _op_squeeze(node, ins, attrs):
    x = ins[0]
    axes = _axes(node, ins, 1, attrs)
    if axes is None:
        return [np.squeeze(x)]
    return [np.squeeze(x, axis=tuple(a + x.ndim if a < 0 else a for a in axes))]


def _op_reshape(node, ins, attrs):
    x, shape = ins[0], [int(s) for s in ins[1].reshape(-1)]
    shape = [x.shape[i] if s == 0 and not attrs.get("allowzero", 0) else s for i, s in enumerate(shape)]
    return [x.reshape(shape)]


def _op_cast(node, ins, attrs):
    return [ins[0].astype(_DTYPE.get(attrs["to"], np.float32))]


def _op_constant_of_shape(node, ins, attrs):
    value = attrs.get("value")
    arr = numpy_helper.to_array(value) if value is not None else np.zeros(1, np.float32)
    shape = [int(s) for s in ins[0].reshape(-1)]
    if int(np.prod(shape)) > MAX_FOLD_ELEMENTS:
        raise _TooBig()
    return [np.full(shape, arr.reshape(-1)[0], dtype=arr.dtype)]


def _op_gather(node, ins, attrs):
    return [np.take(ins[0], ins[1].astype(np.int64), axis=attrs.get("axis", 0))]


def _op_concat(node, ins, attrs):
    return [np.concatenate([np.atleast_1d(i) if i.ndim == 0 else i for i in ins], axis=attrs["axis"])]


def _op_range(node, ins, attrs):
    out = np.arange(ins[0].item(), ins[1].item(), ins[2].item())
    if out.size > MAX_FOLD_ELEMENTS:
        raise _TooBig()
    return [out.astype(ins[0].dtype)]


def _binary(fn: Callable):
    return lambda node, ins, attrs: [np.asarray(fn(ins[0], ins[1]))]


def _op_div(node, ins, attrs):
    a, b = ins
    if np.issubdtype(a.dtype, np.integer) and np.issubdtype(b.dtype, np.integer):
        return [np.asarray(np.trunc(a / b).astype(a.dtype))]
    return [np.asarray(a / b)]


def _op_reduce(fn):
    def run(node, ins, attrs):
        axes = _axes(node, ins, 1, attrs)
        keep = bool(attrs.get("keepdims", 1))
        return [np.asarray(fn(ins[0], axis=None if axes is None else tuple(axes), keepdims=keep))]
    return run


def _op_where(node, ins, attrs):
    return [np.where(ins[0], ins[1], ins[2])]


def _op_transpose(node, ins, attrs):
    return [np.transpose(ins[0], attrs.get("perm"))]


def _op_split(node, ins, attrs):
    x, axis = ins[0], attrs.get("axis", 0)
    split = ins[1].tolist() if len(ins) > 1 and ins[1] is not None else attrs.get("split")
    if split is None:
        return list(np.array_split(x, len(node.output), axis=axis))
    return list(np.split(x, np.cumsum(split)[:-1], axis=axis))


def _op_expand(node, ins, attrs):
    out = ins[0] * np.ones([int(s) for s in ins[1].reshape(-1)], dtype=ins[0].dtype)
    if out.size > MAX_FOLD_ELEMENTS:
        raise _TooBig()
    return [out]


_OPS: dict[str, Callable] = {
    "Identity": lambda n, i, a: [i[0]],
    "Cast": _op_cast,
    "Gather": _op_gather,
    "Unsqueeze": _op_unsqueeze,
    "Squeeze": _op_squeeze,
    "Concat": _op_concat,
    "Slice": _op_slice,
    "Reshape": _op_reshape,
    "Flatten": lambda n, i, a: [i[0].reshape(int(np.prod(i[0].shape[:a.get("axis", 1)])), -1)],
    "ConstantOfShape": _op_constant_of_shape,
    "Range": _op_range,
    "Add": _binary(np.add), "Sub": _binary(np.subtract), "Mul": _binary(np.multiply), "Div": _op_div,
    "Max": _binary(np.maximum), "Min": _binary(np.minimum), "Equal": _binary(np.equal),
    "Less": _binary(np.less), "Greater": _binary(np.greater), "Mod": _binary(np.mod),
    "Pow": _binary(np.power),
    "Neg": lambda n, i, a: [np.negative(i[0])],
    "Abs": lambda n, i, a: [np.abs(i[0])],
    "Sqrt": lambda n, i, a: [np.sqrt(i[0])],
    "Floor": lambda n, i, a: [np.floor(i[0])],
    "Ceil": lambda n, i, a: [np.ceil(i[0])],
    "Not": lambda n, i, a: [np.logical_not(i[0])],
    "And": _binary(np.logical_and), "Or": _binary(np.logical_or),
    # torch's floor_divide symbolic (``c // groups`` on traced sizes, e.g. ShuffleNet's channel
    # shuffle) tests the operands' signs with Xor; left unevaluated, the Reshape target it feeds had
    # no value and every shape after it was lost.
    "Xor": _binary(np.logical_xor),
    "Where": _op_where,
    "Transpose": _op_transpose,
    "Split": _op_split,
    "Expand": _op_expand,
    "ReduceProd": _op_reduce(np.prod), "ReduceSum": _op_reduce(np.sum), "ReduceMax": _op_reduce(np.max),
    "ReduceMin": _op_reduce(np.min),
    "Size": lambda n, i, a: [np.asarray(i[0].size, dtype=np.int64)],
}


class _TooBig(Exception):
    pass


def fold(node, inputs: list[np.ndarray | None]) -> list[np.ndarray] | None:
    """Evaluate ``node`` on constant ``inputs``; None where we cannot (unknown op, too big, error)."""
    fn = _OPS.get(node.op_type)
    if fn is None:
        return None
    try:
        outs = fn(node, inputs, _attrs(node))
    except (_TooBig, ValueError, TypeError, IndexError, KeyError, ZeroDivisionError, OverflowError, AttributeError):
        return None  # e.g. an optional input left empty ("") that this op needs: not foldable
    if any(np.asarray(o).size > MAX_FOLD_ELEMENTS for o in outs):
        return None
    return [np.asarray(o) for o in outs]
