"""JSON for ``fix`` and ``fix --list``."""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Any
from ._json import dumps, envelope

SCHEMA_VERSION = "1.0"


def _num(x: float) -> float | str:
    return x if math.isfinite(x) else "inf"


def fix_document(report) -> dict[str, Any]:
    v = report.verification
    doc: dict[str, Any] = {
        **envelope("fix", SCHEMA_VERSION),
        "model": report.model, "output": report.output, "written": list(report.written),
        "platform": report.platform, "precision": report.precision,
        "rewrites": [{"name": n, "sites": k} for n, k in report.sites],
        "verification": {
            "provenance": "measured (onnxruntime, CPU)", "ok": v.ok, "atol": v.atol, "rtol": v.rtol, "seed": v.seed,
            "trials": v.trials, "max_abs_diff": _num(v.max_abs_diff),
            "inputs": [{"name": n, "shape": list(s), "dtype": d} for n, s, d in v.inputs],
            "outputs": [{"name": o.name, "shape": list(o.shape), "max_abs_diff": _num(o.max_abs_diff), "ok": o.ok,
                         "detail": o.detail} for o in v.outputs],
        },
        "notes": list(report.notes),
    }
    q, c = getattr(report, "quant_check", None), getattr(report, "calibration", None)
    if q is not None:
        doc["qdq_translation"] = {
            "provenance": "measured (onnxruntime, CPU)", "ok": q.ok, "tolerance_relative_rms": q.tolerance,
            "input_ranges": [{"name": n, "amax": _num(a)} for n, a in q.input_ranges],
            "outputs": [{"name": n, "relative_rms": _num(e), "roundtrip_relative_rms": _num(r), "max_abs_diff": _num(w)}
                        for n, e, r, w in q.outputs]}
    if c is not None:
        doc["calibration"] = c.to_dict()
    if report.before is not None and report.after is not None:
        doc["layout"] = {"provenance": f"predicted ({report.platform}, {report.precision})",
                         "before": report.before.summary(), "after": report.after.summary(),
                         "gpu_layers_after": [p.name for p in report.after.gpu_layers]}
    else:
        doc["layout"] = {"note": report.layout_note}
    if report.throughput_before is not None and report.throughput_after is not None:
        doc["throughput"] = {"before": asdict(report.throughput_before), "after": asdict(report.throughput_after)}
    else:
        doc["throughput"] = {"note": report.perf_note}
    return doc


def render_rewrite_list_json(rewrites) -> str:
    return dumps({**envelope("fix", SCHEMA_VERSION), "rewrites": [
        {"name": r.name, "title": r.title, "applies": r.applies, "exact": r.exact} for r in rewrites]})
