"""Layers that left DLA, selected by the fallback-reason ids of ``rules/reasons.yaml``.

One detector serves every fallback rule: a rule lists the reason ids it owns, so predicted layouts
(platform checks) and measured ones (log readers) trigger the same rule.
"""

from __future__ import annotations

from ...layout import GPU
from .._reasons import reason_classes, reason_titles
from .._registry import detector
from .._types import Hit
from ._patterns import fc_pattern_layers

_REASONS = sorted(reason_classes())


@detector("fallback-reason", params={
    "required": ["reasons"],
    "properties": {"reasons": {"type": "array", "minItems": 1, "uniqueItems": True, "items": {"enum": _REASONS}},
                   "rewrites": {"type": "object", "additionalProperties": {"type": "string"}}},
})
def fallback_reason(layout, network, platform, config, params):
    """One hit per GPU layer whose fallback reason is one of ``params.reasons``."""
    wanted = set(params["reasons"])
    shapes = _fixed_shapes(network)
    fc_sites = fc_pattern_layers(network) if network is not None else None
    rewrites = params.get("rewrites") or {}
    hits = []
    for p in layout.placements:
        if p.device != GPU:
            continue
        matching = [r for r in p.reasons if r.id in wanted]
        if not matching:
            continue
        first = matching[0]
        detail = "; ".join(r.message.rstrip(". ") for r in matching if r.message)
        fc = fc_sites is not None and p.name in fc_sites
        op = _onnx_op(network, p)
        rewrite = rewrites.get(op, "")
        hits.append(Hit(layers=(p.name,), cause=_cause(p, first, fc, rewrite), values={
            "where": _where(p),
            "kind": p.kind,
            "reason": first.id,
            "reason_title": reason_titles().get(first.id, first.id),
            "detail": detail or reason_titles().get(first.id, first.id),
            "constraint": first.platform_key or "TensorRT's report",
            "constraint_source": first.source,
            "onnx_node": p.onnx_nodes[0] if p.onnx_nodes else p.name,
            "fixed_shapes": shapes,
            "cause_text": _cause_text(p, first),
            "fc_pattern": fc,
            "rewrite": rewrite,
            "variant": _variant(p, first, op),
        }))
    return hits


# Reasons whose message names the operation itself (Gather, EXP, a plugin). Their sites group per
# platform constraint (every unsupported layer kind together, every unsupported unary together ...),
# and the finding counts the operations; a site with its own rewrite is its own cause.
_OP_NAMING = {"unsupported-layer", "unsupported-op", "plugin-layer", "reported-unsupported", "reduce-op"}


def _cause(p, reason, fc: bool, rewrite: str = "") -> str:
    """The cause of a fallback: its reason id (and, for unsupported operations, the platform entry)."""
    # One reason id is one cause: a Slice over the batch axis and one with stride -1 break the same
    # family of limits and take the same fix; each site keeps its own detail in the finding's sites.
    # Unsupported operations split per platform entry (all unsupported kinds, all unsupported unaries ...).
    where = reason.platform_key if reason.id in _OP_NAMING else ""
    return "|".join((reason.id, where, "fc" if fc else "", rewrite))


def _variant(p, reason, op: str) -> str:
    """What exactly is unsupported at this site, short: ``Normalization (ONNX LayerNormalization)``, ``unary ERF``."""
    if reason.id not in _OP_NAMING:
        return ""
    if reason.id in ("unsupported-layer", "reported-unsupported"):
        return f"{p.kind} (ONNX {op})" if op and p.kind else (p.kind or op)
    if reason.id == "plugin-layer":
        return f"plugin {op}" if op else "plugin"
    text = (reason.message or "").split(";")[0]
    for name in (p.name, *p.onnx_nodes):
        if name:
            text = text.replace(name, "")
    return text.strip(" .:")


def _cause_text(p, reason) -> str:
    return reason_titles().get(reason.id, reason.id)
def _onnx_op(network, p) -> str:
    layer = network.layers.get(p.name) if network is not None else None
    return layer.op if layer is not None else ""


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
