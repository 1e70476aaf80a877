from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "corpus"
DATA = REPO / "tests" / "data" / "artifacts"


def corpus_file(name: str) -> Path:
    p = CORPUS / name
    assert p.exists(), f"corpus file missing: {p}"
    return p


def corpus_files() -> list[Path]:
    return sorted(p for p in CORPUS.glob("*") if p.suffix in (".log", ".json"))
