"""Pause the cyclic garbage collector around whole-graph passes.

Import and prediction allocate several small objects per layer and make no reference cycles, yet the
collector rescans the whole growing heap at every generation-2 pass: on a 100k-layer model that made
the run time grow faster than the layer count.

Pausing alone only moves the cost: every container allocated during the pass is still young when the
collector comes back, so the first collection after the pass walks all of them (on a 100k-layer
model that single walk took as long as the fusion pass). What survives a whole-graph pass is the
result, which lives as long as the caller keeps it, so on the way out the survivors go straight to
the oldest generation (``gc.freeze`` then ``gc.unfreeze``: two list splices, whatever the heap size).
Anything else that was young at that moment moves with them; all of it is still collected, with the
rest of the heap, at the next full collection. A caller that keeps objects frozen itself is left
alone: unfreezing would release its objects too.
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
            if gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()
