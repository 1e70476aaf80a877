"""The DLA-clean prefix of a layout: what one DLA engine with no GPU layer can hold (used by split and advice)."""

from __future__ import annotations

from ._types import DLA


def dla_prefix(net, layout) -> list[str]:
    """Layers that can run on DLA and whose every producer is in the set too, in network order."""
    ok = {p.name for p in layout.placements if p.device == DLA or p.dla_capable}
    prod = net._producers()
    chosen: set[str] = set()
    order = []
    for layer in net.layers.values():
        if layer.name not in ok:
            continue
        if all((t in net.inputs) or (prod.get(t) in chosen) or (t not in prod) for t in layer.inputs):
            chosen.add(layer.name)
            order.append(layer.name)
    return order


def gpu_tail(net, layout) -> list[str]:
    """GPU layers no DLA layer depends on: the part after the last DLA layers (a detector's decode head)."""
    on_dla = {p.name for p in layout.placements if p.device == DLA}
    gpu = {p.name for p in layout.placements if p.device != DLA}
    feeds_dla: set[str] = set()
    prod = net._producers()
    # Walk backwards: a layer that feeds a DLA layer (directly or through others) is not in the tail.
    for layer in reversed(list(net.layers.values())):
        if layer.name in on_dla or layer.name in feeds_dla:
            for t in layer.inputs:
                if t in prod:
                    feeds_dla.add(prod[t])
    return [n for n in net.layers if n in gpu and n not in feeds_dla]
