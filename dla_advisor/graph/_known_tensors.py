"""What the importer knows of the model's tensors before it maps any layer.

Every tensor's static shape and dtype (from ONNX shape inference) and, for constants (initializers
and the outputs of folded nodes), their shape and, when small, their value. Shape inference and
constant folding feed each other: a folded ``Shape → ... → Reshape`` target fixes the shapes after
it, and a fixed shape lets the next ``Shape`` fold. :func:`infer_and_fold` alternates the two.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from . import _fold
from ._shapes import SMALL_INITIALIZER, infer_shapes

MAX_ROUNDS = 8  # a bound, not a target: the rounds stop as soon as one folds nothing new


class KnownTensors:
    """Inferred shapes and dtypes, and the constants' shapes and small values, by tensor name.

    Answers the questions of :class:`~dla_advisor.graph._opmap.Context` for layer mapping.
    """

    def __init__(self, shape_of, dtype_of, small, const_shapes):
        self.shape_of, self.dtype_of, self.small, self.const_shapes = shape_of, dtype_of, small, const_shapes

    @classmethod
    def from_initializers(cls, graph: onnx.GraphProto) -> KnownTensors:
        """Every initializer's shape, and the values of the small ones stored inside the model."""
        small: dict[str, np.ndarray] = {}
        const_shapes: dict[str, tuple[int, ...]] = {}
        for init in graph.initializer:
            dims = tuple(int(d) for d in init.dims)
            const_shapes[init.name] = dims
            n_el = int(np.prod(dims)) if dims else 1
            if n_el <= SMALL_INITIALIZER and init.data_location != TensorProto.EXTERNAL:
                try:
                    small[init.name] = numpy_helper.to_array(init)
                except Exception:  # odd encodings: treat as a weight of known shape
                    pass
        return cls({}, {}, small, const_shapes)

    def shape(self, name):
        return self.shape_of.get(name)

    def dtype(self, name):
        return self.dtype_of.get(name, "float32")

    def is_const(self, name):
        return name in self.small or name in self.const_shapes

    def value(self, name):
        return self.small.get(name)

    def const_shape(self, name):
        if name in self.const_shapes:
            return self.const_shapes[name]
        v = self.small.get(name)
        return None if v is None else tuple(v.shape)


def infer_and_fold(model: onnx.ModelProto, fixed: dict[str, tuple[int, ...]], real_inputs,
                   known: KnownTensors) -> set[int]:
    """Alternate shape inference and constant folding until nothing new folds; fills ``known``.

    Args:
        fixed: the analysed shape of each network input.
        real_inputs: the graph inputs that are no initializer.

    Returns:
        The indices of the nodes folded away (no layer is built for them).

    Raises:
        ModelLoadError: onnx's shape inference rejects the model.
    """
    graph = model.graph
    folded_idx: set[int] = set()
    for _ in range(MAX_ROUNDS):
        # Each round infers on a weight-free skeleton without the nodes folded so far.
        shape_of, dtype_of = infer_shapes(model, fixed, real_inputs, folded_idx, known)
        shape_of.update(fixed)
        known.shape_of, known.dtype_of = shape_of, dtype_of
        before = len(folded_idx)
        for idx, node in enumerate(graph.node):
            if idx in folded_idx:
                continue
            if node.op_type == "Constant":
                _fold_constant_node(node, known)
                folded_idx.add(idx)
            elif _try_fold(node, known):
                folded_idx.add(idx)
        if len(folded_idx) == before:
            break
    return folded_idx


def _fold_constant_node(node, known: KnownTensors) -> None:
    for a in node.attribute:
        if a.name == "value":
            t = a.t
            dims = tuple(int(d) for d in t.dims)
            known.const_shapes[node.output[0]] = dims
            if int(np.prod(dims) if dims else 1) <= _fold.MAX_FOLD_ELEMENTS:
                known.small[node.output[0]] = numpy_helper.to_array(t)
        elif a.name in ("value_float", "value_int"):
            known.small[node.output[0]] = np.asarray(helper.get_attribute_value(a))
            known.const_shapes[node.output[0]] = ()
        elif a.name in ("value_floats", "value_ints"):
            v = np.asarray(helper.get_attribute_value(a))
            known.small[node.output[0]] = v
            known.const_shapes[node.output[0]] = v.shape


def _try_fold(node, known: KnownTensors) -> bool:
    """Fold a node whose value is known at build time; True if it needs no layer."""
    ins = [i for i in node.input if i]
    if node.op_type in ("Shape", "Size") and ins:
        shp = known.shape(ins[0]) if not known.is_const(ins[0]) else known.const_shape(ins[0])
        if shp is None or any(not isinstance(d, int) or d <= 0 for d in shp):
            return False
        arr = np.asarray(shp, dtype=np.int64)
        if node.op_type == "Shape":
            a = {x.name: helper.get_attribute_value(x) for x in node.attribute}
            arr = arr[a.get("start", 0): a.get("end", None)]
        else:
            arr = np.asarray(int(np.prod(shp)), dtype=np.int64)
        known.small[node.output[0]] = arr
        known.const_shapes[node.output[0]] = arr.shape
        return True
    if not ins or not all(known.is_const(i) for i in ins):
        return False
    if all(i in known.small for i in ins):
        outs = _fold.fold(node, [known.small[i] if i else None for i in node.input])
        if outs is not None:
            for o, v in zip(node.output, outs):
                known.small[o] = v
                known.const_shapes[o] = v.shape
            return True
    # A weight transform (e.g. DequantizeLinear or Transpose of a weight): constant, value not needed.
    for o in node.output:
        shp = known.shape(o)
        if shp is None:
            return False
        known.const_shapes[o] = shp
    return True
