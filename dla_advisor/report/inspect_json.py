"""JSON report of `dla-advisor inspect` (schema_version 1.0, schemas/inspect-1.json)."""

from __future__ import annotations

from collections import Counter
from ._json import dumps

SCHEMA_VERSION = "1.1"


def inspect_document(result, predicted=None, diff=None, model: str | None = None) -> dict:
    """The inspect report as plain data."""
    layout = result.layout
    doc = {
        "schema_version": SCHEMA_VERSION,
        "tool": "dla-advisor",
        "command": "inspect",
        "artifacts": [{"path": p, "kind": k, "label": result.kind_label(k)} for p, k in result.artifacts],
        "layout": layout.to_dict(),
        "reformats_by_kind": dict(Counter(r.kind for r in layout.reformats)),
        "measurement": result.measurement.to_dict() if result.measurement is not None else None,
    }
    if result.measurement is not None:
        doc["measurement"]["label"] = result.measurement.provenance.label()
    if diff is not None:
        doc["model"] = model
        doc["predicted"] = predicted.to_dict()
        doc["comparison"] = diff.to_dict()
    return doc


def render_inspect_json(result, predicted=None, diff=None, model: str | None = None) -> str:
    return dumps(inspect_document(result, predicted, diff, model))
