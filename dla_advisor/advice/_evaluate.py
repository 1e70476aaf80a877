"""Run rules over an engine layout: applicability, detectors, message and fix templates."""

from __future__ import annotations

import string
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping

from ..errors import RuleFileError
from ._loader import load_rules
from ._registry import get_detectors
from ._ruleset import RuleSet
from ._types import Finding, Fix, Hit, Rule, severity_rank
from ._versions import ANY, VersionRange, parse_range, platform_range


@lru_cache(maxsize=1)
def _default_rules() -> RuleSet:
    return load_rules()


def evaluate(layout, network=None, platform=None, config=None, rules: RuleSet | None = None,
             select: Iterable[str] | None = None, ignore: Iterable[str] | None = None) -> list[Finding]:
    """Run every selected rule that applies to ``platform`` over ``layout``.

    Args:
        layout: the :class:`~dla_advisor.layout.EngineLayout` (predicted or measured).
        network: the :class:`~dla_advisor.graph.Network` it came from, when there is one.
        platform: the :class:`~dla_advisor.platforms.Platform`; ``None`` checks against all versions.
        config: the :class:`~dla_advisor.layout.BuildConfig`; defaults to ``layout.config``.
        rules: a loaded :class:`RuleSet` (default: the built-in rules).
        select / ignore: rule ids, names, aliases or id prefixes.

    Returns:
        Findings, most severe first, then by rule id.

    Raises:
        RuleFileError: a rule's template names a value its detector does not provide.
        UsageError: a selector matches no rule.
    """
    rules = rules if rules is not None else _default_rules()
    config = config if config is not None else getattr(layout, "config", None)
    detectors = get_detectors()
    findings: list[Finding] = []
    for rule in rules.selected(select, ignore):
        if not applies(rule, platform):
            continue
        hits = detectors[rule.detector].fn(layout, network, platform, config, rule.params)
        findings.extend(_grouped(rule, hits, layout, platform, config))
    findings.sort(key=lambda f: (-severity_rank(f.severity), f.rule_id))
    return findings


def applies(rule: Rule, platform) -> bool:
    """Whether a rule's ``applies_to`` (TensorRT range, SoC) admits ``platform`` (None admits all)."""
    cond = rule.entry.get("applies_to") or {}
    if platform is None:
        return True
    if "soc" in cond and platform.soc not in cond["soc"]:
        return False
    if "trt" in cond and not parse_range(cond["trt"]).overlaps(_platform_range(platform)):
        return False
    return True


def _platform_range(platform) -> VersionRange:
    return platform_range(platform.trt_min, platform.trt_max) if platform is not None else ANY


# How many site names a grouped finding's message spells out; the rest are counted (all of them stay
# in the finding's layers and sites).
_NAMED_SITES = 3


def _grouped(rule: Rule, hits: list[Hit], layout, platform, config) -> list[Finding]:
    """One finding per cause: hits sharing a non-empty ``cause`` merge, in first-seen order."""
    groups: dict[str, list[Hit]] = {}
    order: list[tuple[str, list[Hit]]] = []
    for h in hits:
        if not h.cause:
            order.append(("", [h]))
            continue
        if h.cause not in groups:
            groups[h.cause] = []
            order.append((h.cause, groups[h.cause]))
        groups[h.cause].append(h)
    return [_finding(rule, members[0], layout, platform, config) if len(members) == 1
            else _group_finding(rule, members, layout, platform, config) for _, members in order]


def _group_finding(rule: Rule, members: list[Hit], layout, platform, config) -> Finding:
    layers = tuple(dict.fromkeys(x for h in members for x in h.layers))
    tensors = tuple(dict.fromkeys(x for h in members for x in h.tensors))
    sites = []
    for h in members:
        v = _base_values(layout, platform, config, h)
        v.update(h.values)
        sites.append({"layers": list(h.layers), "tensors": list(h.tensors),
                      "message": _fill(rule, "message", rule.entry["message"], v), "values": dict(h.values)})
    merged = Hit(layers=layers, tensors=tensors, values=dict(members[0].values), cause=members[0].cause)
    values = _base_values(layout, platform, config, merged)
    values.update(merged.values)
    values.update(_group_values(members, layers))
    template = rule.entry.get("group_message")
    if template:
        message = _fill(rule, "group_message", template, values)
    else:
        message = f"{sites[0]['message']} The same cause applies to {len(members) - 1} more site(s): {values['other_sites']}."
    return _make(rule, merged, values, message, layout, platform, tuple(sites))


def _group_values(members: list[Hit], layers: tuple[str, ...]) -> dict[str, Any]:
    names = list(layers) or [t for h in members for t in h.tensors]
    shown = ", ".join(names[:_NAMED_SITES])
    rest = len(names) - _NAMED_SITES
    kinds: dict[str, int] = {}
    variants: dict[str, int] = {}
    for h in members:
        k = h.values.get("kind")
        if k:
            kinds[k] = kinds.get(k, 0) + 1
        v = h.values.get("variant")
        if v:
            variants[v] = variants.get(v, 0) + 1
    return {
        "count": len(names),
        "sites": len(members),
        "first_sites": shown + (f" and {rest} more" if rest > 0 else ""),
        "other_sites": ", ".join(names[1:1 + _NAMED_SITES]) + (f" and {len(names) - 1 - _NAMED_SITES} more"
                                                             if len(names) - 1 > _NAMED_SITES else ""),
        "kinds": ", ".join(f"{n} {k}" for k, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))),
        # What differs between the sites of one cause (the operation), counted: ": Gather x3, TopK x2".
        "variants": (": " + ", ".join(f"{v} x{n}" for v, n in sorted(variants.items(), key=lambda kv: (-kv[1], kv[0]))))
        if variants else "",
    }


def _finding(rule: Rule, hit: Hit, layout, platform, config) -> Finding:
    values = _base_values(layout, platform, config, hit)
    values.update(hit.values)
    message = _fill(rule, "message", rule.entry["message"], values)
    return _make(rule, hit, values, message, layout, platform, ())


def _make(rule: Rule, hit: Hit, values: dict[str, Any], message: str, layout, platform, sites) -> Finding:
    fixes = tuple(f for f in (_fix(rule, body, values) for body in _fix_bodies(rule, platform)) if f is not None)
    nodes: list[str] = []
    for name in hit.layers:
        p = layout.placement(name)
        for n in (p.onnx_nodes if p is not None else ()):
            if n not in nodes:
                nodes.append(n)
    return Finding(rule_id=rule.id, name=rule.name, title=rule.title, severity=rule.severity, message=message,
                   layers=tuple(hit.layers), tensors=tuple(hit.tensors), onnx_nodes=tuple(nodes), fixes=fixes,
                   references=rule.references, values=dict(hit.values), sites=sites)


def _base_values(layout, platform, config, hit: Hit) -> dict[str, Any]:
    return {
        "platform": platform.id if platform is not None else (layout.platform or "any platform"),
        "trt": f"{platform.trt_min}-{platform.trt_max}" if platform is not None else "any",
        "precision": getattr(config, "precision", "fp16"),
        "precision_spec": getattr(config, "precision_spec", None) or getattr(config, "precision", "fp16"),
        # Left as a placeholder: renderers put the input's path here (it is not known to the rules).
        "model": "{model}",
        "precision_upper": getattr(config, "precision", "fp16").upper(),
        "trt_dtype": {"int8": "int8", "fp16": "float16"}.get(getattr(config, "precision", "fp16"), "float16"),
        "layers": hit.layers,
        "layer": hit.layers[0] if hit.layers else "",
        "tensors": hit.tensors,
        "tensor": hit.tensors[0] if hit.tensors else "",
        "count": len(hit.layers) or len(hit.tensors),
        "source": layout.source,
    }


def _fix_bodies(rule: Rule, platform) -> list[tuple[str, Mapping[str, Any]]]:
    """The fix variants for this platform's TensorRT versions, then the alternatives."""
    fix = rule.entry["fix"]
    prange = _platform_range(platform)
    variants = [v for v in fix.get("versions", ()) if parse_range(v["trt"]).overlaps(prange)]
    if platform is None:
        chosen = [("*", fix)] + [(v["trt"], v) for v in fix.get("versions", ())]
    else:
        chosen = [(v["trt"], v) for v in variants] or [("*", fix)]
    alts = [(a.get("trt", "*"), a) for a in fix.get("alternatives", ())
            if parse_range(a.get("trt", "*")).overlaps(prange)]
    return chosen + alts


def _fix(rule: Rule, chosen: tuple[str, Mapping[str, Any]], values: dict[str, Any]) -> Fix | None:
    trt, body = chosen
    # ``when: <value>``: the variant applies only where the detector found its pattern (a rewrite
    # offered on a site its matcher would skip is a wrong fix).
    if body.get("when") and not values.get(body["when"]):
        return None
    default_safety = rule.entry["fix"]["fix_safety"]
    flags = [x for x in (_fill_line(rule, "fix.trtexec_flags", t, values) for t in body.get("trtexec_flags", ())) if x]
    api = [x for x in (_fill_line(rule, "fix.api_lines", t, values) for t in body.get("api_lines", ())) if x]
    rewrite = _fill_line(rule, "fix.rewrite", body["rewrite"], values) if body.get("rewrite") else None
    command = _fill_line(rule, "fix.command", body["command"], values) if body.get("command") else ""
    templated = bool(body.get("trtexec_flags") or body.get("api_lines") or body.get("rewrite") or body.get("command"))
    # A fix whose every concrete line depended on a value the detector left empty does not apply.
    if templated and not (flags or api or rewrite or command):
        return None
    return Fix(trt=trt, summary=_fill(rule, "fix.summary", body["summary"], values), trtexec_flags=tuple(flags),
               api_lines=tuple(api), rewrite=rewrite or None, safety=body.get("fix_safety", default_safety),
               command=command)


def _fill_line(rule: Rule, key: str, template: str, values: dict[str, Any]) -> str:
    """Fill a fix line; an empty placeholder value drops the line (returns '')."""
    for _, field, _, _ in string.Formatter().parse(template):
        if field and _value(rule, key, field, values) in ("", None, (), []):
            return ""
    return _fill(rule, key, template, values)


def _fill(rule: Rule, key: str, template: str, values: dict[str, Any]) -> str:
    out = []
    for literal, field, spec, _ in string.Formatter().parse(template):
        out.append(literal)
        if field is not None:
            v = _value(rule, key, field, values)
            out.append(format(_text(v), spec) if spec else _text(v))
    return "".join(out)


def _value(rule: Rule, key: str, field: str, values: dict[str, Any]) -> Any:
    if field not in values:
        raise RuleFileError(
            f"{Path(rule.path).name}:{rule.line}: {rule.id} {key}: placeholder '{{{field}}}' is not a value of detector '{rule.detector}'",
            f"Use one of: {', '.join(sorted(values))}.", path=rule.path, line=rule.line, key=key)
    return values[field]


def _text(v: Any) -> str:
    if isinstance(v, (list, tuple)):
        return ", ".join(str(x) for x in v)
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)
