"""Fixtures for the tuning tests: a private copy of the seed model and the trtexec stand-in's environment."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from support import CORPUS, REPO, SEED_MODEL, STANDIN


@pytest.fixture
def seed_model(tmp_path) -> Path:
    """A private copy of the seed model, so study files land in tmp_path."""
    dst = tmp_path / "conv2d_1024.onnx"
    shutil.copy(SEED_MODEL, dst)
    return dst


@pytest.fixture
def standin_env(tmp_path, monkeypatch):
    """Environment for a process that should use the trtexec stand-in quickly (sleeps 1/20 of --duration)."""
    calls = tmp_path / "trtexec_calls.jsonl"
    env = {"DLA_ADVISOR_TRTEXEC": str(STANDIN), "TRTEXEC_STANDIN_TIME_SCALE": "0.05",
           "TRTEXEC_STANDIN_CORPUS": str(CORPUS), "TRTEXEC_STANDIN_CALLS": str(calls)}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("TRTEXEC_STANDIN_FAIL", raising=False)
    return {**os.environ, **env, "PYTHONPATH": str(REPO)}
