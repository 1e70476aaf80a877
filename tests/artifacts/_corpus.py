from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / ".." / "shared" / "corpus"
DATA = REPO / "tests" / "data" / "artifacts"


def corpus_file(name: str) -> Path:
    p = CORPUS / name
    if not p.exists():
        pytest.skip(f"corpus not available at {CORPUS}")
    return p


def corpus_files() -> list[Path]:
    return sorted(p for p in CORPUS.glob("*") if p.suffix in (".log", ".json")) if CORPUS.exists() else []
