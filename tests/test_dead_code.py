"""No dead code in dla_advisor/: vulture finds no function, class, method or variable it is at least
60 % sure nothing uses, counting uses in the tests, benchmarks and model scripts.

Vulture cannot see a use that goes through a registry, a framework or a name in a string; those
names are listed here, each group with how it is used.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from support import REPO

# A registered function is kept by its registry; nothing calls it by its Python name.
REGISTERING_DECORATORS = ("@detector", "@checker", "@reader", "@*.register")

USED_WITHOUT_A_VISIBLE_REFERENCE = {
    # Module attribute hooks (PEP 562): the interpreter calls them.
    "__getattr__", "__dir__",
    # click calls these overrides of its own classes.
    "list_commands", "get_command", "get_metavar",
    # Options set on onnxruntime and TensorRT objects, which read them.
    "graph_optimization_level", "log_severity_level", "intra_op_num_threads",
    "default_device_type", "DLA_core", "allowed_formats",
    # Rewrites registered by assignment (NAME = register(Rewrite(...))).
    "REWRITE", "HARDSIGMOID", "HARDSWISH",
    # report/'s public names load on first use through a table of (module, attribute) strings.
    "render",
    # A cache key: lru_cache re-reads a file whose modification time changed.
    "mtime_ns",
    # Members of the types the Python API hands out (a layout, a network, a platform, a result).
    "write_html", "is_predicted", "bytes_per_element", "io_formats_source", "initializer_bytes",
    "power_modes", "dram_bytes", "pool_stride_max",
}


def test_vulture_finds_no_unused_code():
    pytest.importorskip("vulture")
    proc = subprocess.run(
        [sys.executable, "-m", "vulture", "dla_advisor", "tests", "benchmarks", "models", "--min-confidence", "60",
         "--ignore-decorators", ",".join(REGISTERING_DECORATORS),
         "--ignore-names", ",".join(sorted(USED_WITHOUT_A_VISIBLE_REFERENCE))],
        cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode in (0, 3), proc.stderr  # 3: vulture found something
    unused = [line for line in proc.stdout.splitlines() if line.startswith("dla_advisor")]
    assert not unused, "unused code (delete it, or list a use vulture cannot see above):\n" + "\n".join(unused)
