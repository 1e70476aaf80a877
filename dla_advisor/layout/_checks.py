"""Generic checkers behind the constraints in ``rules/platforms/*.yaml``.

A check entry names a checker (``check: range``) and its parameters; the checker returns ``None``
when the layer passes, or the offending value (and extra template fields) when it does not. Adding a
platform constraint is data; a new *kind* of constraint is one function here plus its parameters in
``platforms/_vocabulary.py`` (which platform files are validated against when they load).
"""

from __future__ import annotations

import math
from typing import Any, Callable

from .._registry import Registry
from ..graph import Layer, Network

Failure = dict[str, Any] | None
Checker = Callable[[Layer, Network, dict, "CheckContext"], Failure]

_CHECKERS: Registry[Checker] = Registry("platform check")


class CheckContext:
    """What a checker may need besides the layer: the platform limits and the build precision."""

    def __init__(self, platform, precision: str):
        self.platform = platform
        self.precision = precision
        self.tensors: list = []  # the current layer's activation tensors, set once per layer

    def limit(self, key: str) -> Any:
        return self.platform.limit(key)


def checker(name: str):
    return _CHECKERS.register(name)


def run_check(entry: dict, layer: Layer, net: Network, ctx: CheckContext) -> Failure:
    # Platform files are validated at load, so an unknown name here is a bug, and UnknownName says which.
    return _CHECKERS[entry["check"]](layer, net, entry, ctx)


def known_checkers() -> set[str]:
    return set(_CHECKERS)


def _as_list(v) -> list:
    if v is None:
        return []
    return list(v) if isinstance(v, (list, tuple)) else [v]


def layer_tensors(layer: Layer, net: Network) -> list:
    get = net.tensors.get
    return [x for x in (get(t) for t in (*layer.inputs, *layer.outputs)) if x is not None]


@checker("range")
def _range(layer, net, e, ctx) -> Failure:
    values = _as_list(layer.attrs.get(e["attr"]))
    bad = [v for v in values if v is None or not (e["min"] <= v <= e["max"])]
    return {"value": values if len(values) != 1 else values[0]} if bad else None


@checker("equals")
def _equals(layer, net, e, ctx) -> Failure:
    v = layer.attrs.get(e["attr"])
    return None if v == e["value"] else {"value": v}


@checker("in_set")
def _in_set(layer, net, e, ctx) -> Failure:
    if e.get("unless_attr") and layer.attrs.get(e["unless_attr"]):
        return None  # a more specific check owns this case
    v = layer.attrs.get(e["attr"])
    return None if v in e["values"] else {"value": v}


@checker("not_in_set")
def _not_in_set(layer, net, e, ctx) -> Failure:
    bad = [v for v in _as_list(layer.attrs.get(e["attr"])) if v in e["values"]]
    return {"value": bad} if bad else None


@checker("truthy")
def _truthy(layer, net, e, ctx) -> Failure:
    return None if layer.attrs.get(e["attr"]) else {"value": layer.attrs.get(e["attr"])}


@checker("falsy")
def _falsy(layer, net, e, ctx) -> Failure:
    return {"value": layer.attrs.get(e["attr"])} if layer.attrs.get(e["attr"]) else None


@checker("never")
def _never(layer, net, e, ctx) -> Failure:
    return {"value": layer.kind}


@checker("float_tensors")
def _float_tensors(layer, net, e, ctx) -> Failure:
    for t in ctx.tensors:
        if t.dtype not in ("float32", "float16", "bfloat16", "int8", "uint8"):
            return {"value": t.dtype, "tensor": t.name}
    return None


@checker("rank")
def _rank(layer, net, e, ctx) -> Failure:
    for t in ctx.tensors:
        if t.shape is not None and len(t.shape) != e["equals"]:
            return {"value": len(t.shape), "tensor": t.name}
    return None


@checker("max_dim")
def _max_dim(layer, net, e, ctx) -> Failure:
    lim = ctx.limit(e["limit"])
    for t in ctx.tensors:
        if t.shape and len(t.shape) >= 1:
            for d in t.shape[-3:]:
                if d > lim:
                    return {"value": d, "tensor": t.name, "limit": lim}
    return None


@checker("max_batch")
def _max_batch(layer, net, e, ctx) -> Failure:
    lim = ctx.limit(e["limit"])
    for t in ctx.tensors:
        if t.shape and len(t.shape) > 3:
            b = math.prod(t.shape[:-3])
            if b > lim:
                return {"value": b, "tensor": t.name, "limit": lim}
    return None


@checker("pads_below_kernel")
def _pads_below_kernel(layer, net, e, ctx) -> Failure:
    # Compared with the dilated window: a dilated 3x3 conv padded by its dilation (DeepLab's ASPP)
    # keeps its output size, and DLA pads relative to the window it actually reads.
    dil = layer.attrs.get("dilations") or [1] * len(layer.attrs.get("kernel") or [])
    kernel = [(k - 1) * d + 1 for k, d in zip(layer.attrs.get("kernel") or [], dil)]
    pads = layer.attrs.get("pads") or []
    n = len(kernel)
    for i, k in enumerate(kernel):
        for p in (pads[i] if i < len(pads) else 0, pads[i + n] if i + n < len(pads) else 0):
            if p >= k:
                return {"value": pads, "kernel": kernel}
    return None


@checker("clip_range")
def _clip_range(layer, net, e, ctx) -> Failure:
    if layer.attrs.get("activation") != "CLIP":
        return None
    lo, hi = layer.attrs.get("alpha"), layer.attrs.get("beta")
    if lo is None or hi is None or lo != 0 or hi > e["max"] or hi <= 0:
        return {"value": f"{lo}, {hi}"}
    return None


@checker("broadcast")
def _broadcast(layer, net, e, ctx) -> Failure:
    shapes = layer.attrs.get("broadcast")
    if not shapes or len(shapes) != 2 or any(s is None for s in shapes):
        return None
    a, b = (tuple(s) for s in shapes)
    if a == b:
        return None
    big, small = (a, b) if math.prod(a) >= math.prod(b) else (b, a)
    if len(small) != len(big) or len(big) != 4:
        return {"value": [list(a), list(b)]}
    n, c = big[0], big[1]
    if small in ((n, c, 1, 1), (n, 1, 1, 1)):
        return None
    return {"value": [list(a), list(b)]}


@checker("max_const_inputs")
def _max_const_inputs(layer, net, e, ctx) -> Failure:
    if layer.attrs.get("op") not in e.get("ops", []):
        return None
    n = layer.attrs.get("num_const_inputs", 0)
    return None if e.get("min", 0) <= n <= e["max"] else {"value": n}


@checker("resize_combo")
def _resize_combo(layer, net, e, ctx) -> Failure:
    mode = layer.attrs.get("mode")
    ctm = layer.attrs.get("coordinate_transformation_mode")
    nm = layer.attrs.get("nearest_mode")
    if mode == "nearest":
        ok = (ctm == "asymmetric" and nm == "floor") or (
            ctm in ("half_pixel", "pytorch_half_pixel") and nm in ("round_prefer_floor", "round_prefer_ceil"))
    elif mode == "linear":
        ok = ctm in ("half_pixel", "pytorch_half_pixel")
    else:
        ok = False
    return None if ok else {"value": f"{mode}/{ctm}/{nm}"}


@checker("resize_scales")
def _resize_scales(layer, net, e, ctx) -> Failure:
    scales = layer.attrs.get("scales")
    if not scales or len(scales) != 4:
        return {"value": scales}
    hi = e["nearest_max"] if layer.attrs.get("mode") == "nearest" else e["linear_max"]
    ok = scales[0] == 1 and scales[1] == 1 and all(float(s).is_integer() and 1 <= s <= hi for s in scales[2:])
    return None if ok else {"value": scales}


@checker("softmax_axis")
def _softmax_axis(layer, net, e, ctx) -> Failure:
    t = net.tensors.get(layer.inputs[0]) if layer.inputs else None
    axis = layer.attrs.get("axis")
    if t is None or t.shape is None or axis is None:
        return None
    if len(t.shape) != 4 or axis < 1:
        return {"value": axis}
    others = [d for i, d in enumerate(t.shape) if i not in (0, axis)]
    limit = e["accurate_max"] if all(d == 1 for d in others) else e["approximate_max"]
    return None if t.shape[axis] <= limit else {"value": f"{axis} (size {t.shape[axis]} > {limit})"}


@checker("shuffle_batch")
def _shuffle_batch(layer, net, e, ctx) -> Failure:
    a = layer.attrs
    if a.get("internal_rank", 4) > 4:
        return {"value": f"{a.get('op')} is built from {a['internal_rank']}-D shuffles"}
    if a.get("op") == "Transpose" and a.get("perm") and a["perm"][0] != 0:
        return {"value": f"transpose {a['perm']} moves the batch dimension"}
    tin = net.tensors.get(layer.inputs[0]) if layer.inputs else None
    tout = net.tensors.get(layer.outputs[0]) if layer.outputs else None
    if tin is not None and tout is not None and tin.shape and tout.shape and tin.shape[0] != tout.shape[0]:
        return {"value": f"reshape {list(tin.shape)} -> {list(tout.shape)} changes the batch dimension"}
    return None


@checker("global_pool_import")
def _global_pool_import(layer, net, e, ctx) -> Failure:
    if layer.attrs.get("global_pool") and layer.attrs.get("op") == "AVG" and ctx.platform.global_average_pool_import == "reduce":
        return {"value": layer.attrs.get("window")}
    return None


@checker("inclusive_padding")
def _inclusive_padding(layer, net, e, ctx) -> Failure:
    a = layer.attrs
    if a.get("type") == "AVERAGE" and any(p > 0 for p in a.get("pads") or []) and a.get("exclusive_padding"):
        return {"value": a.get("pads")}
    return None


@checker("cbuf")
def _cbuf(layer, net, e, ctx) -> Failure:
    """The TensorRT 8.4 guide's CBUF fit rule (16 banks of 32 KiB)."""
    a = layer.attrs
    t = net.tensors.get(layer.inputs[0]) if layer.inputs else None
    kernel = a.get("kernel") or []
    if t is None or not t.shape or len(t.shape) != 4 or len(kernel) != 2:
        return None
    c_in = t.shape[1] // max(1, a.get("group", 1)) if a.get("group", 1) > 1 else t.shape[1]
    w_in = t.shape[3]
    nbytes = 1 if ctx.precision == "int8" else 2
    round_up = lambda x, m: -(-x // m) * m  # noqa: E731
    wt_banks = math.ceil(round_up(c_in * kernel[0] * kernel[1] * nbytes, 128) / 32768)
    entries = math.ceil(math.ceil(c_in * nbytes / 32) * w_in / 4)
    dil_h = (kernel[0] - 1) * (a.get("dilations") or [1])[0] + 1
    data_banks = math.ceil(entries * dil_h / 256)
    total = wt_banks + data_banks
    return None if total <= e["banks"] else {"value": total}


_RESHAPES = ("Reshape", "Flatten", "Squeeze", "Unsqueeze")


@checker("reshape_next_to_slice_or_concat")
def _reshape_next_to_slice_or_concat(layer, net, e, ctx) -> Failure:
    """DLA's compiler rejects a reshape whose input comes from, or whose output feeds, a Slice or Concat."""
    if layer.op not in _RESHAPES and layer.attrs.get("op") not in _RESHAPES:
        return None
    near = set(e.get("kinds", ("Slice", "Concatenation")))
    producer = net.producer(layer.inputs[0]) if layer.inputs else None
    if producer is not None and producer.kind in near:
        return {"value": f"{producer.kind} {producer.name}", "side": "after"}
    for t in layer.outputs:
        for c in net.consumers(t):
            if c.kind in near:
                return {"value": f"{c.kind} {c.name}", "side": "before"}
    return None
