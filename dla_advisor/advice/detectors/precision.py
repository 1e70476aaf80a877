"""Precision and quantization: calibration, Q/DQ per TensorRT version, strong typing, FP16 on Orin."""

from __future__ import annotations

from ...layout import DLA, infer_scales, missing_scales
from .._registry import detector
from .._types import Hit
from ._util import precision, uses_dla

_QDQ = ("Quantize", "Dequantize")
_FP32 = ("float32", "fp32", "float")


def _qdq_layers(layout, network) -> tuple[str, ...]:
    """Q/DQ layers left in the network or the measured layout (the importer folds activation pairs)."""
    names = [p.name for p in layout.placements if p.kind in _QDQ]
    if network is not None:
        names += [l.name for l in network if l.kind in _QDQ and l.name not in names]
    return tuple(names)


def _explicitly_quantized(layout, network) -> bool:
    return bool(getattr(network, "quantization", None)) or bool(_qdq_layers(layout, network))


def _route_values(network, layout, scales: dict[str, float]) -> dict:
    """The tensors DLA needs a scale for and lacks, and the trtexec flags that keep their layers in FP16."""
    inferred = infer_scales(network, scales) if network is not None else {}
    missing = missing_scales(layout, network, {**scales, **inferred}) if network is not None else {}
    layers = list(dict.fromkeys(l for ls in missing.values() for l in ls))
    fp16 = ",".join(f"{n}:fp16" for n in dict.fromkeys(n for l in layers for n in _onnx_names(network, l)))
    return {
        "unscaled": len(missing), "unscaled_tensors": tuple(missing), "inferred_scales": len(inferred),
        "fp16_layers": tuple(layers),
        "precision_flags": f"--fp16 --precisionConstraints=prefer --layerPrecisions={fp16}" if fp16 else "",
        "unscaled_text": (f" {len(missing)} tensor(s) a DLA layer reads or writes have no scale and would run in FP16 "
                          f"or fall back to the GPU: {_short(tuple(missing))}." if missing else
                          " Every tensor a DLA layer reads or writes has a scale."),
    }


def _onnx_names(network, layer_name: str) -> tuple[str, ...]:
    """The ONNX nodes of a layer: --layerPrecisions names the network's layers before fusion, which
    TensorRT's ONNX parser names after the nodes."""
    layer = network.layers.get(layer_name) if network is not None else None
    return tuple(layer.onnx_nodes) if layer is not None and layer.onnx_nodes else ()


def _short(names: tuple[str, ...], n: int = 8) -> str:
    return ", ".join(names[:n]) + (f" and {len(names) - n} more" if len(names) > n else "")


@detector("int8-calibration")
def int8_calibration(layout, network, platform, config, params):
    """INT8 without a calibration cache or Q/DQ scales: trtexec invents ranges (speed only)."""
    if config is None or precision(config) != "int8" or config.calibrated or not uses_dla(layout, config):
        return []
    if _explicitly_quantized(layout, network):
        return []
    return [Hit(values={"dla_layers": len(layout.dla_layers)})]


@detector("qdq-model")
def qdq_model(layout, network, platform, config, params):
    """Explicit Q/DQ quantization where this TensorRT's DLA only takes implicit INT8 scales.

    One hit for the whole model: the cause is the quantization style, not any one node. It names the
    Q/DQ layers still in the graph (a measured layout, or pairs the importer could not fold) and the
    DLA tensors that no Q/DQ pair (nor --calib cache) gives a scale.
    """
    if not uses_dla(layout, config) or not _explicitly_quantized(layout, network):
        return []
    quant = getattr(network, "quantization", None)
    scales = dict(quant.scales) if quant else {}
    calib = getattr(config, "calib_tensors", None)
    if calib:
        scales.update(dict.fromkeys(calib, 1.0))
    left = _qdq_layers(layout, network)
    model = network.name if network is not None else (layout.network_name or "model")
    values = {"qdq_nodes": (quant.nodes if quant else 0) + len(left), "qdq_layers": len(left),
              "scaled_tensors": len(quant.scales) if quant else 0, "model": model}
    values.update(_route_values(network, layout, scales))
    return [Hit(layers=left, tensors=values["unscaled_tensors"], values=values)]


@detector("calib-missing-scales")
def calib_missing_scales(layout, network, platform, config, params):
    """An INT8 DLA build with a calibration cache (--calib) that lacks tensors a DLA layer needs."""
    calib = getattr(config, "calib_tensors", None)
    if calib is None or network is None or not _int8(config) or not uses_dla(layout, config):
        return []
    if _explicitly_quantized(layout, network):
        return []  # the Q/DQ finding lists the unscaled tensors with its route
    values = _route_values(network, layout, dict.fromkeys(calib, 1.0))
    if not values["unscaled"]:
        return []
    values["cache_tensors"] = len(calib)
    return [Hit(layers=values["fp16_layers"], tensors=values["unscaled_tensors"], values=values)]


@detector("strongly-typed-fp32")
def strongly_typed_fp32(layout, network, platform, config, params):
    """An FP32 network on a strongly typed DLA target: no --fp16/--int8 to lower it any more."""
    if platform is None or not platform.strongly_typed or network is None or not uses_dla(layout, config):
        return []
    if _explicitly_quantized(layout, network):
        return []
    fp32 = []
    for layer in network:
        if layer.kind not in ("Convolution", "Deconvolution", "Pooling", "FullyConnected"):
            continue
        t = network.tensor(layer.inputs[0]) if layer.inputs else None
        if t is not None and str(t.dtype).lower() in _FP32:
            fp32.append(layer.name)
    if not fp32:
        return []
    return [Hit(layers=tuple(fp32), values={"fp32_layers": len(fp32)})]


@detector("fp16-conv-on-dla", params={"properties": {"kinds": {"type": "array", "items": {"type": "string"}}}})
def fp16_conv_on_dla(layout, network, platform, config, params):
    """FP16 convolutions on DLA (on Orin, INT8 is the fast path)."""
    if precision(config) != "fp16" or not uses_dla(layout, config):
        return []
    if _explicitly_quantized(layout, network):
        return []  # the model carries INT8 scales; the Q/DQ finding gives its INT8 route
    kinds = set(params.get("kinds") or ("Convolution", "Deconvolution", "FullyConnected"))
    convs = tuple(p.name for p in layout.placements if p.device == DLA and p.kind in kinds)
    if not convs:
        return []
    return [Hit(layers=convs, values={"convolutions": len(convs)})]


def _int8(config) -> bool:
    p = precision(config)
    return "int8" in p or p == "best"
