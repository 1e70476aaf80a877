"""Layers that left DLA, selected by the fallback-reason ids of ``rules/reasons.yaml``.

One detector serves every fallback rule: a rule lists the reason ids it owns, so predicted layouts
(platform checks) and measured ones (log readers) trigger the same rule.
"""

from __future__ import annotations

from ...layout import GPU
from .._reasons import reason_classes, reason_titles
from .._registry import detector
from .._types import Hit

_REASONS = sorted(reason_classes())


@detector("fallback-reason", params={
    "required": ["reasons"],
    "properties": {"reasons": {"type": "array", "minItems": 1, "uniqueItems": True, "items": {"enum": _REASONS}}},
})
def fallback_reason(layout, network, platform, config, params):
    """One hit per GPU layer whose fallback reason is one of ``params.reasons``."""
    wanted = set(params["reasons"])
    shapes = _fixed_shapes(network)
    hits = []
    for p in layout.placements:
        if p.device != GPU:
            continue
        matching = [r for r in p.reasons if r.id in wanted]
        if not matching:
            continue
        first = matching[0]
        detail = "; ".join(r.message.rstrip(". ") for r in matching if r.message)
        hits.append(Hit(layers=(p.name,), values={
            "where": _where(p),
            "kind": p.kind,
            "reason": first.id,
            "reason_title": reason_titles().get(first.id, first.id),
            "detail": detail or reason_titles().get(first.id, first.id),
            "constraint": first.platform_key or "TensorRT's report",
            "constraint_source": first.source,
            "onnx_node": p.onnx_nodes[0] if p.onnx_nodes else p.name,
            "fixed_shapes": shapes,
        }))
    return hits


def _where(p) -> str:
    """`` (Unary, ONNX exp0)``: the kind and source node where known (measured layers may lack both)."""
    parts = [p.kind] if p.kind else []
    nodes = [n for n in p.onnx_nodes if n != p.name]
    if nodes:
        parts.append("ONNX " + ", ".join(nodes))
    return f" ({', '.join(parts)})" if parts else ""


def _fixed_shapes(network) -> str:
    """``--shapes`` for the dynamic inputs, at the shapes the analysis assumed (empty if unknown)."""
    if network is None or not network.dynamic_inputs:
        return ""
    parts = []
    for name in network.dynamic_inputs:
        t = network.tensor(name)
        if t is None or not t.shape:
            return ""
        parts.append(f"{name}:{'x'.join(str(int(d)) for d in t.shape)}")
    return ",".join(parts)
