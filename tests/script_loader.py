"""Load a repository script (models/*.py, benchmarks/*.py) as a module: they are scripts, not package code."""

from __future__ import annotations

import importlib.util
import sys
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@cache
def load_script(relpath: str, name: str):
    """The script at ``REPO/relpath`` as module ``name``, executed once per test session."""
    spec = importlib.util.spec_from_file_location(name, REPO / relpath)
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, mod)
    spec.loader.exec_module(mod)
    return mod
