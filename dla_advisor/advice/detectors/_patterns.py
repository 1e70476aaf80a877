"""Graph patterns that decide whether a fix applies to a site (checked on the Network, so advice
needs no rewrite import; the conditions mirror the rewrites' own matchers)."""

from __future__ import annotations

from math import prod


def fc_pattern_layers(network) -> set[str]:
    """Layers of Flatten/Reshape(4-D → [N, C·H·W]) + FullyConnected pairs: the sites ``fc-to-conv`` rewrites.

    Same conditions as the rewrite: the flatten reads a 4-D tensor with known C, H, W and writes
    [N, C·H·W]; the product has constant weights (imported as FullyConnected).
    """
    out: set[str] = set()
    for layer in network.layers.values():
        if layer.kind != "FullyConnected" or not layer.inputs:
            continue
        flat = network.producer(layer.inputs[0])
        if flat is None or flat.kind != "Shuffle" or flat.op not in ("Flatten", "Reshape") or not flat.inputs:
            continue
        src, dst = network.tensor(flat.inputs[0]), network.tensor(flat.outputs[0]) if flat.outputs else None
        if src is None or dst is None or not src.shape or not dst.shape:
            continue
        if len(src.shape) != 4 or len(dst.shape) != 2 or not all(isinstance(d, int) and d > 0 for d in src.shape[1:]):
            continue
        if dst.shape[1] != prod(src.shape[1:]):
            continue
        out.update((flat.name, layer.name))
        # A bias Add after a MatMul is part of the rewritten pattern too.
        for c in network.consumers(layer.outputs[0]) if layer.outputs else ():
            if c.kind in ("ElementWise", "Scale") and len(c.inputs) == 1:
                out.add(c.name)
    return out
