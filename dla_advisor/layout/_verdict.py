"""Per-layer DLA verdicts: which platform constraints a layer breaks, with file key and source URL."""

from __future__ import annotations

from ..graph import Layer, Network, Tensor
from ._checks import CheckContext, layer_tensors, run_check
from ._types import FallbackReason

_UNSUPPORTED_SOURCE = "https://docs.nvidia.com/deeplearning/tensorrt/latest/inference-library/dla-layer-restrictions.html"
_PLUGIN_SOURCE = "https://github.com/NVIDIA/Deep-Learning-Accelerator-SW/blob/main/operators/README.md"


class _SafeDict(dict):
    def __missing__(self, key):
        return "{" + key + "}"


def _reason(entry: dict, failure: dict, platform, key: str, attrs: dict | None = None) -> FallbackReason:
    template = entry.get("message") or entry["reason"]
    # A message may name any attribute of the layer ({input_rank}); the check's own values win.
    fields = _SafeDict({**(attrs or {}), **failure})
    try:
        message = template.format_map(fields)
    except (ValueError, IndexError):
        message = template
    return FallbackReason(entry["reason"], message, f"{platform.file}:{key}", entry["source"])


def layer_verdict(layer: Layer, net: Network, platform, precision,
                  tensors: list[Tensor] | None = None) -> tuple[list[FallbackReason], str]:
    """``(reasons, precision)``: why ``layer`` cannot run on DLA, else the precision DLA runs it in.

    With several precisions enabled (``--int8 --fp16``) TensorRT runs each DLA layer in INT8 where DLA
    has it and in FP16 otherwise, so a layer leaves DLA only if no enabled precision is allowed.
    INT8 requests for Sigmoid/TanH/LRN run as FP16 inside DLA (``int8_as_fp16`` in the platform file).
    """
    enabled = (precision,) if isinstance(precision, str) else tuple(precision)
    tensors = layer_tensors(layer, net) if tensors is None else tensors
    if layer.kind == "Plugin":
        what = layer.attrs.get("plugin", layer.op)
        return [FallbackReason("plugin-layer", f"ONNX op {what} has no builtin TensorRT layer; it needs a GPU plugin",
                               f"{platform.file}:layers", _PLUGIN_SOURCE)], ""
    entry = platform.layer_entry(layer.kind)
    if entry is None:
        return _dedupe([FallbackReason(
            "unsupported-layer", f"{layer.kind} layers (ONNX {layer.op}) have no DLA implementation on {platform.id}",
            f"{platform.file}:layers", _UNSUPPORTED_SOURCE)] + _checks(layer, net, platform, enabled[0], tensors, None)), ""
    allowed = entry.get("precisions")
    candidates = [p for p in enabled if not allowed or p in allowed]
    if not candidates:
        runs = "/".join(p.upper() for p in allowed)
        on = " and ".join(p.upper() for p in enabled)
        reasons = [FallbackReason(
            "precision-not-enabled", f"{layer.kind} runs only in {runs} on DLA and this build enables {on} only "
            f"(build with --precision int8,fp16, i.e. trtexec --int8 --fp16, to allow it)",
            f"{platform.file}:layers.{layer.kind}.precisions", entry["source"])]
        return _dedupe(reasons + _checks(layer, net, platform, enabled[0], tensors, entry)), ""
    first = None
    for prec in candidates:
        reasons = _checks(layer, net, platform, prec, tensors, entry)
        if not reasons:
            return [], _runs_as(layer, entry, prec)
        first = first if first is not None else reasons
    return _dedupe(first), ""


def _checks(layer: Layer, net: Network, platform, precision: str, tensors, entry) -> list[FallbackReason]:
    ctx = CheckContext(platform, precision)
    ctx.tensors = tensors
    reasons: list[FallbackReason] = []
    for i, check in enumerate(platform.data.get("general_checks", [])):
        failure = run_check(check, layer, net, ctx)
        if failure is not None:
            reasons.append(_reason(check, failure, platform, f"general_checks[{i}]", layer.attrs))
    if entry is not None:
        for i, check in enumerate(entry.get("checks", [])):
            failure = run_check(check, layer, net, ctx)
            if failure is not None:
                reasons.append(_reason(check, failure, platform, f"layers.{layer.kind}.checks[{i}]", layer.attrs))
    return _dedupe(reasons)


def _runs_as(layer: Layer, entry: dict, precision: str) -> str:
    """The precision DLA computes in: an INT8 request for Sigmoid/TanH/LRN runs as FP16."""
    up = entry.get("int8_as_fp16")
    if precision != "int8" or up is None:
        return precision
    attr = up.get("attr")
    if attr is None or str(layer.attrs.get(attr, "")).upper() in {str(v).upper() for v in up.get("values", ())}:
        return "fp16"
    return precision


def _dedupe(reasons: list[FallbackReason]) -> list[FallbackReason]:
    seen, out = set(), []
    for r in reasons:
        if (r.id, r.message) not in seen:
            seen.add((r.id, r.message))
            out.append(r)
    return out
