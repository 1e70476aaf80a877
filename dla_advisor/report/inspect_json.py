"""JSON report of `dla-advisor inspect` (schema_version 1.1, schemas/inspect-1.json).

1.1: counts the artifacts do not show are null (``counts``, the measured layout's ``summary`` and
``reformats_by_kind``), and a log holding several builds lists each under ``builds``.
"""

from __future__ import annotations

from collections import Counter
from ._json import envelope

SCHEMA_VERSION = "1.1"


def inspect_document(result, predicted=None, diff=None, model: str | None = None) -> dict:
    """The inspect report as plain data."""
    doc = {
        **envelope("inspect", SCHEMA_VERSION),
        "artifacts": [{"path": p, "kind": k, "label": result.kind_label(k)} for p, k in result.artifacts],
        **_build_part(result),
    }
    if len(result.builds) > 1:
        doc["builds"] = [_build_part(b) for b in result.builds]
    if diff is not None:
        doc["model"] = model
        doc["predicted"] = predicted.to_dict()
        doc["comparison"] = diff.to_dict()
    return doc


def _build_part(result) -> dict:
    """layout, reformats_by_kind, measurement and counts of one build; null where the artifacts are silent."""
    layout, counts = result.layout, dict(result.counts or {})
    part = {
        "layout": layout.to_dict(),
        "reformats_by_kind": (dict(Counter(r.kind for r in layout.reformats))
                              if counts.get("reformats", 0) is not None else None),
        "measurement": result.measurement.to_dict() if result.measurement is not None else None,
        "counts": counts,
    }
    from ..artifacts import summary_shown

    part["layout"]["summary"] = summary_shown(part["layout"]["summary"], counts)
    if result.measurement is not None:
        part["measurement"]["label"] = result.measurement.provenance.label()
    return part
