"""The one JSON writer of every report, and the envelope every document starts with.

Strict JSON, so a non-finite number becomes null:
``json.dumps`` writes ``Infinity``/``NaN`` by default, which JSON parsers (and the schemas) reject;
a modelled engine with zero throughput has an infinite latency, and that must still parse.
"""

from __future__ import annotations

import json
import math
from typing import Any

from .._words import SCHEMA_URL, TOOL


def envelope(command: str, schema_version: str) -> dict[str, str]:
    """The keys every ``--format json`` document starts with (``schemas/<command>-1.json`` requires them)."""
    return {"schema_version": schema_version, "tool": TOOL, "command": command}


def schema_id(command: str, schema_version: str) -> str:
    """The URL a document's schema is published under: one file per major version of the command's schema."""
    return f"{SCHEMA_URL}/{command}-{schema_version.split('.')[0]}.json"


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def dumps(doc: Any, **kwargs) -> str:
    kwargs.setdefault("indent", 2)
    kwargs.setdefault("default", str)
    return json.dumps(_finite(doc), allow_nan=False, **kwargs)
