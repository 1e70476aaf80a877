"""Upsample / nearest Resize with integer scales → Resize(nearest, asymmetric, floor) with constant scales."""

from __future__ import annotations

import math

import numpy as np
import onnx_graphsurgeon as gs

from . import _gs
from ._registry import Rewrite, register

NAME = "upsample-to-resize"

# Nearest-neighbour modes that pick source index floor(i / s) for every integer scale s: with
# x = (i + 0.5)/s - 0.5 = q + (r + 0.5)/s - 0.5 (i = q s + r, 0 <= r < s) the fraction lies strictly
# inside (-0.5, 0.5), so any round-to-nearest gives q; asymmetric + floor gives q by definition.
_FLOOR_EQUIVALENT = {("half_pixel", "round_prefer_floor"), ("half_pixel", "round_prefer_ceil"),
                     ("pytorch_half_pixel", "round_prefer_floor"), ("pytorch_half_pixel", "round_prefer_ceil"),
                     ("asymmetric", "floor")}


def _scales(node) -> list[float] | None:
    if node.op == "Upsample":
        if "scales" in node.attrs:
            return [float(s) for s in node.attrs["scales"]]
        v = _gs.const_value(node.inputs[1]) if len(node.inputs) > 1 else None
    else:
        v = _gs.const_value(node.inputs[2]) if len(node.inputs) > 2 and node.inputs[2].name else None
        if v is None or v.size == 0:
            sizes = _gs.const_value(node.inputs[3]) if len(node.inputs) > 3 and node.inputs[3].name else None
            src = _gs.static_shape(node.inputs[0])
            if sizes is None or src is None or not _gs.known(src) or len(sizes) != len(src):
                return None
            return [float(o) / float(i) for o, i in zip(sizes.reshape(-1), src)]
    return None if v is None else [float(s) for s in v.reshape(-1)]


def _needs_change(node) -> bool:
    if node.op == "Upsample":
        return True
    mode = (_gs.attr_str(node, "coordinate_transformation_mode", "half_pixel"),
            _gs.attr_str(node, "nearest_mode", "round_prefer_floor"))
    size_based = not (len(node.inputs) > 2 and node.inputs[2].name and _gs.const_value(node.inputs[2]) is not None
                      and _gs.const_value(node.inputs[2]).size)
    return mode != ("asymmetric", "floor") or size_based


def apply(graph, ctx) -> int:
    smax = ctx.limits.resize_nearest_scale_max
    if not smax or _gs.opset(graph) < 11:
        if smax and any(n.op == "Upsample" for n in graph.nodes):
            ctx.note(NAME, "Upsample", f"model opset {_gs.opset(graph)} has no Resize with coordinate modes "
                                       "(opset 11); the fix pipeline converts the model first when it can")
        return 0
    changed = 0
    for node in [n for n in graph.nodes if n.op in ("Upsample", "Resize")]:
        if _gs.attr_str(node, "mode", "nearest") != "nearest" or not _needs_change(node):
            continue
        if node.op == "Resize":
            mode = (_gs.attr_str(node, "coordinate_transformation_mode", "half_pixel"),
                    _gs.attr_str(node, "nearest_mode", "round_prefer_floor"))
            if mode not in _FLOOR_EQUIVALENT or node.attrs.get("axes") is not None:
                continue
        scales = _scales(node)
        x, y = node.inputs[0], node.outputs[0]
        shape = _gs.static_shape(x)
        if scales is None or len(scales) != 4 or (shape is not None and len(shape) != 4):
            ctx.note(NAME, node.name, "scales are not a constant 4-vector")
            continue
        if scales[0] != 1 or scales[1] != 1 or any(not math.isfinite(s) or s != int(s) or not 1 <= s <= smax
                                                      for s in scales[2:]):
            ctx.note(NAME, node.name, f"scales {scales} are not {{1, 1, s_h, s_w}} with integer s in [1, {smax}]")
            continue
        roi = gs.Constant(ctx.fresh(f"{node.name}_roi"), np.zeros((0,), dtype=np.float32))
        sc = gs.Constant(ctx.fresh(f"{node.name}_scales"), np.asarray(scales, dtype=np.float32))
        _gs.detach(node)
        graph.nodes.append(gs.Node("Resize", ctx.fresh(node.name or "resize"),
                                   {"mode": "nearest", "coordinate_transformation_mode": "asymmetric",
                                    "nearest_mode": "floor"}, [x, roi, sc], [y]))
        changed += 1
    return changed


REWRITE = register(Rewrite(
    name=NAME,
    title="Upsample / nearest Resize -> Resize(nearest, asymmetric, floor) with constant scales {1, 1, s_h, s_w}",
    applies="nearest Upsample, or nearest Resize given by sizes or with half_pixel/pytorch_half_pixel rounding, "
            "whose scales are 1 on N and C and integers within DLA's nearest-resize limit on H and W; opset >= 11",
    exact="Upsample(nearest) is defined as out[i] = in[floor(i / s)], which is Resize's asymmetric + floor mode; "
          "for integer s the half-pixel modes round (i + 0.5)/s - 0.5 to the same floor(i / s) because the "
          "fraction lies strictly between -0.5 and 0.5; constant scales replace equivalent constant sizes",
    apply=apply,
), order=10)
