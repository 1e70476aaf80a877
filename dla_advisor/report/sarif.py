"""SARIF 2.1.0 for ``check``, for code-scanning dashboards (GitHub, GitLab, Azure DevOps).

Each input file is an artifact; each finding a result on it, with the engine layers as logical
locations and the exact fixes in the result's property bag (SARIF ``fixes`` describe text edits,
which do not fit a binary model).
"""

from __future__ import annotations

from pathlib import Path

from .._words import TOOL
from ._findings import CheckReport, fix_lines
from ._registry import CHECK_FORMATS
from ._json import dumps

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


@CHECK_FORMATS.register("sarif", order=2)
def render_check(report: CheckReport) -> str:
    rules = list(report.rules)
    index = {r.id: i for i, r in enumerate(rules)}
    results = []
    for inp in report.inputs:
        uri = Path(inp.path).as_posix()
        for f in inp.findings:
            result = {
                "ruleId": f.rule_id,
                "level": _LEVEL[f.severity],
                "message": {"text": f.message},
                "locations": _locations(f, uri),
                "properties": {
                    "tensors": list(f.tensors),
                    "onnxNodes": list(f.onnx_nodes),
                    "layoutSource": inp.source,
                    "platform": inp.platform,
                    "fixes": [{**fix.to_dict(), "commands": fix_lines(fix, inp.path)} for fix in f.fixes],
                },
            }
            if f.rule_id in index:
                result["ruleIndex"] = index[f.rule_id]
            results.append(result)
    doc = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": TOOL,
                "version": report.version or "0",
                "informationUri": "https://github.com/NVIDIA/Deep-Learning-Accelerator-SW",
                "rules": [_rule(r) for r in rules],
            }},
            "artifacts": [{"location": {"uri": Path(i.path).as_posix()}} for i in report.inputs],
            "results": results,
            "invocations": [{"executionSuccessful": True, "properties": {"failOn": report.fail_on, "passed": report.passed}}],
        }],
    }
    return dumps(doc)


def _locations(f, uri: str) -> list[dict]:
    """One location per site of a grouped finding (each with its own message), else one for the finding."""
    def loc(layers, message=None):
        out = {"physicalLocation": {"artifactLocation": {"uri": uri}},
               "logicalLocations": [{"name": n, "fullyQualifiedName": f"{uri}::{n}", "kind": "element"} for n in layers]}
        if message:
            out["message"] = {"text": message}
        return out
    if len(f.sites) > 1:
        return [loc(s["layers"], s["message"]) for s in f.sites]
    return [loc(f.layers)]


def _rule(rule) -> dict:
    e = rule.entry
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": " ".join(e["rationale"].split())},
        "helpUri": e["references"][0],
        "help": {"text": f"{e['fix']['summary']}. Run `dla-advisor rules {rule.id}` for the full explanation."},
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        "properties": {"tags": ["dla", "tensorrt"], "references": list(e["references"]),
                       "aliases": list(rule.aliases)},
    }
