"""The network IR: TensorRT-level layers over tensors with static shapes.

Plain data, no ONNX here (the importer lives in :mod:`dla_advisor.graph._onnx_import`). A
:class:`Layer` is what TensorRT would build for one or more ONNX nodes after constant folding and
the fusions TensorRT always makes; it keeps the ONNX node names it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator

if TYPE_CHECKING:
    import networkx as nx

    from ._qdq import Quantization

# TensorRT layer kinds used across the project. Strings, so rule and platform files can name them.
LAYER_KINDS = (
    "Convolution", "Deconvolution", "FullyConnected", "Pooling", "Activation", "ParametricReLU",
    "ElementWise", "Scale", "Concatenation", "Shuffle", "Resize", "Unary", "Slice", "SoftMax",
    "Reduce", "MatrixMultiply", "LRN", "Normalization", "Gather", "Cast", "Constant", "Identity",
    "Quantize", "Dequantize", "TopK", "Padding", "Shape", "Fill", "Select", "Einsum", "Loop",
    "Conditional", "Scatter", "NonZero", "NMS", "Plugin", "Reformat",
)


@dataclass
class Tensor:
    """An activation tensor between layers (constants are folded into their consumer's attrs)."""

    name: str
    shape: tuple[int, ...] | None
    dtype: str = "float32"

    @property
    def rank(self) -> int | None:
        return None if self.shape is None else len(self.shape)

    def volume(self) -> int:
        v = 1
        for d in self.shape or ():
            v *= max(int(d), 0)
        return v


@dataclass
class Layer:
    """One TensorRT layer.

    Attributes:
        name: the name TensorRT would print (ONNX node names joined with `` + `` after fusion).
        kind: TensorRT layer kind (see :data:`LAYER_KINDS`).
        op: the ONNX op type of the main node (``Conv`` for a fused Conv+BN+Relu).
        inputs / outputs: activation tensor names, in order.
        attrs: normalised attributes (``kernel``, ``strides``, ``pads``, ``dilations``, ``group``,
            ``op`` for ElementWise, ``activation``, ``axis``, ``mode`` ...).
        onnx_nodes: every ONNX node this layer stands for, in graph order.
        fused: names of the ops fused into it (``BatchNormalization``, ``Relu``, ...).
    """

    name: str
    kind: str
    op: str
    inputs: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)
    onnx_nodes: list[str] = field(default_factory=list)
    fused: list[str] = field(default_factory=list)


class _LazyGraph:
    """The ``Network.graph`` field: built from the layers on first read unless one was given.

    The analyses walk ``Layer.inputs``/``outputs`` and never need it; on a large network the
    networkx graph (three dicts per layer and one per edge) cost as much as the whole fusion pass.
    """

    def __get__(self, net, owner=None):
        if net is None:
            return None  # the dataclass default: build on demand
        g = net.__dict__.get("_graph")
        if g is None:
            g = net.__dict__["_graph"] = build_graph(net.layers)
        return g

    def __set__(self, net, value) -> None:
        net.__dict__["_graph"] = value


@dataclass
class Network:
    """A model as TensorRT would see it, in topological order.

    ``graph`` is a :class:`networkx.DiGraph` over layer names; each edge carries the ``tensor`` it
    stands for. Left out (or None), it is built from ``layers`` when first read. ``notes`` records
    assumptions the importer made (e.g. a dynamic dim taken as 1). ``quantization`` is set when the
    model is explicitly quantized: its activation Q/DQ pairs were folded into per-tensor INT8 scales.
    """

    name: str
    layers: dict[str, Layer]
    tensors: dict[str, Tensor]
    inputs: list[str]
    outputs: list[str]
    graph: nx.DiGraph = _LazyGraph()
    opset: int = 0
    notes: list[str] = field(default_factory=list)
    dynamic_inputs: dict[str, tuple] = field(default_factory=dict)
    initializer_bytes: int = 0
    quantization: Quantization | None = None

    def __iter__(self) -> Iterator[Layer]:
        return iter(self.layers.values())

    def __len__(self) -> int:
        return len(self.layers)

    def producer(self, tensor: str) -> Layer | None:
        name = self._producers().get(tensor)
        return self.layers[name] if name else None

    def consumers(self, tensor: str) -> list[Layer]:
        return [self.layers[n] for n in self._consumers().get(tensor, ())]

    def predecessors(self, layer: str) -> list[Layer]:
        return [self.layers[n] for n in self.graph.predecessors(layer)]

    def successors(self, layer: str) -> list[Layer]:
        return [self.layers[n] for n in self.graph.successors(layer)]

    def tensor(self, name: str) -> Tensor | None:
        return self.tensors.get(name)

    def _producers(self) -> dict[str, str]:
        cache = self.__dict__.get("_prod")
        if cache is None:
            cache = {t: l.name for l in self.layers.values() for t in l.outputs}
            self.__dict__["_prod"] = cache
        return cache

    def _consumers(self) -> dict[str, list[str]]:
        cache = self.__dict__.get("_cons")
        if cache is None:
            cache = {}
            for l in self.layers.values():
                for t in l.inputs:
                    cache.setdefault(t, []).append(l.name)
            self.__dict__["_cons"] = cache
        return cache


def build_graph(layers: dict[str, Layer]) -> nx.DiGraph:
    """Connect layers by the tensors they share (one edge per producer/consumer pair)."""
    # Imported here: importing networkx costs about a third of a small model's whole advise run, and
    # most runs never read Network.graph.
    import networkx as nx

    g = nx.DiGraph()
    producers: dict[str, str] = {}
    for layer in layers.values():
        g.add_node(layer.name)
        for t in layer.outputs:
            producers[t] = layer.name
    for layer in layers.values():
        for t in layer.inputs:
            src = producers.get(t)
            if src is not None and src != layer.name:
                g.add_edge(src, layer.name, tensor=t)
    return g
