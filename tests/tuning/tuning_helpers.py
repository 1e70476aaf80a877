"""Paths and helpers shared by the tuning tests (imported by name: tests/ has no packages)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "corpus"
STANDIN = REPO / "tests" / "stand_ins" / "trtexec_standin.py"
SEED_MODEL = REPO / "models" / "conv2d_1024.onnx"


def _have_perf() -> bool:
    try:
        from dla_advisor.perf import estimate_concurrent  # noqa: F401
    except ImportError:
        return False
    return True


HAVE_PERF = _have_perf()
needs_perf = pytest.mark.skipif(not HAVE_PERF, reason="dla_advisor.perf (the performance model) is not available")


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "dla_advisor", *args]
