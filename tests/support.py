"""What every test package shares: repository paths, loading repository scripts, and running the CLI.

Imported by name (``from support import REPO``): pytest puts tests/ on ``sys.path`` because tests/ itself
is not a package.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TESTS = REPO / "tests"
CORPUS = TESTS / "corpus"  # real trtexec / Polygraphy artifacts
TEST_DATA = TESTS / "data"
ZOO = TEST_DATA / "zoo"  # weight-free skeletons of real exports (models/make_zoo.py)
RULE_CASES = TESTS / "rules"  # the YAML cases of the rule meta-test
RULES = REPO / "rules"  # the shipped rule and platform data
SCHEMAS = REPO / "dla_advisor" / "report" / "schemas"
SEED_MODEL = REPO / "models" / "conv2d_1024.onnx"  # the forum seed's model, committed
STANDIN = TESTS / "stand_ins" / "trtexec_standin.py"


@cache
def load_script(relpath: str, name: str | None = None):
    """The script at ``REPO/relpath`` (models/*.py, benchmarks/*.py: scripts, not package code) as a
    module, executed once per test session."""
    name = name or Path(relpath).stem
    spec = importlib.util.spec_from_file_location(name, REPO / relpath)
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, mod)
    spec.loader.exec_module(mod)
    return mod


def run_cli(capsys, *args) -> tuple[int, str, str]:
    """``dla-advisor ARGS`` in this process: exit status, stdout, stderr. A bug raises and fails the test
    with its traceback instead of hiding in an exit status."""
    from dla_advisor.cli import main

    rc = main([str(a) for a in args])
    captured = capsys.readouterr()
    return rc, captured.out, captured.err


def run_cli_json(capsys, *args) -> tuple[int, object]:
    """``dla-advisor ARGS`` whose stdout is one JSON document: exit status and the parsed document."""
    rc, out, _ = run_cli(capsys, *args)
    return rc, json.loads(out)


def cli_argv(*args) -> list[str]:
    """The command line that runs ``dla-advisor ARGS`` in a fresh interpreter (for subprocess tests)."""
    return [sys.executable, "-m", "dla_advisor", *(str(a) for a in args)]


def corpus_file(name: str) -> Path:
    """A file of the real-artifact corpus; a missing one is a broken checkout, not a reason to skip."""
    p = CORPUS / name
    assert p.exists(), f"corpus file missing: {p}"
    return p


def corpus_files() -> list[Path]:
    """Every trtexec log and JSON export of the corpus."""
    return sorted(p for p in CORPUS.glob("*") if p.suffix in (".log", ".json"))
