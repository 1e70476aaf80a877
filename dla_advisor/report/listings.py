"""``platforms`` and ``rules``: what this installation knows, as a table or a JSON document."""

from __future__ import annotations

import json

from .._words import DEFAULT_PLATFORM
from ._json import envelope
from ._registry import formats

PLATFORMS_SCHEMA_VERSION = "1.0"
RULES_SCHEMA_VERSION = "1.1"
PLATFORMS_FORMATS = formats("platforms")
RULES_FORMATS = formats("rules")


@PLATFORMS_FORMATS.register("text", order=0)
def render_platforms_text(platforms, *, one: bool = False, **_) -> str:
    """A table of platforms; ``one``: a single platform asked for by name, with its DLA layers."""
    from rich.table import Table

    from ._rich import to_text

    t = Table(title=f"DLA platforms (default: {DEFAULT_PLATFORM})", title_justify="left")
    for c in ("id", "target", "TensorRT", "loadables/core", "GPU fallback"):
        t.add_column(c)
    for p in platforms:
        t.add_row(p.id, p.title, f"{p.trt_min}-{p.trt_max}", str(p.loadables_per_core),
                  "yes" if p.gpu_fallback_allowed else "no")
    text = to_text(t)
    if one:
        text += "layers DLA can run: " + ", ".join(sorted(platforms[0].data["layers"])) + "\n"
    return text


@PLATFORMS_FORMATS.register("json", order=1)
def render_platforms_json(platforms, **_) -> str:
    return json.dumps({**envelope("platforms", PLATFORMS_SCHEMA_VERSION), "platforms": [
        {"id": p.id, "title": p.title, "soc": p.soc, "trt": [p.trt_min, p.trt_max], "cores": p.cores,
         "loadables_per_core": p.loadables_per_core, "gpu_fallback": p.gpu_fallback_allowed,
         "strongly_typed": p.strongly_typed, "layers_on_dla": sorted(p.data["layers"])} for p in platforms]}, indent=2)


@RULES_FORMATS.register("text", order=0)
def render_rules_text(rules, *, rule=None, **_) -> str:
    """Every rule on one line each, or (``rule``) one rule explained."""
    if rule is not None:
        from ..advice import explain_rule

        return explain_rule(rule)
    width = max(len(r.name) for r in rules)
    lines = [f"{r.id}  {r.severity:<7}  {r.name:<{width}}  {r.title}" for r in rules]
    return "\n".join(lines) + f"\n\n{len(rules)} rules. Explain one with `dla-advisor rules ID`.\n"


@RULES_FORMATS.register("json", order=1)
def render_rules_json(rules, *, rule=None, **_) -> str:
    header = envelope("rules", RULES_SCHEMA_VERSION)
    if rule is not None:
        return json.dumps({**header, "rule": dict(rule.entry)}, indent=2)
    return json.dumps({**header, "rules": [dict(r.entry) for r in rules]}, indent=2)
