"""Layer names that never collide: the model's own node names, and names made up for the rest.

TensorRT's ONNX parser keeps a node's name while it is free and otherwise appends ``_<n>`` from one
counter shared by the whole network, skipping names already taken (``generateUniqueName`` in
https://github.com/onnx/onnx-tensorrt/blob/main/ImporterContext.hpp). The importer needs the same
guarantee plus one more: a made-up name (a Split's second slice, an unnamed node, a fused pair)
must not take a name the model itself uses further down, or the later node would be lost or merged
with the wrong layer. So every node name of the model is reserved before any name is made up.
"""

from __future__ import annotations

from typing import Iterable


class LayerNames:
    """Hands out unique layer names for one network."""

    def __init__(self, reserved: Iterable[str] = ()):
        self._reserved = set(reserved)
        self._used: set[str] = set()
        self._counter = 0

    def own(self, name: str) -> str:
        """The model's own (reserved) name for a node, or a fresh one if an earlier node had it."""
        if name and name not in self._used:
            self._used.add(name)
            self._reserved.add(name)
            return name
        return self.fresh(name or "layer")

    def fresh(self, preferred: str) -> str:
        """``preferred`` if nobody has or reserves it, else ``preferred_<n>`` with the shared counter."""
        if preferred and preferred not in self._used and preferred not in self._reserved:
            self._used.add(preferred)
            return preferred
        base = preferred or "layer"
        while True:
            candidate = f"{base}_{self._counter}"
            self._counter += 1
            if candidate not in self._used and candidate not in self._reserved:
                self._used.add(candidate)
                return candidate
