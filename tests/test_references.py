"""Comments, docstrings and data files under dla_advisor/ and rules/ point at things that exist.

A source is cited by its URL: the fact sheet the rules were first written from is not part of the
repository, so ``dla_facts §3.3`` tells a reader nothing. A repository path (``rules/reasons.yaml``,
``../corpus``) or a dotted name (``dla_advisor.graph._onnx_import``) must still resolve after files
move or are renamed.
"""

from __future__ import annotations

import glob
import re
from pathlib import Path

import pytest

from support import REPO
SCANNED = ("dla_advisor", "rules")
TEXT_SUFFIXES = {".py", ".yaml", ".yml", ".md", ".json", ".txt", ".toml", ".cfg"}
TOP_FOLDERS = ("dla_advisor", "rules", "tests", "docs", "models", "benchmarks")

_SEGMENT = r"[\w.*{}\-]+"
# A path starts at a top folder of the repository or climbs with ../; the look-behind keeps URLs
# (https://github.com/x/rules/...) and longer names (my_rules/...) out.
_PATH = re.compile(r"(?<![\w.:/@~$%{}\-])((?:\.\./)+" + _SEGMENT + r"(?:/" + _SEGMENT + r")*"
                   r"|(?:" + "|".join(TOP_FOLDERS) + r")(?:/" + _SEGMENT + r")+)")
_DOTTED = re.compile(r"(?<![\w.])dla_advisor(?:\.\w+)+")


def _lines():
    for top in SCANNED:
        for f in sorted((REPO / top).rglob("*")):
            if f.is_file() and f.suffix in TEXT_SUFFIXES and "__pycache__" not in f.parts:
                for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1):
                    yield f, n, line


def _where(f: Path, n: int) -> str:
    return f"{f.relative_to(REPO)}:{n}"


def test_no_citation_of_the_fact_sheet():
    hits = [_where(f, n) for f, n, line in _lines() if "dla_facts" in line]
    assert not hits, f"cite the source URL of the fact instead of the fact sheet: {hits}"


def _path_exists(f: Path, token: str) -> bool:
    pattern = re.sub(r"\{[^}]*\}", "*", token.rstrip(".,;:"))  # a placeholder stands for any name
    base = f.parent if pattern.startswith("../") else REPO
    return any(Path(m).resolve().is_relative_to(REPO) for m in glob.glob(str(base / pattern)))


def test_repository_paths_exist():
    missing = [f"{_where(f, n)}: {m.group(1)}" for f, n, line in _lines()
               for m in _PATH.finditer(line) if not _path_exists(f, m.group(1))]
    assert not missing, f"paths that are not in the repository: {missing}"


def _module_file(parts: list[str]) -> Path | None:
    base = REPO.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _dotted_exists(name: str) -> bool:
    parts = name.split(".")
    if parts[:2] == ["dla_advisor", "rules"]:  # the data package installed from rules/
        return (REPO / "rules").joinpath(*parts[2:]).exists()
    for k in range(len(parts), 0, -1):
        module = _module_file(parts[:k])
        if module is not None:
            if k == len(parts):
                return True
            # The next name must be defined or imported there (an attribute of an attribute is not followed).
            return re.search(rf"\b{re.escape(parts[k])}\b", module.read_text(encoding="utf-8")) is not None
    return False


def test_dotted_names_exist():
    missing = sorted({f"{_where(f, n)}: {m.group(0)}" for f, n, line in _lines()
                      for m in _DOTTED.finditer(line) if not _dotted_exists(m.group(0))})
    assert not missing, f"dotted names that no module defines: {missing}"


@pytest.mark.parametrize(("text", "found"), [
    ("see rules/reasons.yaml.", ["rules/reasons.yaml."]),
    ("https://github.com/NVIDIA/TensorRT/blob/v10.7.0/samples/common/sampleEngines.cpp", []),
    ("my_rules/x.yaml and ../corpus/a.log", ["../corpus/a.log"]),
    ("GPU/DLA boundary, int8:dla_linear", []),
])
def test_path_pattern_finds_paths_and_only_paths(text, found):
    assert [m.group(1) for m in _PATH.finditer(text)] == found
