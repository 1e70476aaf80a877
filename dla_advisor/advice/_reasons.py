"""The fallback-reason vocabulary of ``rules/reasons.yaml``, which fallback rules select on."""

from __future__ import annotations

import importlib.resources
from functools import lru_cache
from pathlib import Path

import yaml


def reasons_path() -> Path:
    return Path(str(importlib.resources.files("dla_advisor.rules"))) / "reasons.yaml"


@lru_cache(maxsize=1)
def reason_classes() -> dict[str, str]:
    """Reason id → class (``conv-kernel-range`` → ``param-range``)."""
    data = yaml.safe_load(reasons_path().read_text(encoding="utf-8"))
    return {rid: entry["class"] for rid, entry in data["reasons"].items()}


@lru_cache(maxsize=1)
def reason_titles() -> dict[str, str]:
    data = yaml.safe_load(reasons_path().read_text(encoding="utf-8"))
    return {rid: entry["title"] for rid, entry in data["reasons"].items()}
