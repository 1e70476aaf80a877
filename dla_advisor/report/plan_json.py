"""JSON (and YAML) for ``tune``: the best DeploymentPlan with every number's provenance."""

from __future__ import annotations

import json
import math
from typing import Any
from ._json import dumps, envelope

SCHEMA_VERSION = "1.1"


def _num(x):
    return x if not isinstance(x, float) or math.isfinite(x) else None


def _result(result) -> dict[str, Any]:
    d = result.to_dict()
    d["summary"] = result.plan.describe()
    d["makespan_ms"] = _num(d["makespan_ms"])
    return d


def _outcome(o) -> dict[str, Any]:
    d = {"trial": o.number, **_result(o.result)}
    if o.reused_from is not None:
        d["reused_from_trial"] = o.reused_from
    return d


def plan_document(report) -> dict[str, Any]:
    """The ``tune`` report as plain data (the JSON document, also written as YAML)."""
    req, s, b = report.request, report.summary, report.backend
    doc: dict[str, Any] = {
        **envelope("tune", SCHEMA_VERSION),
        "models": list(req.models), "device": req.device, "power_mode": req.power_mode, "platform": req.platform,
        "backend": {"name": b.name, "kind": b.kind, "device": b.device, "detail": b.detail},
        "objective": req.objective, "latency_budget_ms": req.latency_budget_ms,
        "study": s.study_name, "storage": report.storage,
        "trials": {"total": s.n_trials, "this_run": report.ran_now, "states": dict(s.counts),
                   "interrupted": report.interrupted},
        "best": _outcome(s.best) if s.best else None,
        "pareto_front": [_outcome(o) for o in s.pareto],
        "reference": _result(report.reference) if report.reference else None,
        "reference_note": report.reference_note,
        "rejected_examples": [{"trial": n, "reason": r} for n, r in s.rejected],
        "failed_examples": [{"trial": n, "reason": r} for n, r in s.failed],
        "commands": list(report.commands),
    }
    if s.best and report.reference:
        ref = report.reference.total_images_per_s
        doc["comparison"] = {"tuned_images_per_s": s.best.result.total_images_per_s, "reference_images_per_s": ref,
                             "ratio": s.best.result.total_images_per_s / ref if ref else None}
    return doc


def render_plan_json(report) -> str:
    return dumps(plan_document(report))


def render_plan_yaml(report) -> str:
    import yaml

    return yaml.safe_dump(json.loads(render_plan_json(report)), sort_keys=False, width=200)
