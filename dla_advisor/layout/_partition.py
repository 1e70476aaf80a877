"""Partition DLA-capable layers into loadables the way TensorRT does: maximal convex regions.

Two DLA layers joined by an edge may share a loadable unless some path between them leaves DLA
(that would make the loadable depend on itself through the GPU) or their batch differs. We number
every layer with the count of DLA exits on the longest path reaching it (``level``): along any edge
the level never decreases, and it grows past every DLA→GPU edge and every batch change. Merging only
equal-level DLA neighbours therefore never creates a cycle, and it is one linear pass.
"""

from __future__ import annotations

import math

import networkx as nx

from ..graph import Network
from ._types import DLA, GPU


def layer_batch(net: Network, name: str) -> int | None:
    layer = net.layers[name]
    for t in list(layer.outputs) + list(layer.inputs):
        tensor = net.tensors.get(t)
        if tensor is not None and tensor.shape is not None:
            return math.prod(tensor.shape[:-3]) if len(tensor.shape) > 3 else (tensor.shape[0] if len(tensor.shape) == 4 else 1)
    return None


def dla_regions(net: Network, on_dla: dict[str, bool]) -> list[list[str]]:
    """Return DLA regions (lists of layer names in network order), in a valid execution order."""
    order = list(net.layers)
    batch = {n: layer_batch(net, n) for n in order if on_dla[n]}
    level: dict[str, int] = {}
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    g = net.graph
    for n in order:
        lv = 0
        for p in g.predecessors(n):
            step = 0
            if on_dla[p] and not on_dla[n]:
                step = 1
            elif on_dla[p] and on_dla[n] and batch.get(p) != batch.get(n):
                step = 1
            lv = max(lv, level[p] + step)
        level[n] = lv
        if on_dla[n]:
            parent[n] = n
            for p in g.predecessors(n):
                if on_dla[p] and level[p] == lv and batch.get(p) == batch.get(n):
                    ra, rb = find(p), find(n)
                    if ra != rb:
                        parent[rb] = ra

    groups: dict[str, list[str]] = {}
    for n in order:
        if on_dla[n]:
            groups.setdefault(find(n), []).append(n)
    return _execution_order(net, groups, on_dla)


def _execution_order(net: Network, groups: dict[str, list[str]], on_dla: dict[str, bool]) -> list[list[str]]:
    """Order regions by a topological sort of the condensed graph (ties: network order)."""
    node_of: dict[str, str] = {}
    for root, members in groups.items():
        for m in members:
            node_of[m] = f"R:{root}"
    position = {n: i for i, n in enumerate(net.layers)}
    c = nx.DiGraph()
    for n in net.layers:
        c.add_node(node_of.get(n, n))
    for u, v in net.graph.edges():
        cu, cv = node_of.get(u, u), node_of.get(v, v)
        if cu != cv:
            c.add_edge(cu, cv)
    first = {}
    for n in net.layers:
        first.setdefault(node_of.get(n, n), position[n])
    ordered = nx.lexicographical_topological_sort(c, key=lambda x: first[x])
    return [groups[x[2:]] for x in ordered if x.startswith("R:")]


def condensed_order(net: Network, regions: list[list[str]]) -> list[tuple[str, list[str]]]:
    """Engine order as (device, layers) runs: each region one DLA run, GPU layers merged between."""
    node_of: dict[str, int] = {m: i for i, r in enumerate(regions) for m in r}
    position = {n: i for i, n in enumerate(net.layers)}
    c = nx.DiGraph()
    for n in net.layers:
        c.add_node(("R", node_of[n]) if n in node_of else ("L", n))
    for u, v in net.graph.edges():
        cu = ("R", node_of[u]) if u in node_of else ("L", u)
        cv = ("R", node_of[v]) if v in node_of else ("L", v)
        if cu != cv:
            c.add_edge(cu, cv)
    first: dict = {}
    for n in net.layers:
        first.setdefault(("R", node_of[n]) if n in node_of else ("L", n), position[n])
    runs: list[tuple[str, list[str]]] = []
    for node in nx.lexicographical_topological_sort(c, key=lambda x: first[x]):
        if node[0] == "R":
            runs.append((DLA, list(regions[node[1]])))
        elif runs and runs[-1][0] == GPU:
            runs[-1][1].append(node[1])
        else:
            runs.append((GPU, [node[1]]))
    return runs
