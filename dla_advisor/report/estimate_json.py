"""JSON for ``estimate``: a versioned document with every engine's numbers and their provenance."""

from __future__ import annotations

from typing import Any
from ._json import envelope

SCHEMA_VERSION = "1.0"


def estimate_document(est, model: str, plan: str, device: str, power_mode: str, explain=None) -> dict[str, Any]:
    doc = {**envelope("estimate", SCHEMA_VERSION), "model": model,
           "plan": plan, "device": device, "power_mode": power_mode, "estimate": est.to_dict()}
    if explain is not None:
        doc["explain"] = [e.to_dict() for e in explain]
    return doc


def calibration_document(result, cv=None) -> dict[str, Any]:
    doc = {**envelope("calibrate", SCHEMA_VERSION), "device": result.device,
           "measurements": result.measurements, "mape_pct": result.mape_pct, "params": result.params.as_dict(),
           "points": [vars(r) for r in result.points]}
    if result.params_from:
        doc["params_from"] = result.params_from
    if result.transfer_error_pct is not None:
        doc["transfer"] = {"mape_pct": result.transfer_error_pct, "points": result.transfer_points,
                           "measurements": list(result.transfer_check)}
    if cv is not None:
        doc["cross_validation"] = {"mape_pct": cv.mape_pct, "per_network": dict(cv.per_network),
                                   "points": [vars(r) for r in cv.points]}
    return doc
