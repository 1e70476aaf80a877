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
        findings.extend(_finding(rule, h, layout, platform, config) for h in hits)
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


def _finding(rule: Rule, hit: Hit, layout, platform, config) -> Finding:
    values = _base_values(layout, platform, config, hit)
    values.update(hit.values)
    message = _fill(rule, "message", rule.entry["message"], values)
    fixes = tuple(f for f in (_fix(rule, body, values) for body in _fix_bodies(rule, platform)) if f is not None)
    nodes: list[str] = []
    for name in hit.layers:
        p = layout.placement(name)
        for n in (p.onnx_nodes if p is not None else ()):
            if n not in nodes:
                nodes.append(n)
    return Finding(rule_id=rule.id, name=rule.name, title=rule.title, severity=rule.severity, message=message,
                   layers=tuple(hit.layers), tensors=tuple(hit.tensors), onnx_nodes=tuple(nodes), fixes=fixes,
                   references=rule.references, values=dict(hit.values))


def _base_values(layout, platform, config, hit: Hit) -> dict[str, Any]:
    return {
        "platform": platform.id if platform is not None else (layout.platform or "any platform"),
        "trt": f"{platform.trt_min}-{platform.trt_max}" if platform is not None else "any",
        "precision": getattr(config, "precision", "fp16"),
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
    default_safety = rule.entry["fix"]["fix_safety"]
    flags = [x for x in (_fill_line(rule, "fix.trtexec_flags", t, values) for t in body.get("trtexec_flags", ())) if x]
    api = [x for x in (_fill_line(rule, "fix.api_lines", t, values) for t in body.get("api_lines", ())) if x]
    rewrite = _fill_line(rule, "fix.rewrite", body["rewrite"], values) if body.get("rewrite") else None
    templated = bool(body.get("trtexec_flags") or body.get("api_lines") or body.get("rewrite"))
    # A fix whose every concrete line depended on a value the detector left empty does not apply.
    if templated and not (flags or api or rewrite):
        return None
    return Fix(trt=trt, summary=_fill(rule, "fix.summary", body["summary"], values), trtexec_flags=tuple(flags),
               api_lines=tuple(api), rewrite=rewrite or None, safety=body.get("fix_safety", default_safety))


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
