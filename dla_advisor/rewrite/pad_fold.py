"""Pad (constant 0, spatial) folded into the Conv / pooling that reads it."""

from __future__ import annotations

from . import _gs
from ._registry import Rewrite, register

NAME = "pad-fold"

def _pad_params(node) -> tuple[list[int], float] | None:
    """(pads [begin..., end...] over all axes, constant value) or None when not constant mode."""
    if _gs.attr_str(node, "mode", "constant") != "constant":
        return None
    if "pads" in node.attrs:  # opset < 11
        return _gs.ints(node.attrs["pads"]), float(node.attrs.get("value", 0.0))
    pads = _gs.const_value(node.inputs[1]) if len(node.inputs) > 1 else None
    if pads is None:
        return None
    value = 0.0
    if len(node.inputs) > 2 and node.inputs[2] is not None and node.inputs[2].name:
        v = _gs.const_value(node.inputs[2])
        if v is None or v.size != 1:
            return None
        value = float(v.reshape(-1)[0])
    pads = [int(p) for p in pads.reshape(-1)]
    if len(node.inputs) > 3 and node.inputs[3] is not None and node.inputs[3].name:  # opset 18 axes
        axes = _gs.const_value(node.inputs[3])
        rank = len(pads) // 2
        shape = _gs.static_shape(node.inputs[0])
        if axes is None or shape is None:
            return None
        full = [0] * (2 * len(shape))
        for i, a in enumerate(int(a) % len(shape) for a in axes.reshape(-1)):
            full[a], full[a + len(shape)] = pads[i], pads[i + rank]
        pads = full
    return pads, value

def _non_negative(tensor) -> bool:
    """True when ``tensor`` is produced by Relu or by a Clip with a lower bound >= 0."""
    node = _gs.producer(tensor)
    if node is None:
        return False
    if node.op == "Relu":
        return True
    if node.op == "Clip":
        lo = node.attrs.get("min")
        if len(node.inputs) > 1 and node.inputs[1] is not None and node.inputs[1].name:
            v = _gs.const_value(node.inputs[1])
            lo = None if v is None else float(v.reshape(-1)[0])
        return lo is not None and lo >= 0
    return False

def _fold_target(node, consumer, limits) -> tuple[str | None, str]:
    """(None, '') when ``consumer`` can absorb the pad, else (why, '')."""
    if _gs.attr_str(consumer, "auto_pad", "NOTSET") not in ("NOTSET", "VALID"):
        return "auto_pad SAME_*", ""
    if consumer.op == "Conv":
        return None, "conv"
    if consumer.op == "AveragePool":
        if int(consumer.attrs.get("ceil_mode", 0)):
            return "ceil_mode=1", ""
        own = _gs.ints(consumer.attrs.get("pads"), [0, 0, 0, 0])
        if any(own) and not int(consumer.attrs.get("count_include_pad", 0)):
            return "the AveragePool already excludes its own padding from the count", ""
        return None, "avg"
    if consumer.op == "MaxPool":
        if not _non_negative(node.inputs[0]):
            return "zero padding equals MaxPool's -inf padding only for non-negative inputs (Relu/Clip(0, .))", ""
        if len(consumer.outputs) > 1 and consumer.outputs[1].outputs:
            return "MaxPool indices output is used", ""
        return None, "max"
    return f"{consumer.op} cannot absorb padding", ""

def apply(graph, ctx) -> int:
    lim = ctx.limits
    changed = 0
    for node in [n for n in graph.nodes if n.op == "Pad"]:
        x = node.inputs[0]
        params = _pad_params(node)
        consumer = _gs.only_consumer(graph, node.outputs[0])
        if params is None or consumer is None or consumer.op not in ("Conv", "AveragePool", "MaxPool") \
                or consumer.inputs[0] is not node.outputs[0]:
            continue
        pads, value = params
        rank = len(pads) // 2
        if rank != 4 or value != 0.0:
            ctx.note(NAME, node.name, "not a zero-valued pad of a 4-D tensor")
            continue
        if pads[0] or pads[1] or pads[4] or pads[5] or min(pads) < 0:
            ctx.note(NAME, node.name, "pads the batch/channel axes or crops (negative pads)")
            continue
        why, target = _fold_target(node, consumer, lim)
        if why:
            ctx.note(NAME, node.name, why)
            continue
        kernel = _gs.ints(consumer.attrs.get("kernel_shape"))
        if kernel is None and consumer.op == "Conv":
            w = _gs.const_value(consumer.inputs[1])
            kernel = None if w is None else list(w.shape[2:])
        own = _gs.ints(consumer.attrs.get("pads"), [0, 0, 0, 0])
        if kernel is None or len(kernel) != 2 or len(own) != 4:
            continue
        new = [own[0] + pads[2], own[1] + pads[3], own[2] + pads[6], own[3] + pads[7]]
        pad_max = lim.conv_padding_max if target == "conv" else lim.pool_padding_max
        if pad_max is None or max(new) > pad_max or any(p >= kernel[i % 2] for i, p in enumerate(new)):
            ctx.note(NAME, node.name, f"the folded padding {new} would exceed DLA's limit for {consumer.op}")
            continue
        consumer.attrs["pads"] = new
        consumer.attrs.pop("auto_pad", None)
        if target == "avg":
            consumer.attrs["count_include_pad"] = 1
        consumer.inputs[0] = x
        _gs.detach(node)
        changed += 1
    return changed

REWRITE = register(Rewrite(
    name=NAME,
    title="Pad (constant 0) + Conv/AveragePool/MaxPool -> the same op with the padding in its pads",
    applies="constant-mode Pad with value 0, non-negative pads on H and W only, read by exactly one Conv, "
            "AveragePool (ceil_mode 0, and count_include_pad=1 or no pads of its own) or MaxPool whose input is "
            "non-negative (after Relu/Clip(0, .)); the summed pads stay within the DLA limit and below the kernel",
    exact="a convolution's own padding is zero padding; an AveragePool with count_include_pad=1 divides by the "
          "full window, exactly as it does over explicitly padded zeros; for MaxPool, zeros never win against "
          "non-negative inputs and every window still holds an input element because pads < kernel",
    apply=apply,
), order=50)
