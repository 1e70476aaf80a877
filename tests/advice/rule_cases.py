"""Load and run the data-driven rule test cases (``tests/rules/<ID>.yaml``).

A case file names one rule and holds ``fail:`` cases (the rule must fire, with the expected layers,
tensors, message text and fix flags) and ``pass:`` cases (it must not). A case's input is a tiny ONNX
model (a builder of ``tests/advice/models.py``, predicted on the case's platform) or an inline
engine layout, plus ``platform:`` and ``config:`` overrides.
"""

from __future__ import annotations

import functools
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import onnx
import yaml

from dla_advisor.advice import evaluate
from dla_advisor.graph import load_network
from dla_advisor.layout import (BuildConfig, EngineLayout, FallbackReason, LayerPlacement, Reformat, parse_io_formats,
                                parse_shapes, predict, segments_from_placements)
from dla_advisor.platforms import load_platform

from support import RULE_CASES

from .models import BUILDERS

CASES_DIR = RULE_CASES

_EXPECT = {
    "type": "object", "additionalProperties": False,
    "properties": {
        "count": {"type": "integer", "minimum": 1},
        "layers": {"type": "array", "items": {"type": "string"}},
        "tensors": {"type": "array", "items": {"type": "string"}},
        "message": {"type": "string"},
        "fix_flags": {"type": "array", "items": {"type": "string"}},
        "fix_summary": {"type": "string"},
        "fix_rewrite": {"type": "string"},
        "fix_count": {"type": "integer"},
        "fix_rewrites": {"type": "array", "items": {"type": "string"}},
        "sites": {"type": "integer", "minimum": 0},
    },
}
_CASE = {
    "type": "object", "additionalProperties": False, "required": ["name"],
    "oneOf": [{"required": ["model"]}, {"required": ["layout"]}],
    "properties": {
        "name": {"type": "string"},
        "model": {"oneOf": [{"enum": sorted(BUILDERS)},
                            {"type": "object", "required": ["builder"], "additionalProperties": False,
                             "properties": {"builder": {"enum": sorted(BUILDERS)}, "args": {"type": "object"}}}]},
        "layout": {"type": "object"},
        "network": {"enum": sorted(BUILDERS)},
        "platform": {"type": ["string", "null"]},
        "config": {"type": "object"},
        "budgets": {"type": "object"},
        "expect": _EXPECT,
    },
}
FILE_SCHEMA = {
    "type": "object", "additionalProperties": False, "required": ["rule", "fail", "pass"],
    "properties": {"rule": {"type": "string"}, "fail": {"type": "array", "items": _CASE},
                   "pass": {"type": "array", "items": _CASE}},
}
# Checked once, then reused: jsonschema.validate() re-checks the schema itself on every call (seconds
# over the case files).
jsonschema.Draft202012Validator.check_schema(FILE_SCHEMA)
_FILE_VALIDATOR = jsonschema.Draft202012Validator(FILE_SCHEMA)


@dataclass(frozen=True)
class RuleCase:
    rule: str
    kind: str  # "fail" or "pass"
    spec: dict[str, Any] = field(repr=False)
    path: Path = Path()

    @property
    def id(self) -> str:
        return f"{self.rule}-{self.kind}-{self.spec['name']}"


def load_cases(directory: Path = CASES_DIR) -> list[RuleCase]:
    """Every case of every ``<ID>.yaml`` in ``directory``, schema-checked."""
    return list(_load_cases(Path(directory)))


@functools.cache
def _load_cases(directory: Path) -> tuple[RuleCase, ...]:
    # Parsed once per session: the meta-tests ask once per rule, and the files do not change under a run.
    out = []
    for path in sorted(directory.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        _FILE_VALIDATOR.validate(data)
        for kind in ("fail", "pass"):
            out.extend(RuleCase(data["rule"], kind, spec, path) for spec in data[kind])
    return tuple(out)


def case_rules(directory: Path = CASES_DIR) -> dict[str, dict[str, int]]:
    """Rule id → number of fail and pass cases (for the meta-tests)."""
    counts: dict[str, dict[str, int]] = {}
    for c in load_cases(directory):
        counts.setdefault(c.rule, {"fail": 0, "pass": 0})[c.kind] += 1
    return counts


def run_case(case: RuleCase, rules) -> list:
    """Build the case's input, evaluate only its rule, return that rule's findings."""
    spec = case.spec
    platform = load_platform(spec.get("platform")) if spec.get("platform", "orin-trt10") is not None else None
    config = make_config(spec.get("config", {}))
    network = None
    if "model" in spec:
        network = _network(spec["model"], config)
        layout = predict(network, platform if platform is not None else load_platform(None), config)
    else:
        if "network" in spec:
            network = _network(spec["network"], config)
        layout = make_layout(spec["layout"], config, platform)
    for metric, limit in (spec.get("budgets") or {}).items():
        rules = rules.with_budget(metric, limit)
    return evaluate(layout, network, platform, config, rules=rules, select=[case.rule])


def make_config(spec: dict[str, Any]) -> BuildConfig:
    """A BuildConfig from a case's ``config:`` mapping (trtexec-style strings for formats and shapes)."""
    kw = dict(spec)
    if "input_formats" in kw:
        kw["input_formats"] = parse_io_formats(kw["input_formats"])
    if "output_formats" in kw:
        kw["output_formats"] = parse_io_formats(kw["output_formats"], "--outputIOFormats")
    if "shapes" in kw:
        kw["shapes"] = tuple(parse_shapes(kw["shapes"]).items())
    if "extra" in kw:
        kw["extra"] = tuple((k, str(v)) for k, v in kw["extra"].items())
    if "calib_tensors" in kw:
        kw["calib_tensors"] = frozenset(kw["calib_tensors"])
    return BuildConfig(**kw)


def make_layout(spec: dict[str, Any], config: BuildConfig | None, platform) -> EngineLayout:
    """An EngineLayout from an inline spec.

    ``layers`` items are a name (a DLA Convolution) or ``{name, kind, device, reasons, island,
    onnx_nodes}``; consecutive DLA layers share a loadable unless ``island`` differs.
    ``reformats`` items are ``{tensor, location, from, to, bytes, producer, consumer}``.
    """
    placements = []
    for item in spec.get("layers", ()):
        item = {"name": item} if isinstance(item, str) else item
        device = item.get("device", "DLA")
        reasons = tuple(FallbackReason(r, f"{r} (test)") if isinstance(r, str) else FallbackReason(**r)
                        for r in item.get("reasons", ()))
        placements.append(LayerPlacement(name=item["name"], kind=item.get("kind", "Convolution"), device=device,
                                         reasons=reasons, onnx_nodes=tuple(item.get("onnx_nodes", (item["name"],))),
                                         segment=item.get("island", 0) if device == "DLA" else None))
    segments = tuple(segments_from_placements(placements))
    reformats = tuple(Reformat(tensor=r["tensor"], location=r["location"], from_format=r.get("from", "fp32:chw"),
                               to_format=r.get("to", "fp16:chw16"), bytes=int(r.get("bytes", 0)),
                               producer=r.get("producer", ""), consumer=r.get("consumer", ""))
                      for r in spec.get("reformats", ()))
    return EngineLayout(source=spec.get("source", "predicted"), placements=tuple(placements), segments=segments,
                        reformats=reformats, platform=platform.id if platform is not None else "",
                        config=config if spec.get("with_config", True) else None,
                        loadable_limit=spec.get("loadable_limit"))


def _network(model_spec, config: BuildConfig):
    if isinstance(model_spec, str):
        builder, args = model_spec, {}
    else:
        builder, args = model_spec["builder"], model_spec.get("args", {})
    path = Path(tempfile.mkdtemp(prefix="dla-rule-case-")) / f"{builder}.onnx"
    onnx.save(BUILDERS[builder](**args), str(path))
    return load_network(str(path), shapes=config.shapes_dict() or None, batch=config.batch)
