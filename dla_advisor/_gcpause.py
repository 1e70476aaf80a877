"""Pause the cyclic garbage collector around whole-graph passes.

Import and prediction allocate several small objects per layer and make no reference cycles, yet the
collector rescans the whole growing heap at every generation-2 pass: on a 100k-layer model that made
the run time grow faster than the layer count.
"""

from __future__ import annotations

import contextlib
import gc


@contextlib.contextmanager
def paused_gc():
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
