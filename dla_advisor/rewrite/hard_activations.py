"""HardSigmoid / HardSwish → scale + Clip(0, 6) + scale (+ product), all layers DLA runs.

``hardsigmoid(x) = clip(αx + β, 0, 1) = clip(6αx + 6β, 0, 6) / 6`` and ``hardswish(x) = x ·
hardsigmoid_{1/6, 1/2}(x) = x · clip(x + 3, 0, 6) / 6``. The factor 6 puts the clip's upper bound
where DLA's clipped ReLU accepts it (lower bound 0, upper bound ≤ 127 on the platforms we know).
"""

from __future__ import annotations

import onnx_graphsurgeon as gs

from . import _gs
from ._registry import Rewrite, register

CLIP_TOP = 6.0


def _clip(ctx, x, y, top: float, dtype, graph) -> gs.Node:
    if _gs.opset(graph) >= 11:
        lo = _gs.float_const(ctx, "clip_min", 0.0, dtype)
        hi = _gs.float_const(ctx, "clip_max", top, dtype)
        return gs.Node("Clip", ctx.fresh("clip"), {}, [x, lo, hi], [y])
    return gs.Node("Clip", ctx.fresh("clip"), {"min": 0.0, "max": float(top)}, [x], [y])


def _scaled_clip(ctx, graph, x, alpha: float, beta: float, out, base: str) -> list[gs.Node]:
    """Nodes computing ``clip(alpha·x + beta, 0, 1)`` into ``out`` as Mul, Add, Clip(0, 6), Mul."""
    dtype = _gs.float_dtype(x)
    nodes, cur = [], x
    scale = CLIP_TOP * alpha
    if scale != 1.0:
        t = _gs.variable(ctx, f"{base}_scaled", x)
        nodes.append(gs.Node("Mul", ctx.fresh(f"{base}_mul"), {}, [cur, _gs.float_const(ctx, "scale", scale, dtype)], [t]))
        cur = t
    shift = CLIP_TOP * beta
    if shift != 0.0:
        t = _gs.variable(ctx, f"{base}_shifted", x)
        nodes.append(gs.Node("Add", ctx.fresh(f"{base}_add"), {}, [cur, _gs.float_const(ctx, "shift", shift, dtype)], [t]))
        cur = t
    clipped = _gs.variable(ctx, f"{base}_clipped", x)
    nodes.append(_clip(ctx, cur, clipped, CLIP_TOP, dtype, graph))
    nodes.append(gs.Node("Mul", ctx.fresh(f"{base}_div6"), {},
                         [clipped, _gs.float_const(ctx, "inv6", 1.0 / CLIP_TOP, dtype)], [out]))
    return nodes


def _usable(ctx) -> bool:
    top = ctx.limits.clip_max
    return top is not None and top >= CLIP_TOP


def apply_hardsigmoid(graph, ctx) -> int:
    if not _usable(ctx):
        return 0
    changed = 0
    for node in [n for n in graph.nodes if n.op == "HardSigmoid"]:
        alpha = float(node.attrs.get("alpha", 0.2))
        beta = float(node.attrs.get("beta", 0.5))
        x, y = node.inputs[0], node.outputs[0]
        _gs.detach(node)
        graph.nodes.extend(_scaled_clip(ctx, graph, x, alpha, beta, y, node.name or "hardsigmoid"))
        changed += 1
    return changed


def apply_hardswish(graph, ctx) -> int:
    if not _usable(ctx):
        return 0
    changed = 0
    for node in [n for n in graph.nodes if n.op == "HardSwish"]:
        x, y = node.inputs[0], node.outputs[0]
        base = node.name or "hardswish"
        gate = _gs.variable(ctx, f"{base}_gate", x)
        _gs.detach(node)
        graph.nodes.extend(_scaled_clip(ctx, graph, x, 1.0 / 6.0, 0.5, gate, base))
        graph.nodes.append(gs.Node("Mul", ctx.fresh(f"{base}_mul_x"), {}, [x, gate], [y]))
        changed += 1
    return changed


HARDSIGMOID = register(Rewrite(
    name="hardsigmoid-to-clip",
    title="HardSigmoid(alpha, beta) -> Mul(6 alpha) + Add(6 beta) + Clip(0, 6) + Mul(1/6)",
    applies="every HardSigmoid, when the platform's DLA Clip accepts an upper bound of 6",
    exact="clip(alpha x + beta, 0, 1) = clip(6 alpha x + 6 beta, 0, 6) / 6 for every x; the scales and the "
          "clip are per-element, so only float rounding (about 1 ulp) differs",
    apply=apply_hardsigmoid,
), order=30)

HARDSWISH = register(Rewrite(
    name="hardswish-to-clip",
    title="HardSwish -> x * (Clip(x + 3, 0, 6) * 1/6)",
    applies="every HardSwish, when the platform's DLA Clip accepts an upper bound of 6",
    exact="HardSwish(x) is defined as x * max(0, min(1, x/6 + 1/2)) = x * clip(x + 3, 0, 6) / 6; the "
          "product of two same-shape activations is an element-wise PROD, which DLA runs",
    apply=apply_hardswish,
), order=31)
