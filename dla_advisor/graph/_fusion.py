"""The fusions TensorRT always makes, applied to the layer dict in one linear pass each.

* Convolution/Deconvolution/FullyConnected + Scale(BatchNorm) + ReLU → one layer (``Conv_0 + Relu_1``).
* x · sigmoid(x) (SiLU/Swish) → one Activation(SILU); DLA runs it as Sigmoid + product
  (facts sheet "composite patterns", source: https://github.com/NVIDIA-AI-IOT/jetson_dla_tutorial).
* Reshape → InstanceNormalization → Reshape [→ Scale → Scale] (PyTorch's GroupNorm export) → one
  Normalization(GROUP) layer, which is what TensorRT lists on the GPU in the DLA tutorial.
* Flatten/Reshape of an [N,C,1,1] tensor into [N,C] feeding a fully-connected layer is absorbed: the
  FC runs as a 1×1 convolution on the 4-D tensor, and a squeeze Shuffle restores the 2-D output
  (TensorRT names it ``copied_squeeze_after_...``; it is visible in the tutorial's BatchNorm log).

One sweep over all layers finds each tensor's sole consumer and the layers that can start a pattern;
each pattern then visits only its own candidates. On a large network every name looked up in a
graph-sized dict is a cache miss, so the sweep records layer objects rather than names, and only the
producers that a pattern can use (Shuffles: the Reshape before a GroupNorm, the Flatten before an FC).
"""

from __future__ import annotations

from ._ir import Layer, Tensor

_CONV_KINDS = ("Convolution", "Deconvolution", "FullyConnected")
_MANY = object()  # sole-consumer marker for a tensor read by more than one input slot


def fuse(layers: dict[str, Layer], tensors: dict[str, Tensor], outputs: set[str]) -> dict[str, Layer]:
    """Apply the fusions to ``layers`` (which it consumes) and return the fused layers in network order."""
    sole: dict[str, object] = {}  # tensor -> the one Layer that reads it, or _MANY
    shuffle_of: dict[str, str] = {}  # tensor -> name of the Shuffle layer that writes it
    convs: list[Layer] = []
    silus: list[Layer] = []
    norms: list[Layer] = []
    fcs: list[Layer] = []
    for layer in layers.values():
        ins = layer.inputs
        for t in ins:
            if sole.setdefault(t, layer) is not layer:
                sole[t] = _MANY
        if len(ins) > 1 and len(set(ins)) < len(ins):  # x * x: two reads by one layer
            for t in ins:
                if ins.count(t) > 1:
                    sole[t] = _MANY
        kind = layer.kind
        if kind in _CONV_KINDS:
            convs.append(layer)
            if kind == "FullyConnected":
                fcs.append(layer)
        elif kind == "Activation":
            if layer.attrs.get("activation") == "SIGMOID":
                silus.append(layer)
        elif kind == "Normalization":
            if layer.attrs.get("type") == "INSTANCE":
                norms.append(layer)
        elif kind == "Shuffle":
            for t in layer.outputs:
                shuffle_of[t] = layer.name

    def only_consumer(tensor: str) -> Layer | None:
        c = sole.get(tensor)
        if c is not None and c is not _MANY and tensor not in outputs:
            return c
        return None

    def shuffle_producer(tensor: str) -> Layer | None:
        name = shuffle_of.get(tensor)
        return None if name is None else layers.get(name)

    removed: set[str] = set()
    renamed: list[tuple[Layer, list[str]]] = []  # fused layers and the names they are made of

    def absorb(into: Layer, other: Layer, kind_tag: str, names: list[str]) -> None:
        into.outputs = list(other.outputs)
        into.onnx_nodes.extend(other.onnx_nodes)
        into.fused.append(kind_tag)
        names.append(other.name)
        removed.add(other.name)

    # Conv + BN(Scale from BatchNormalization) + ReLU.
    for layer in convs:
        names = [layer.name]
        nxt = only_consumer(layer.outputs[0]) if layer.outputs else None
        if nxt is not None and nxt.kind == "Scale" and nxt.attrs.get("from") == "BatchNormalization":
            absorb(layer, nxt, "BatchNormalization", names)
            nxt = only_consumer(layer.outputs[0])
        if nxt is not None and nxt.kind == "Activation" and nxt.attrs.get("activation") == "RELU":
            absorb(layer, nxt, "Relu", names)
            layer.attrs["fused_activation"] = "RELU"
        if len(names) > 1:
            renamed.append((layer, names))

    # SiLU: Sigmoid(x) feeding Mul(x, sigmoid(x)).
    for layer in silus:
        if layer.name in removed or not layer.inputs or not layer.outputs:
            continue
        mul = only_consumer(layer.outputs[0])
        if mul is None or mul.kind != "ElementWise" or mul.attrs.get("op") != "PROD":
            continue
        if sorted(mul.inputs) != sorted([layer.inputs[0], layer.outputs[0]]):
            continue
        layer.attrs["activation"] = "SILU"
        layer.op = "SiLU"
        names = [layer.name]
        absorb(layer, mul, "Mul", names)
        renamed.append((layer, names))

    # GroupNorm as exported by PyTorch.
    for layer in norms:
        if layer.name in removed:
            continue
        pre = shuffle_producer(layer.inputs[0]) if layer.inputs else None
        post = only_consumer(layer.outputs[0]) if layer.outputs else None
        if pre is None or pre.kind != "Shuffle" or post is None or post.kind != "Shuffle":
            continue
        if pre.name in removed or only_consumer(pre.outputs[0]) is not layer:
            continue
        group = Layer(pre.name, "Normalization", "GroupNorm", list(pre.inputs), list(post.outputs),
                      {"type": "GROUP"}, pre.onnx_nodes + layer.onnx_nodes + post.onnx_nodes,
                      ["Reshape", "InstanceNormalization", "Reshape"])
        names = [pre.name, layer.name, post.name]
        removed.update({layer.name, post.name})
        layers[pre.name] = group
        for t in pre.inputs:  # a lookup by name now finds the group, so must the sole-consumer table
            if sole.get(t) is pre:
                sole[t] = group
        for t in post.outputs:  # written by the group now, not by a Shuffle
            shuffle_of.pop(t, None)
        for _ in range(2):  # the affine Mul (gamma) and Add (beta)
            nxt = only_consumer(group.outputs[0])
            if nxt is not None and nxt.kind == "Scale" and nxt.attrs.get("mode") == "channel":
                absorb(group, nxt, nxt.op, names)
        renamed.append((group, names))

    # Flatten → FC: run the FC on the 4-D tensor and squeeze after it.
    extra: dict[str, Layer] = {}
    for layer in fcs:
        if layer.name in removed or not layer.inputs:
            continue
        flat = shuffle_producer(layer.inputs[0])
        src = flat.inputs[0] if flat is not None and flat.inputs else None
        src_shape = tensors.get(src).shape if src and src in tensors else None
        if (flat is None or flat.kind != "Shuffle" or flat.name in removed or src_shape is None
                or len(src_shape) != 4 or src_shape[2:] != (1, 1) or only_consumer(flat.outputs[0]) is not layer):
            continue
        removed.add(flat.name)
        layer.onnx_nodes = flat.onnx_nodes + layer.onnx_nodes
        layer.inputs = [src]
        out = layer.outputs[0]
        out4 = f"{out}__4d"
        out_shape = tensors.get(out).shape if out in tensors else None
        tensors[out4] = Tensor(out4, (out_shape[0], out_shape[1], 1, 1) if out_shape and len(out_shape) == 2 else None)
        layer.outputs = [out4]
        layer.attrs["input_rank"] = 4
        sq_name = f"copied_squeeze_after_{layer.name}"
        extra[layer.name] = Layer(sq_name, "Shuffle", "Squeeze", [out4], [out], {"op": "Squeeze", "implicit": True},
                                  [], [])

    if not removed and not extra:
        return layers
    for name in removed:
        layers[name] = None  # keeps its place; skipped below without a lookup per layer
    for layer, names in renamed:
        layer.name = " + ".join(names)
    result: dict[str, Layer] = {}
    for name, layer in layers.items():
        if layer is None:
            continue
        result[layer.name] = layer
        if extra and name in extra:
            result[extra[name].name] = extra[name]
    return result
