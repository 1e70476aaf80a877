"""The JSON schema every rule entry must satisfy (checked when a rule file loads)."""

from __future__ import annotations

from .._words import SEVERITIES, SOCS

FIX_SAFETY = ("safe", "changes-numerics", "changes-model", "manual")

_STRINGS = {"type": "array", "items": {"type": "string"}}

_FIX_BODY = {
    "summary": {"type": "string", "minLength": 1},
    "trtexec_flags": _STRINGS,
    "api_lines": _STRINGS,
    "rewrite": {"type": ["string", "null"]},
    "fix_safety": {"enum": list(FIX_SAFETY)},
    "when": {"type": "string", "pattern": "^[a-z_][a-z0-9_]*$"},
    "command": {"type": "string", "pattern": "^dla-advisor "},
}

_VARIANT = {
    "type": "object",
    "additionalProperties": False,
    "required": ["trt", "summary"],
    "properties": {"trt": {"type": "string"}, **_FIX_BODY},
}

_ALTERNATIVE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["summary"],
    "properties": {"trt": {"type": "string"}, **_FIX_BODY},
}

RULE_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "name", "title", "severity", "detector", "message", "rationale", "example", "fix",
                 "references", "since"],
    "properties": {
        "id": {"type": "string", "pattern": "^[A-Z]{2,8}[0-9]{3}$"},
        "name": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"},
        "title": {"type": "string", "minLength": 1},
        "severity": {"enum": list(SEVERITIES)},
        "detector": {"type": "string"},
        "params": {"type": "object"},
        "applies_to": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "trt": {"type": "string"},
                "soc": {"type": "array", "items": {"enum": list(SOCS)}, "minItems": 1},
            },
        },
        "message": {"type": "string", "minLength": 1},
        "group_message": {"type": "string", "minLength": 1},
        "rationale": {"type": "string", "minLength": 1},
        "example": {
            "type": "object",
            "additionalProperties": False,
            "required": ["bad", "good"],
            "properties": {"bad": {"type": "string"}, "good": {"type": "string"}},
        },
        "fix": {
            "type": "object",
            "additionalProperties": False,
            "required": ["summary", "fix_safety"],
            "properties": {
                **_FIX_BODY,
                "versions": {"type": "array", "items": _VARIANT},
                "alternatives": {"type": "array", "items": _ALTERNATIVE},
            },
        },
        "known_problems": {"type": "string"},
        "references": {"type": "array", "minItems": 1, "items": {"type": "string", "pattern": "^https?://"}},
        "since": {"type": "string"},
        "aliases": {"type": "array", "items": {"type": "string", "pattern": "^[A-Za-z0-9-]+$"}},
    },
}

FILE_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["rules"],
    "properties": {"rules": {"type": "array", "items": {"type": "object"}}},
}
