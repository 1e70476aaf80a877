"""Fixtures shared by every test package: generated models and the real-artifact corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from support import CORPUS, SEED_MODEL, load_script


@pytest.fixture(scope="session")
def make_models():
    return load_script("models/make_models.py", "make_models")


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory, make_models) -> Path:
    """All models of models/make_models.py, generated once per test session."""
    out = tmp_path_factory.mktemp("models")
    make_models.main(str(out))
    return out


@pytest.fixture(scope="session")
def seed_model() -> Path:
    """The forum seed's model, committed in models/ (used by the README quick start)."""
    return SEED_MODEL


@pytest.fixture(scope="session")
def corpus() -> Path:
    # The corpus lives in the repository: a missing folder is a broken checkout, not a reason to skip.
    assert CORPUS.is_dir(), f"real-artifact corpus missing at {CORPUS}"
    return CORPUS
