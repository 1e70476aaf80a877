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
each pattern then visits only its own candidates. Layers are handled by their position in the list,
so marking one fused away or replacing it is a list store: on a large network every lookup of a
name in a graph-sized dict is a cache miss. Producers are recorded only where a pattern can use them
(Shuffles: the Reshape before a GroupNorm, the Flatten before an FC). In a network in topological
order the sweep runs backwards: every reader of a convolution's output has been seen by the time the
convolution is reached, so Conv + BN + ReLU fuse during the sweep, while those layers are in cache.
"""

from __future__ import annotations

from ._ir import Layer, Tensor
from ._names import LayerNames

_CONV_KINDS = ("Convolution", "Deconvolution", "FullyConnected")
_NONE = -1  # no single consumer: none, or more than one read


def fuse(layers: list[Layer | None], tensors: dict[str, Tensor], outputs: set[str],
         in_order: bool = True, name_table: LayerNames | None = None) -> dict[str, Layer]:
    """Apply the fusions to ``layers`` (network order, unique names; the list is consumed).

    Args:
        layers: the layers in network order; positions of fused-away layers are set to None.
        tensors: the network's tensors (a Flatten → FC fusion adds the FC's 4-D output).
        outputs: the network's output tensors, which are never fused away.
        in_order: every layer comes after the layers whose outputs it reads.
        name_table: the network's name table; the names fusion makes up (``A + B``, the squeeze after an
            FC) come from it so they never take a name the model uses.

    Returns:
        The fused layers by name, in network order.
    """
    sole: dict[str, int] = {}  # tensor -> position of the one layer that reads it, or _NONE
    shuffle_of: dict[str, int] = {}  # tensor -> position of the Shuffle layer that writes it
    convs: list[int] = []
    silus: list[int] = []
    norms: list[int] = []
    fcs: list[int] = []
    renamed: list[tuple[Layer, list[str]]] = []  # fused layers and the names they are made of

    def only_consumer(tensor: str) -> int:
        c = sole.get(tensor, _NONE)
        return c if c != _NONE and tensor not in outputs else _NONE

    # A layer fused into another leaves None at its position, and is freed while still in cache.
    def absorb(into: Layer, j: int, kind_tag: str, names: list[str]) -> None:
        other = layers[j]
        layers[j] = None
        into.outputs = other.outputs
        into.onnx_nodes.extend(other.onnx_nodes)
        into.fused.append(kind_tag)
        names.append(other.name)

    def conv_bn_relu(i: int) -> None:
        layer = layers[i]
        names = [layer.name]
        j = only_consumer(layer.outputs[0]) if layer.outputs else _NONE
        nxt = layers[j] if j != _NONE else None
        if nxt is not None and nxt.kind == "Scale" and nxt.attrs.get("from") == "BatchNormalization":
            absorb(layer, j, "BatchNormalization", names)
            j = only_consumer(layer.outputs[0])
            nxt = layers[j] if j != _NONE else None
        if nxt is not None and nxt.kind == "Activation" and nxt.attrs.get("activation") == "RELU":
            absorb(layer, j, "Relu", names)
            layer.attrs["fused_activation"] = "RELU"
        if len(names) > 1:
            renamed.append((layer, names))

    backwards = in_order
    for i in range(len(layers) - 1, -1, -1) if backwards else range(len(layers)):
        layer = layers[i]
        ins = layer.inputs
        for t in ins:
            if sole.setdefault(t, i) != i:
                sole[t] = _NONE
        if len(ins) > 1 and len(set(ins)) < len(ins):  # x * x: two reads by one layer
            for t in ins:
                if ins.count(t) > 1:
                    sole[t] = _NONE
        kind = layer.kind
        if kind in _CONV_KINDS:
            if backwards:
                conv_bn_relu(i)  # all of its readers are known
            else:
                convs.append(i)
            if kind == "FullyConnected":
                fcs.append(i)
        elif kind == "Activation":
            if layer.attrs.get("activation") == "SIGMOID":
                silus.append(i)
        elif kind == "Normalization":
            if layer.attrs.get("type") == "INSTANCE":
                norms.append(i)
        elif kind == "Shuffle":
            for t in layer.outputs:  # the last writer in network order wins
                if backwards:
                    shuffle_of.setdefault(t, i)
                else:
                    shuffle_of[t] = i
    if backwards:
        for found in (silus, norms, fcs):
            found.reverse()
    else:
        for i in convs:  # Conv + BN(Scale from BatchNormalization) + ReLU
            conv_bn_relu(i)

    # SiLU: Sigmoid(x) feeding Mul(x, sigmoid(x)).
    for i in silus:
        layer = layers[i]
        if layer is None or not layer.inputs or not layer.outputs:
            continue
        j = only_consumer(layer.outputs[0])
        mul = layers[j] if j != _NONE else None
        if mul is None or mul.kind != "ElementWise" or mul.attrs.get("op") != "PROD":
            continue
        if sorted(mul.inputs) != sorted([layer.inputs[0], layer.outputs[0]]):
            continue
        layer.attrs["activation"] = "SILU"
        layer.op = "SiLU"
        names = [layer.name]
        absorb(layer, j, "Mul", names)
        renamed.append((layer, names))

    # GroupNorm as exported by PyTorch.
    for i in norms:
        layer = layers[i]
        if layer is None:
            continue
        p = shuffle_of.get(layer.inputs[0], _NONE) if layer.inputs else _NONE
        q = only_consumer(layer.outputs[0]) if layer.outputs else _NONE
        pre = layers[p] if p != _NONE else None
        post = layers[q] if q != _NONE else None
        if pre is None or pre.kind != "Shuffle" or post is None or post.kind != "Shuffle":
            continue
        if only_consumer(pre.outputs[0]) != i:
            continue
        group = Layer(pre.name, "Normalization", "GroupNorm", list(pre.inputs), list(post.outputs),
                      {"type": "GROUP"}, pre.onnx_nodes + layer.onnx_nodes + post.onnx_nodes,
                      ["Reshape", "InstanceNormalization", "Reshape"])
        names = [pre.name, layer.name, post.name]
        layers[i] = layers[q] = None
        layers[p] = group
        for t in post.outputs:  # written by the group now, not by a Shuffle
            shuffle_of.pop(t, None)
        for _ in range(2):  # the affine Mul (gamma) and Add (beta)
            j = only_consumer(group.outputs[0])
            nxt = layers[j] if j != _NONE else None
            if nxt is not None and nxt.kind == "Scale" and nxt.attrs.get("mode") == "channel":
                absorb(group, j, nxt.op, names)
        renamed.append((group, names))

    # Flatten → FC: run the FC on the 4-D tensor and squeeze after it.
    extra: dict[int, Layer] = {}
    for i in fcs:
        layer = layers[i]
        if layer is None or not layer.inputs:
            continue
        p = shuffle_of.get(layer.inputs[0], _NONE)
        flat = layers[p] if p != _NONE else None
        src = flat.inputs[0] if flat is not None and flat.inputs else None
        src_shape = tensors.get(src).shape if src and src in tensors else None
        if (flat is None or flat.kind != "Shuffle" or src_shape is None
                or len(src_shape) != 4 or src_shape[2:] != (1, 1) or only_consumer(flat.outputs[0]) != i):
            continue
        layers[p] = None
        layer.onnx_nodes = flat.onnx_nodes + layer.onnx_nodes
        layer.inputs = [src]
        out = layer.outputs[0]
        out4 = _fresh_tensor(tensors, f"{out}__4d")
        out_shape = tensors.get(out).shape if out in tensors else None
        tensors[out4] = Tensor(out4, (out_shape[0], out_shape[1], 1, 1) if out_shape and len(out_shape) == 2 else None)
        layer.outputs = [out4]
        layer.attrs["input_rank"] = 4
        extra[i] = Layer(f"copied_squeeze_after_{layer.name}", "Shuffle", "Squeeze", [out4], [out], {"op": "Squeeze", "implicit": True}, [], [])

    if name_table is None:
        name_table = LayerNames(layer.name for layer in layers if layer is not None)
    # Made-up names are claimed after the loops, when every part's own name is known.
    for layer, parts in renamed:
        layer.name = name_table.fresh(" + ".join(parts))
    for sq in extra.values():
        sq.name = name_table.fresh(sq.name)
    result: dict[str, Layer] = {}
    for i, layer in enumerate(layers):
        if layer is not None:
            result[layer.name] = layer
            if extra and i in extra:
                result[extra[i].name] = extra[i]
    return result


def _fresh_tensor(tensors: dict[str, Tensor], preferred: str) -> str:
    name, n = preferred, 0
    while name in tensors:
        name, n = f"{preferred}_{n}", n + 1
    return name
