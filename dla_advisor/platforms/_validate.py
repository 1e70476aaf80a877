"""Validation of platform files at load: schema first, then the words (checks, parameters, reasons).

Each file of an ``extends:`` chain is checked on its own, before merging, so an error names the file that
holds the mistake, the entry (``layers.Convolution.checks[1]``) and the key (``check``), and suggests the
closest valid word. The merged result is then checked for what only the whole chain can show: required
keys, and ``limit:`` parameters that name an existing limit.
"""

from __future__ import annotations

import copy
import importlib.resources
import string
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import jsonschema
import yaml

from .._registry import did_you_mean
from .._words import SOCS
from ..errors import PlatformFileError
from ._vocabulary import ATTRIBUTE_PARAMS, CHECKS, COMMON_KEYS, LAYER_ATTRIBUTES, LAYER_KINDS, LIMIT_PARAMS, LIMITS

_CHECK_SCHEMA = {
    "type": "object",
    "required": ["reason", "check", "source"],
    "properties": {
        "reason": {"type": "string"},
        "check": {"type": "string"},
        "source": {"type": "string", "pattern": "^https?://"},
        "message": {"type": "string"},
    },
}
_LIMIT_SCHEMA = {"type": "object", "required": ["value", "source"], "additionalProperties": False,
                 "properties": {"value": {}, "source": {"type": "string", "pattern": "^https?://"}}}
_LAYER_SCHEMA = {
    "type": "object",
    "required": ["source"],
    "additionalProperties": False,
    "properties": {
        "precisions": {"type": "array", "items": {"enum": ["fp16", "int8"]}},
        # INT8 requests this DLA layer runs in FP16 (all of them, or those whose ``attr`` is in ``values``).
        "int8_as_fp16": {"type": "object", "required": ["source"], "additionalProperties": False,
                         "properties": {"attr": {"type": "string"}, "values": {"type": "array"},
                                        "source": {"type": "string", "pattern": "^https?://"}}},
        "source": {"type": "string", "pattern": "^https?://"},
        "checks": {"type": "array", "items": _CHECK_SCHEMA},
    },
}
SCHEMA = {
    "type": "object",
    "required": ["id", "title", "soc", "trt", "cores", "limits", "io_formats", "layers"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string"},
        "extends": {"type": "string"},
        "title": {"type": "string"},
        "soc": {"enum": list(SOCS)},
        "dla_version": {"type": "string"},
        "trt": {"type": "object", "required": ["min", "max"], "additionalProperties": False,
                "properties": {"min": {"type": "string"}, "max": {"type": "string"}}},
        "cores": {"type": "integer", "minimum": 1},
        "gpu_fallback": {"type": "boolean"},
        "strongly_typed": {"type": "boolean"},
        "global_average_pool_import": {"enum": ["reduce", "pooling"]},
        "limits": {"type": "object", "additionalProperties": {"oneOf": [_LIMIT_SCHEMA, {"type": "null"}]}},
        "general_checks": {"type": "array", "items": _CHECK_SCHEMA},
        "io_formats": {"type": "object", "required": ["input", "output", "source"], "additionalProperties": False,
                       "properties": {"input": {"type": "object"}, "output": {"type": "object"},
                                      "source": {"type": "string", "pattern": "^https?://"}}},
        "layers": {"type": "object", "additionalProperties": {"oneOf": [_LAYER_SCHEMA, {"type": "null"}]}},
    },
}


def _partial(schema: dict) -> dict:
    """The schema one file of a chain must meet: no required keys, since its parents may supply them."""
    out = copy.deepcopy(schema)
    out.pop("required", None)
    for key in ("trt", "io_formats"):
        out["properties"][key].pop("required", None)
    return out


_FILE_SCHEMA = _partial(SCHEMA)


@lru_cache(maxsize=1)
def reason_ids() -> frozenset[str]:
    """The reason ids of ``rules/reasons.yaml``, which every check's ``reason`` must be one of."""
    path = Path(str(importlib.resources.files("dla_advisor.rules"))) / "reasons.yaml"
    return frozenset(yaml.safe_load(path.read_text(encoding="utf-8"))["reasons"])


def _key(path: Iterable[Any]) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(top level)"


def _fail(shown: str, path: str, where: tuple, problem: str, hint: str) -> None:
    key = _key(where)
    raise PlatformFileError(f"{shown}: {key}: {problem}", hint, path=path, key=key)


def _schema_error(data: dict, schema: dict, shown: str, path: str) -> None:
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(data), key=lambda e: list(e.absolute_path))
    if not errors:
        return
    # For a oneOf (entry or null), the branch that explains the mistake is the entry's own.
    e = errors[0]
    while e.context:
        e = min(e.context, key=lambda c: (c.validator == "type", len(list(c.absolute_path))))
    where = tuple(e.absolute_path)
    if e.validator == "additionalProperties":
        parent = e.schema.get("properties", {})
        extra = sorted(set(e.instance) - set(parent))
        bad = extra[0] if extra else "?"
        _fail(shown, path, where + (bad,), f"unknown key '{bad}'{did_you_mean(bad, parent)}",
              f"Valid keys here: {', '.join(parent)}.")
    _fail(shown, path, where, e.message, "Fix the platform file (see docs/extending.md, 'A platform').")


def _check_entry(entry: dict, shown: str, path: str, where: tuple) -> None:
    name = entry["check"]
    if name not in CHECKS:
        _fail(shown, path, where + ("check",), f"unknown check '{name}'{did_you_mean(name, CHECKS)}",
              f"Use one of: {', '.join(sorted(CHECKS))}.")
    spec = CHECKS[name]
    allowed = {**COMMON_KEYS, **spec["required"], **spec["optional"]}
    for k in entry:
        if k not in allowed:
            _fail(shown, path, where + (k,), f"check '{name}' takes no parameter '{k}'{did_you_mean(k, allowed)}",
                  f"It takes: {', '.join(k2 for k2 in allowed if k2 not in COMMON_KEYS) or 'no parameters'}.")
    for k in spec["required"]:
        if k not in entry:
            _fail(shown, path, where, f"check '{name}' needs the parameter '{k}'", f"Add '{k}:' to the entry.")
    for k, sub in {**spec["required"], **spec["optional"]}.items():
        if k in entry and sub and not jsonschema.Draft202012Validator(sub).is_valid(entry[k]):
            _fail(shown, path, where + (k,), f"'{k}' must be of type {sub['type']}, not {entry[k]!r}", "Fix the value.")
    for k in ATTRIBUTE_PARAMS:
        if k in entry and entry[k] not in LAYER_ATTRIBUTES:
            _fail(shown, path, where + (k,), f"unknown layer attribute '{entry[k]}'{did_you_mean(entry[k], LAYER_ATTRIBUTES)}",
                  "Layer attributes are set by the graph importer; see docs/extending.md.")
    try:
        list(string.Formatter().parse(entry.get("message", "")))
    except ValueError as e:
        _fail(shown, path, where + ("message",), f"message is not a valid template ({e})",
              "Write fields as {value}; double a literal brace: {{ }}.")
    reason = entry["reason"]
    if reason not in reason_ids():
        _fail(shown, path, where + ("reason",), f"unknown reason id '{reason}'{did_you_mean(reason, reason_ids())}",
              "Use an id of rules/reasons.yaml, or add one there.")


def validate_file(data: dict, shown: str, path: str) -> None:
    """Check one file of an ``extends:`` chain before it is merged (raises :class:`PlatformFileError`)."""
    _schema_error(data, _FILE_SCHEMA, shown, path)
    for name in data.get("limits") or {}:
        if name not in LIMITS:
            _fail(shown, path, ("limits", name), f"unknown limit '{name}'{did_you_mean(name, LIMITS)}",
                  f"Known limits: {', '.join(sorted(LIMITS))}.")
    for i, entry in enumerate(data.get("general_checks") or []):
        _check_entry(entry, shown, path, ("general_checks", i))
    for kind, entry in (data.get("layers") or {}).items():
        if kind not in LAYER_KINDS:
            _fail(shown, path, ("layers", kind), f"unknown layer kind '{kind}'{did_you_mean(kind, LAYER_KINDS)}",
                  "Use a TensorRT layer kind as `dla-advisor advise` prints it (Convolution, Pooling, ...).")
        attr = ((entry or {}).get("int8_as_fp16") or {}).get("attr")
        if attr is not None and attr not in LAYER_ATTRIBUTES:
            _fail(shown, path, ("layers", kind, "int8_as_fp16", "attr"),
                  f"unknown layer attribute '{attr}'{did_you_mean(attr, LAYER_ATTRIBUTES)}",
                  "Layer attributes are set by the graph importer; see docs/extending.md.")
        for i, check in enumerate((entry or {}).get("checks") or []):
            _check_entry(check, shown, path, ("layers", kind, "checks", i))


def validate_merged(data: dict, shown: str, path: str) -> None:
    """Check a whole platform after its chain is merged: required keys, and limits the checks refer to."""
    _schema_error(data, SCHEMA, shown, path)
    checks = [(("general_checks", i), c) for i, c in enumerate(data.get("general_checks") or [])]
    checks += [(("layers", kind, "checks", i), c) for kind, e in data["layers"].items()
               for i, c in enumerate(e.get("checks") or [])]
    for where, check in checks:
        for k in LIMIT_PARAMS:
            if k in check and check[k] not in data["limits"]:
                _fail(shown, path, where + (k,), f"'{check[k]}' is not a limit of this platform",
                      f"Use one of: {', '.join(sorted(data['limits']))}.")
