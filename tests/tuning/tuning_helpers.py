"""What only the tuning tests share (imported by name: tests/tuning is not a package); paths and the
CLI's command line come from ``support``."""

from __future__ import annotations

import pytest


def _have_perf() -> bool:
    try:
        from dla_advisor.perf import estimate_concurrent  # noqa: F401
    except ImportError:
        return False
    return True


HAVE_PERF = _have_perf()
needs_perf = pytest.mark.skipif(not HAVE_PERF, reason="dla_advisor.perf (the performance model) is not available")
