"""Explicit quantization: fold activation QuantizeLinear→DequantizeLinear pairs into per-tensor INT8 scales.

DLA takes INT8 only as implicit quantization (a scale per tensor, as a calibration cache gives it);
the Q/DQ nodes of an explicitly quantized model are no DLA layers. A Q→DQ pair on an activation is
numerically a fake-quantization of that tensor, so the importer reads it as what the DLA route
turns it into: the tensor itself, with the pair's scale. Q/DQ on weights (a DequantizeLinear of an
INT8 initializer, or Q→DQ of a float one) is constant and folds like any weight transform.

Scales follow TensorRT's symmetric INT8 (scale = amax / 127, zero-point 0). A zero-point at the
centre of the integer range (0 for INT8, 128 for UINT8) keeps the grid, so the scale carries over
exactly; any other zero-point is converted to the symmetric scale covering the same range and noted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from onnx import TensorProto, numpy_helper

_Q, _DQ = "QuantizeLinear", "DequantizeLinear"
# (qmin, qmax, centre zero-point) by the zero-point's numpy dtype; UINT8 when no zero-point is given.
_RANGES = {"int8": (-128, 127, 0), "uint8": (0, 255, 128), "int16": (-32768, 32767, 0),
           "uint16": (0, 65535, 32768), "int4": (-8, 7, 0), "uint4": (0, 15, 8)}


@dataclass(frozen=True)
class Quantization:
    """What explicit quantization the model carries, after folding.

    Attributes:
        scales: activation tensor name → TensorRT INT8 scale (amax / 127), from the Q→DQ pair on it.
        activation_nodes: the ONNX Q and DQ nodes folded away on activations.
        weight_nodes: the ONNX Q/DQ nodes on weights (folded as constants).
        notes: scales that are not a 1:1 copy (asymmetric zero-point, per-channel activation, two
            pairs with different scales on one tensor), and Q/DQ left in place with why.
    """

    scales: dict[str, float] = field(default_factory=dict)
    activation_nodes: tuple[str, ...] = ()
    weight_nodes: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def nodes(self) -> int:
        return len(self.activation_nodes) + len(self.weight_nodes)

    def __bool__(self) -> bool:
        return bool(self.activation_nodes or self.weight_nodes)


def int8_scale(scale: np.ndarray, zero_point: np.ndarray | None) -> tuple[float | None, str | None]:
    """TensorRT's symmetric INT8 scale for an ONNX (scale, zero-point), and a note when it is not exact.

    An 8-bit grid ``(q - zp) * s`` is kept exactly when zp is the centre of its type; otherwise (another
    zero-point, 4- or 16-bit integers) the symmetric INT8 scale covering the same real range
    ``[(qmin - zp) s, (qmax - zp) s]`` is returned. A floating-point quantization (FP8) has no INT8
    equivalent: None, and the tensor runs in FP16 on DLA.
    """
    s = np.asarray(scale, dtype=np.float64).reshape(-1)
    zp = np.zeros(1, np.uint8) if zero_point is None else np.asarray(zero_point)
    kind = str(zp.dtype)
    if kind not in _RANGES:
        return None, f"{kind} quantization has no INT8 equivalent on DLA; the tensor gets no scale (FP16)"
    qmin, qmax, centre = _RANGES[kind]
    z = zp.astype(np.float64).reshape(-1)
    note = None
    if s.size > 1:
        note = f"per-channel activation scale ({s.size} values) taken as one scale covering every channel"
    if np.all(z == centre) and kind in ("int8", "uint8"):
        return float(np.float32(s.max())), note
    lo, hi = (qmin - z) * s, (qmax - z) * s
    amax = float(np.max(np.maximum(np.abs(lo), np.abs(hi))))
    if note is None:
        note = (f"asymmetric zero-point {z[0]:g}" if kind in ("int8", "uint8") else f"{kind} quantization") + \
            ": converted to the symmetric INT8 scale covering the same range"
    return float(np.float32(amax / 127.0)), note


def fold_activation_qdq(nodes, ctx, folded_idx: set[int], value=None) -> tuple[dict[str, str], set[int], Quantization]:
    """Find activation Q→DQ pairs among ``nodes`` (not yet folded) and fold them.

    Args:
        nodes: the graph's NodeProtos in order.
        ctx: what the importer knows of the tensors, a ``KnownTensors`` (``is_const``, ``value``).
        folded_idx: indices already folded as constants (weight Q/DQ land here).
        value: reads a scale or zero-point by name (default ``ctx.value``).

    Returns:
        ``(alias, indices, quantization)``: DQ output → the quantized tensor, the node indices to
        drop, and what was found.
    """
    value = value or ctx.value
    consumers: dict[str, list[int]] = {}
    for i, n in enumerate(nodes):
        for t in n.input:
            if t:
                consumers.setdefault(t, []).append(i)
    weight_nodes = tuple(_name(nodes[i], i) for i in sorted(folded_idx) if nodes[i].op_type in (_Q, _DQ))
    alias: dict[str, str] = {}
    drop: set[int] = set()
    scales: dict[str, float] = {}
    act_nodes: list[str] = []
    notes: list[str] = []
    for i, q in enumerate(nodes):
        if q.op_type != _Q or i in folded_idx or not q.input or ctx.is_const(q.input[0]):
            continue
        x = q.input[0]
        users = consumers.get(q.output[0], [])
        if not users or any(nodes[j].op_type != _DQ for j in users):
            notes.append(f"{_name(q, i)}: quantized output read by a non-DequantizeLinear node; left in place")
            continue
        s = value(q.input[1]) if len(q.input) > 1 else None
        if s is None:
            notes.append(f"{_name(q, i)}: scale is not a constant; left in place")
            continue
        zp = value(q.input[2]) if len(q.input) > 2 and q.input[2] else None
        scale, note = int8_scale(s, zp)
        if note:
            notes.append(f"{x}: {note}")
        drop.add(i)
        act_nodes.append(_name(q, i))
        for j in users:
            drop.add(j)
            act_nodes.append(_name(nodes[j], j))
            alias[nodes[j].output[0]] = x
        if scale is None:
            continue
        old = scales.get(x)
        if old is not None and old != scale:
            notes.append(f"{x}: quantized twice with scales {old:g} and {scale:g}; the larger is kept")
            scale = max(old, scale)
        scales[x] = scale
    # A DQ output may itself be quantized again (Q→DQ→Q→DQ): resolve to the first real tensor, which
    # then carries the larger of the two scales.
    for k, v in alias.items():
        while v in alias:
            v = alias[v]
        alias[k] = v
    for k in [k for k in scales if k in alias]:
        s = scales.pop(k)
        real = alias[k]
        if real in scales and scales[real] != s:
            notes.append(f"{real}: quantized twice with scales {scales[real]:g} and {s:g}; the larger is kept")
        scales[real] = max(s, scales.get(real, s))
    return alias, drop, Quantization(scales=scales, activation_nodes=tuple(act_nodes), weight_nodes=weight_nodes,
                                     notes=tuple(notes))


MAX_SCALE_ELEMENTS = 65536  # a Q/DQ scale is a scalar or one value per channel; never a weight


def scale_reader(graph, ctx):
    """The value of a Q/DQ scale or zero-point: from the small constants the importer keeps, else read
    from its initializer (a per-channel vector can pass the small-constant limit)."""
    by_name = None

    def value(name: str):
        nonlocal by_name
        v = ctx.value(name)
        if v is not None:
            return v
        if by_name is None:
            by_name = {i.name: i for i in graph.initializer}
        init = by_name.get(name)
        if init is None or init.data_location == TensorProto.EXTERNAL:
            return None
        if init.dims and int(np.prod(init.dims)) > MAX_SCALE_ELEMENTS:
            return None
        return numpy_helper.to_array(init)

    return value


def _name(node, idx: int) -> str:
    return node.name or f"{node.op_type}_{idx}"
