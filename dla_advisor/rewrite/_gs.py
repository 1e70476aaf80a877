"""Small onnx-graphsurgeon helpers shared by the rewrites."""

from __future__ import annotations

import numpy as np
import onnx_graphsurgeon as gs


def const_value(tensor) -> np.ndarray | None:
    """The value of a constant tensor (initializer or Constant node output), else None."""
    if tensor is None:
        return None
    if isinstance(tensor, gs.Constant):
        return np.asarray(tensor.values)
    if len(tensor.inputs) == 1 and tensor.inputs[0].op == "Constant":
        node = tensor.inputs[0]
        if "value" in node.attrs and isinstance(node.attrs["value"], gs.Constant):
            return np.asarray(node.attrs["value"].values)
        for key in ("value_float", "value_int", "value_floats", "value_ints"):
            if key in node.attrs:
                return np.asarray(node.attrs[key])
    return None


def static_shape(tensor) -> tuple[int | None, ...] | None:
    """The tensor's shape with unknown (symbolic/negative) dims as None; None when the rank is unknown."""
    shape = getattr(tensor, "shape", None)
    if shape is None:
        return None
    return tuple(int(d) if isinstance(d, (int, np.integer)) and int(d) > 0 else None for d in shape)


def known(shape, *dims: int) -> bool:
    """True when every dim listed (all when none listed) of ``shape`` is a known positive int."""
    if shape is None:
        return False
    idx = dims or range(len(shape))
    return all(0 <= i < len(shape) and shape[i] is not None for i in idx)


def only_consumer(graph: gs.Graph, tensor) -> gs.Node | None:
    """The single node reading ``tensor``, when it is not also a graph output."""
    if len(tensor.outputs) != 1 or any(tensor is o for o in graph.outputs):
        return None
    return tensor.outputs[0]


def producer(tensor) -> gs.Node | None:
    return tensor.inputs[0] if len(tensor.inputs) == 1 else None


def detach(node: gs.Node) -> None:
    """Disconnect a node so ``graph.cleanup()`` drops it (its outputs are re-produced elsewhere)."""
    node.inputs.clear()
    node.outputs.clear()


def ints(value, default=None) -> list[int] | None:
    if value is None:
        return default
    return [int(v) for v in value]


def attr_str(node: gs.Node, key: str, default: str) -> str:
    v = node.attrs.get(key, default)
    return v.decode() if isinstance(v, bytes) else str(v)


def opset(graph: gs.Graph) -> int:
    return int(graph.opset or 0)


def int64_const(ctx, base: str, values) -> gs.Constant:
    return gs.Constant(ctx.fresh(base), np.asarray(values, dtype=np.int64))


def float_const(ctx, base: str, value, dtype) -> gs.Constant:
    return gs.Constant(ctx.fresh(base), np.asarray(value, dtype=dtype))


def variable(ctx, base: str, like) -> gs.Variable:
    """A new intermediate tensor with the dtype of ``like`` (shape left to inference)."""
    return gs.Variable(ctx.fresh(base), dtype=getattr(like, "dtype", None))


def float_dtype(tensor):
    """The numpy float dtype of an activation tensor (float32 when unknown)."""
    dt = getattr(tensor, "dtype", None)
    try:
        dt = np.dtype(dt) if dt is not None else np.dtype(np.float32)
    except TypeError:
        return np.dtype(np.float32)
    return dt if np.issubdtype(dt, np.floating) else np.dtype(np.float32)
