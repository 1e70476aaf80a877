"""The fusions TensorRT always makes, applied to the layer dict in one linear pass each.

* Convolution/Deconvolution/FullyConnected + Scale(BatchNorm) + ReLU → one layer (``Conv_0 + Relu_1``).
* x · sigmoid(x) (SiLU/Swish) → one Activation(SILU); DLA runs it as Sigmoid + product
  (facts sheet "composite patterns", source: https://github.com/NVIDIA-AI-IOT/jetson_dla_tutorial).
* Reshape → InstanceNormalization → Reshape [→ Scale → Scale] (PyTorch's GroupNorm export) → one
  Normalization(GROUP) layer, which is what TensorRT lists on the GPU in the DLA tutorial.
* Flatten/Reshape of an [N,C,1,1] tensor into [N,C] feeding a fully-connected layer is absorbed: the
  FC runs as a 1×1 convolution on the 4-D tensor, and a squeeze Shuffle restores the 2-D output
  (TensorRT names it ``copied_squeeze_after_...``; it is visible in the tutorial's BatchNorm log).
"""

from __future__ import annotations

from ._ir import Layer, Tensor

_CONV_KINDS = ("Convolution", "Deconvolution", "FullyConnected")


def fuse(layers: dict[str, Layer], tensors: dict[str, Tensor], outputs: set[str]) -> dict[str, Layer]:
    consumers = _consumers(layers)
    producer = {t: l.name for l in layers.values() for t in l.outputs}

    def only_consumer(tensor: str) -> Layer | None:
        c = consumers.get(tensor, [])
        if len(c) == 1 and tensor not in outputs:
            return layers.get(c[0])
        return None

    removed: set[str] = set()

    def absorb(into: Layer, other: Layer, kind_tag: str) -> None:
        into.outputs = list(other.outputs)
        into.onnx_nodes.extend(other.onnx_nodes)
        into.fused.append(kind_tag)
        into.name_parts = getattr(into, "name_parts", [into.name]) + [other.name]
        removed.add(other.name)
        for t in other.outputs:
            producer[t] = into.name

    # Conv + BN(Scale from BatchNormalization) + ReLU.
    for layer in list(layers.values()):
        if layer.name in removed or layer.kind not in _CONV_KINDS:
            continue
        nxt = only_consumer(layer.outputs[0]) if layer.outputs else None
        if nxt is not None and nxt.kind == "Scale" and nxt.attrs.get("from") == "BatchNormalization":
            absorb(layer, nxt, "BatchNormalization")
            nxt = only_consumer(layer.outputs[0])
        if nxt is not None and nxt.kind == "Activation" and nxt.attrs.get("activation") == "RELU":
            absorb(layer, nxt, "Relu")
            layer.attrs["fused_activation"] = "RELU"

    # SiLU: Sigmoid(x) feeding Mul(x, sigmoid(x)).
    for layer in list(layers.values()):
        if layer.name in removed or layer.kind != "Activation" or layer.attrs.get("activation") != "SIGMOID":
            continue
        if not layer.inputs or not layer.outputs:
            continue
        mul = only_consumer(layer.outputs[0])
        if mul is None or mul.kind != "ElementWise" or mul.attrs.get("op") != "PROD":
            continue
        if sorted(mul.inputs) != sorted([layer.inputs[0], layer.outputs[0]]):
            continue
        layer.attrs["activation"] = "SILU"
        layer.op = "SiLU"
        absorb(layer, mul, "Mul")

    # GroupNorm as exported by PyTorch.
    for layer in list(layers.values()):
        if layer.name in removed or layer.kind != "Normalization" or layer.attrs.get("type") != "INSTANCE":
            continue
        pre = layers.get(producer.get(layer.inputs[0], "")) if layer.inputs else None
        post = only_consumer(layer.outputs[0]) if layer.outputs else None
        if pre is None or pre.kind != "Shuffle" or post is None or post.kind != "Shuffle":
            continue
        if pre.name in removed or only_consumer(pre.outputs[0]) is not layer:
            continue
        group = Layer(pre.name, "Normalization", "GroupNorm", list(pre.inputs), list(post.outputs),
                      {"type": "GROUP"}, pre.onnx_nodes + layer.onnx_nodes + post.onnx_nodes,
                      ["Reshape", "InstanceNormalization", "Reshape"])
        group.name_parts = [pre.name, layer.name, post.name]
        removed.update({layer.name, post.name})
        layers[pre.name] = group
        for t in group.outputs:
            producer[t] = group.name
        for _ in range(2):  # the affine Mul (gamma) and Add (beta)
            nxt = only_consumer(group.outputs[0])
            if nxt is not None and nxt.kind == "Scale" and nxt.attrs.get("mode") == "channel":
                absorb(group, nxt, nxt.op)

    # Flatten → FC: run the FC on the 4-D tensor and squeeze after it.
    extra: dict[str, Layer] = {}
    for layer in list(layers.values()):
        if layer.name in removed or layer.kind != "FullyConnected" or not layer.inputs:
            continue
        flat = layers.get(producer.get(layer.inputs[0], ""))
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

    result: dict[str, Layer] = {}
    for name, layer in layers.items():
        if name in removed:
            continue
        parts = getattr(layer, "name_parts", None)
        if parts and len(parts) > 1:
            layer.name = " + ".join(parts)
        result[layer.name] = layer
        if name in extra:
            result[extra[name].name] = extra[name]
    return result


def _consumers(layers: dict[str, Layer]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for l in layers.values():
        for t in l.inputs:
            out.setdefault(t, []).append(l.name)
    return out
