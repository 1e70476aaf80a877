"""Device-independent work of each layer: MAC geometry and tensor sizes per image.

Everything is counted per image (the network's leading dimension is its batch), so one analysed
network serves engines of any batch size.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..graph import Network

POINTWISE_KINDS = ("Activation", "ElementWise", "Scale", "Unary", "ParametricReLU", "Quantize", "Dequantize",
                   "Cast", "Select")
# Layers that move no data when TensorRT builds them (views). A Concatenation is costed as a copy of
# its inputs: TensorRT writes the producers straight into the joined buffer only when all of them can
# (same format, channel offsets on the layout's vector, no other reader), which the graph does not
# tell; the copy lowered the AGX Orin's cross-validated and held-out errors, the view did not.
FREE_KINDS = ("Identity", "Constant", "Shape")
VIEW_OPS = ("Reshape", "Flatten", "Squeeze", "Unsqueeze")


@dataclass(frozen=True)
class TensorInfo:
    """One activation tensor, per image."""

    elems: float
    channels: int


@dataclass(frozen=True)
class LayerWork:
    """What a layer computes, per image.

    ``kind`` is the cost class: ``gemm``, ``depthwise``, ``pointwise``, ``norm`` (multi-pass
    reductions: normalisation, softmax), ``move`` (pooling, resize, shuffle, slice: read once, write
    once) or ``free``. For GEMMs ``pixels`` is the output positions, ``cin``/``cout`` the channels
    per group and ``rs`` the kernel area.
    """

    name: str
    kind: str
    layer_kind: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    activation: str = ""
    pixels: float = 0.0
    cin: int = 0
    cout: int = 0
    groups: int = 1
    rs: int = 1
    weight_elems: int = 0
    kw: int = 1

    @property
    def macs(self) -> float:
        return self.pixels * self.cin * self.cout * self.groups * self.rs


@dataclass(frozen=True)
class NetworkWork:
    """Per-layer work and per-tensor sizes of a network, plus its graph wiring."""

    name: str
    batch: int
    layers: dict[str, LayerWork]
    tensors: dict[str, TensorInfo]
    producer: dict[str, str]
    consumers: dict[str, tuple[str, ...]]
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]


def analyse_network(net: Network) -> NetworkWork:
    """Count the work of every layer of ``net`` (see :class:`LayerWork`)."""
    batch = network_batch(net)
    tensors = {name: _tensor_info(t.shape, batch) for name, t in net.tensors.items()}
    layers = {l.name: _layer_work(l, tensors) for l in net.layers.values()}
    producer = {t: l.name for l in net.layers.values() for t in l.outputs}
    consumers: dict[str, list[str]] = {}
    for l in net.layers.values():
        for t in l.inputs:
            consumers.setdefault(t, []).append(l.name)
    return NetworkWork(net.name, batch, layers, tensors, producer, {k: tuple(v) for k, v in consumers.items()},
                       tuple(net.inputs), tuple(net.outputs))


def network_batch(net: Network) -> int:
    for name in net.inputs:
        t = net.tensors.get(name)
        if t is not None and t.shape and int(t.shape[0]) > 0:
            return int(t.shape[0])
    return 1


def _tensor_info(shape, batch: int) -> TensorInfo:
    if not shape:
        return TensorInfo(1.0, 1)
    vol = 1.0
    for d in shape:
        vol *= max(int(d), 1)
    channels = int(shape[1]) if len(shape) >= 2 else 1
    return TensorInfo(vol / max(batch, 1), max(channels, 1))


def _layer_work(layer, tensors: dict[str, TensorInfo]) -> LayerWork:
    ins = tuple(t for t in layer.inputs if t in tensors)
    outs = tuple(t for t in layer.outputs if t in tensors)
    base = dict(name=layer.name, layer_kind=layer.kind, inputs=ins, outputs=outs)
    a = layer.attrs
    out = tensors[outs[0]] if outs else TensorInfo(0.0, 1)
    if layer.kind in ("Convolution", "Deconvolution"):
        groups = int(a.get("group", 1) or 1)
        cin = int(a.get("in_channels") or (tensors[ins[0]].channels if ins else 1))
        cout = int(a.get("out_channels") or out.channels)
        rs = 1
        for k in a.get("kernel") or (1, 1):
            rs *= int(k)
        pixels = out.elems / max(cout, 1)
        if layer.kind == "Deconvolution":
            # A transposed conv does its MACs per input position.
            pixels = (tensors[ins[0]].elems / max(cin, 1)) if ins else pixels
        kind = "depthwise" if groups > 1 and groups == cin else "gemm"
        cin_g, cout_g = max(cin // groups, 1), max(cout // groups, 1)
        kernel = a.get("kernel") or (1, 1)
        return LayerWork(**base, kind=kind, pixels=pixels, cin=cin_g, cout=cout_g, groups=groups, rs=rs,
                         weight_elems=cin_g * cout * rs, activation=str(a.get("fused_activation", "")),
                         kw=int(kernel[-1]) if kernel else 1)
    if layer.kind == "FullyConnected":
        cin = int(tensors[ins[0]].elems) if ins else 1
        cout = int(a.get("out_channels") or out.channels)
        return LayerWork(**base, kind="gemm", pixels=1.0, cin=cin, cout=cout, weight_elems=cin * cout)
    if layer.kind == "MatrixMultiply":
        consts = a.get("const_inputs") or {}
        wshape = next(iter(consts.values()), None)
        inner = int(wshape[0]) if wshape and len(wshape) >= 2 else max(int(tensors[ins[0]].channels), 1) if ins else 1
        n = int(wshape[-1]) if wshape else 1
        pixels = out.elems / max(n, 1)
        return LayerWork(**base, kind="gemm", pixels=pixels, cin=inner, cout=n, weight_elems=inner * n if wshape else 0)
    if layer.kind in POINTWISE_KINDS:
        return LayerWork(**base, kind="pointwise", activation=str(a.get("activation", a.get("op", ""))))
    if layer.kind in ("Normalization", "SoftMax", "LRN"):
        return LayerWork(**base, kind="norm")
    if layer.kind in FREE_KINDS or (layer.kind == "Shuffle" and (layer.op in VIEW_OPS or a.get("op") in VIEW_OPS)):
        return LayerWork(**base, kind="free")
    return LayerWork(**base, kind="move")
