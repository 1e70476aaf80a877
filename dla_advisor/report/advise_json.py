"""JSON for ``advise``: a versioned document, validated against ``schemas/advise-1.json`` in the tests."""

from __future__ import annotations

from typing import Any

from ..layout import EngineLayout
from ._json import envelope, schema_id

SCHEMA_VERSION = "1.1"
SCHEMA_ID = schema_id("advise", SCHEMA_VERSION)


def advise_document(layout: EngineLayout, model: str, findings: list[dict[str, Any]] | None = None,
                    estimates: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    doc = {"$schema": SCHEMA_ID, **envelope("advise", SCHEMA_VERSION), "model": model, "layout": layout.to_dict()}
    if findings is not None:
        doc["findings"] = findings
    if estimates is not None:
        doc["estimates"] = estimates
    return doc
