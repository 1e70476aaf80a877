"""The package import direction (the import-linter contracts in pyproject.toml), and lazy optional imports, as tests."""

from __future__ import annotations

import subprocess
import sys

import pytest
from support import REPO



def test_import_contracts_hold():
    pytest.importorskip("importlinter")
    proc = subprocess.run([sys.executable, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()"],
                          cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_import_and_help_do_not_load_heavy_optional_modules():
    code = ("import sys, dla_advisor.cli as c\n"
            "try:\n    c.main(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('onnxruntime', 'tensorrt', 'optuna', 'plotly', 'onnx_graphsurgeon') if m in sys.modules]\n"
            "print('HEAVY', heavy)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert "HEAVY []" in proc.stdout, proc.stdout + proc.stderr
    assert "advise" in proc.stdout


def test_no_import_circle_between_any_two_modules():
    """Stricter than the acyclic_siblings contract: also a child importing its parent package back.

    A circle is how a registry ends up empty until some function happens to import its plug-ins.
    """
    grimp = pytest.importorskip("grimp")
    import networkx as nx

    graph = grimp.build_graph("dla_advisor", cache_dir=None)  # no cache folder written into the checkout
    edges = nx.DiGraph((m, i) for m in graph.modules for i in graph.find_modules_directly_imported_by(m)
                       if i.startswith("dla_advisor"))
    circles = [sorted(c) for c in nx.strongly_connected_components(edges) if len(c) > 1]
    assert circles == [], circles
