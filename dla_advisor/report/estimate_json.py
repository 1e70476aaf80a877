"""JSON for ``estimate``: a versioned document with every engine's numbers and their provenance."""

from __future__ import annotations

from typing import Any
from ._json import dumps

SCHEMA_VERSION = "1.0"


def estimate_document(est, model: str, plan: str, device: str, power_mode: str) -> dict[str, Any]:
    return {"schema_version": SCHEMA_VERSION, "tool": "dla-advisor", "command": "estimate", "model": model,
            "plan": plan, "device": device, "power_mode": power_mode, "estimate": est.to_dict()}


def calibration_document(result) -> dict[str, Any]:
    return {"schema_version": SCHEMA_VERSION, "tool": "dla-advisor", "command": "calibrate", "device": result.device,
            "measurements": result.measurements, "mape_pct": result.mape_pct, "params": result.params.as_dict(),
            "points": [vars(r) for r in result.points]}


def render_json(doc: dict[str, Any]) -> str:
    return dumps(doc)
