"""``dla-advisor rules ID``: the explanation of a rule, rendered from its entry and nothing else."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

from ._types import Rule


def explain_rule(rule: Rule, width: int = 100) -> str:
    """Render one rule entry as plain text (Markdown-compatible headings and code lines).

    Args:
        rule: a loaded rule.
        width: wrap prose at this many columns.
    """
    e = rule.entry
    out = [f"{rule.id} {rule.name} ({rule.severity})", "", _wrap(rule.title, width), ""]
    cond = e.get("applies_to") or {}
    if cond:
        parts = [f"TensorRT {cond['trt']}" if "trt" in cond else "", "SoC " + "/".join(cond["soc"]) if "soc" in cond else ""]
        out += [f"Applies to: {', '.join(p for p in parts if p)}", ""]
    out += ["Why it matters", _wrap(e["rationale"], width, "  "), ""]
    out += ["Example", f"  bad:  {e['example']['bad']}", f"  good: {e['example']['good']}", ""]
    fix = e["fix"]
    out += ["Fix" + f" ({fix['fix_safety']})"]
    out += _fix_lines(fix, "  ")
    for v in fix.get("versions", ()):
        out += [f"  On TensorRT {v['trt']}:"] + _fix_lines(v, "    ")
    for a in fix.get("alternatives", ()):
        label = f"  Alternative (TensorRT {a['trt']}):" if "trt" in a else "  Alternative:"
        out += [label] + _fix_lines(a, "    ")
    out.append("")
    if e.get("known_problems"):
        out += ["Known problems", _wrap(e["known_problems"], width, "  "), ""]
    out += ["References"] + [f"  {u}" for u in e["references"]] + [""]
    out.append(f"Detector: {rule.detector}" + (f" {dict(rule.params)}" if rule.params else ""))
    meta = [f"since {e['since']}"]
    if rule.aliases:
        meta.append("aliases " + ", ".join(rule.aliases))
    out.append("Rule: " + "; ".join(meta) + f"; defined in {Path(rule.path).name}:{rule.line}")
    return "\n".join(out) + "\n"


def _fix_lines(body, indent: str) -> list[str]:
    lines = [textwrap.fill(_slots(body["summary"]), 100, initial_indent=indent, subsequent_indent=indent)]
    if body.get("trtexec_flags"):
        lines.append(f"{indent}trtexec: {' '.join(_slots(f) for f in body['trtexec_flags'])}")
    for api in body.get("api_lines", ()):
        lines.append(f"{indent}python:  {_slots(api)}")
    if body.get("rewrite"):
        lines.append(f"{indent}rewrite: {_slots(body['rewrite'])}")
    return lines


def _slots(template: str) -> str:
    """Show template placeholders as <name>: filled in per finding, not literal text to type."""
    return re.sub(r"(?<!\{){([a-z][a-z0-9_]*)}(?!})", r"<\1>", template)


def _wrap(text: str, width: int, indent: str = "") -> str:
    return textwrap.fill(" ".join(str(text).split()), width, initial_indent=indent, subsequent_indent=indent)
