"""Precision and quantization: calibration, Q/DQ per TensorRT version, strong typing, FP16 on Orin."""

from __future__ import annotations

from ...layout import DLA
from .._registry import detector
from .._types import Hit
from ._util import precision, uses_dla

_QDQ = ("Quantize", "Dequantize")
_FP32 = ("float32", "fp32", "float")


def _qdq_layers(layout, network) -> tuple[str, ...]:
    names = [p.name for p in layout.placements if p.kind in _QDQ]
    if network is not None:
        names += [l.name for l in network if l.kind in _QDQ and l.name not in names]
    return tuple(names)


@detector("int8-calibration")
def int8_calibration(layout, network, platform, config, params):
    """INT8 without a calibration cache or Q/DQ scales: trtexec invents ranges (speed only)."""
    if config is None or precision(config) != "int8" or config.calibrated or not uses_dla(layout, config):
        return []
    if _qdq_layers(layout, network):
        return []
    return [Hit(values={"dla_layers": len(layout.dla_layers)})]


@detector("qdq-model")
def qdq_model(layout, network, platform, config, params):
    """Explicit Q/DQ quantization where this TensorRT's DLA only takes implicit INT8 scales."""
    if not uses_dla(layout, config):
        return []
    qdq = _qdq_layers(layout, network)
    if not qdq:
        return []
    return [Hit(layers=qdq, values={"qdq_layers": len(qdq)})]


@detector("strongly-typed-fp32")
def strongly_typed_fp32(layout, network, platform, config, params):
    """An FP32 network on a strongly typed DLA target: no --fp16/--int8 to lower it any more."""
    if platform is None or not platform.strongly_typed or network is None or not uses_dla(layout, config):
        return []
    if _qdq_layers(layout, network):
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
    kinds = set(params.get("kinds") or ("Convolution", "Deconvolution", "FullyConnected"))
    convs = tuple(p.name for p in layout.placements if p.device == DLA and p.kind in kinds)
    if not convs:
        return []
    return [Hit(layers=convs, values={"convolutions": len(convs)})]
