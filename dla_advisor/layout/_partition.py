"""Partition DLA-capable layers into loadables the way TensorRT does: maximal convex regions.

Two DLA layers joined by an edge may share a loadable unless some path between them leaves DLA
(that would make the loadable depend on itself through the GPU) or their batch differs. We number
every layer with the count of DLA exits on the longest path reaching it (``level``): along any edge
the level never decreases, and it grows past every DLA→GPU edge and every batch change. Merging only
equal-level DLA neighbours therefore never creates a cycle, and it is one linear pass.

Layers are handled by their position in the network, so the per-layer state is a list entry rather
than a name-keyed dict entry: on a large network every dict probe for a name is a cache miss.
"""

from __future__ import annotations

import heapq
import math
from typing import Iterable

from ..errors import InternalError
from ..graph import Layer, Network, Tensor
from ._types import DLA, GPU


def loadable_batch(tensors: Iterable[Tensor | None]) -> int | None:
    """The batch TensorRT gives a layer's loadable: the dims before C, H, W of the first known shape.

    ``tensors`` are the layer's outputs, then its inputs.
    """
    for tensor in tensors:
        if tensor is not None and tensor.shape is not None:
            shape = tensor.shape
            return math.prod(shape[:-3]) if len(shape) > 3 else (shape[0] if len(shape) == 4 else 1)
    return None


class LayerGraph:
    """A network's layers by position, each with the positions of the layers it reads from.

    Built one layer at a time with :meth:`add` (so a caller that walks the layers anyway adds them
    while their tensors are still in cache) and closed with :meth:`finish`; :meth:`of` does both.

    Attributes:
        names / layers: the layers in network order.
        producer: tensor name → (position of the layer that writes it, its :class:`Tensor` or None).
        preds: per position, the distinct producer positions of its inputs (no self loops); the same
            edges as :attr:`Network.graph`.
        reads_input / writes_output: positions of the layers that read a network input / write a
            network output.
    """

    def __init__(self, net: Network):
        self.names: list[str] = []
        self.layers: list[Layer] = []
        self.producer: dict[str, tuple[int, Tensor | None]] = {}
        self.preds: list[list[int]] = []
        self.reads_input: set[int] = set()
        self.writes_output: set[int] = set()
        self._net_inputs = set(net.inputs)
        self._net_outputs = set(net.outputs)
        self._tensors = net.tensors
        self._unresolved: list[tuple[int, str]] = []  # inputs whose producer was not added yet

    @classmethod
    def of(cls, net: Network) -> LayerGraph:
        graph = cls(net)
        for layer in net.layers.values():
            graph.add(layer)
        graph.finish()
        return graph

    def add(self, layer: Layer) -> tuple[list[Tensor | None], list[Tensor | None]]:
        """Append ``layer`` (the next one in network order); return its input and output tensors.

        Each tensor is looked up once, where it is written; its readers get it from ``producer``.
        """
        i = len(self.names)
        self.names.append(layer.name)
        self.layers.append(layer)
        producer = self.producer
        ps: list[int] = []
        ins: list[Tensor | None] = []
        for t in layer.inputs:
            if t in self._net_inputs:
                self.reads_input.add(i)
            written = producer.get(t)
            if written is None:
                self._unresolved.append((i, t))
                ins.append(self._tensors.get(t))
            else:
                ins.append(written[1])
                if written[0] not in ps:
                    ps.append(written[0])
        self.preds.append(ps)
        outs: list[Tensor | None] = []
        get = self._tensors.get
        for t in layer.outputs:
            tensor = get(t)
            outs.append(tensor)
            producer[t] = (i, tensor)
            if t in self._net_outputs:
                self.writes_output.add(i)
        return ins, outs

    def finish(self) -> None:
        """Resolve inputs written by a later layer (only in a network not in topological order)."""
        for i, t in self._unresolved:
            written = self.producer.get(t)
            if written is not None and written[0] != i and written[0] not in self.preds[i]:
                self.preds[i].append(written[0])
        self._unresolved = []

    def __len__(self) -> int:
        return len(self.names)


def dla_groups(graph: LayerGraph, dla: list[bool], batch: list[int | None]) -> list[list[int]]:
    """Group DLA layers into loadables (positions, in network order), groups in no particular order.

    ``batch`` is read for DLA positions only.
    """
    preds = graph.preds
    n = len(graph)
    level = [0] * n
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i in range(n):
        on = dla[i]
        lv = 0
        for p in preds[i]:
            if p > i:
                raise InternalError(f"layer {graph.names[i]!r} reads from {graph.names[p]!r}, which comes after it: "
                                    "the network is not in topological order")
            step = 1 if dla[p] and (not on or batch[p] != batch[i]) else 0
            if level[p] + step > lv:
                lv = level[p] + step
        level[i] = lv
        if on:
            for p in preds[i]:
                if dla[p] and level[p] == lv and batch[p] == batch[i]:
                    ra, rb = find(p), find(i)
                    if ra != rb:
                        parent[rb] = ra

    groups: dict[int, list[int]] = {}
    for i in range(n):
        if dla[i]:
            groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def engine_runs(graph: LayerGraph, groups: list[list[int]]) -> list[tuple[str, list[int]]]:
    """Engine order as (device, positions) runs: each group one DLA run, GPU layers merged between.

    The order is a topological sort of the graph with every group condensed to one node; among the
    nodes that are ready, the one that starts earliest in the network goes first.
    """
    n = len(graph)
    # A condensed node is named by the first position it covers, which is also its sort key.
    node = list(range(n))
    members: dict[int, list[int]] = {}
    for g in groups:
        head = min(g)
        members[head] = g
        for m in g:
            node[m] = head
    succ: list[list[int] | None] = [None] * n
    indegree = [0] * n
    for i, ps in enumerate(graph.preds):
        v = node[i]
        for p in ps:
            u = node[p]
            if u != v:
                # Parallel edges are kept: each adds one to the in-degree and is removed once.
                s = succ[u]
                if s is None:
                    succ[u] = [v]
                else:
                    s.append(v)
                indegree[v] += 1
    heads = [i for i in range(n) if node[i] == i]
    ready = [i for i in heads if indegree[i] == 0]  # ascending, so already a heap
    runs: list[tuple[str, list[int]]] = []
    done = 0
    while ready:
        u = heapq.heappop(ready)
        done += 1
        group = members.get(u)
        if group is not None:
            runs.append((DLA, list(group)))
        elif runs and runs[-1][0] == GPU:
            runs[-1][1].append(u)
        else:
            runs.append((GPU, [u]))
        for v in succ[u] or ():
            indegree[v] -= 1
            if indegree[v] == 0:
                heapq.heappush(ready, v)
    if done != len(heads):
        raise InternalError("the DLA regions and GPU layers form a cycle; no engine order exists")
    return runs
