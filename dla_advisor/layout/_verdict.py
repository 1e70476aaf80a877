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


def _reason(entry: dict, failure: dict, platform, key: str) -> FallbackReason:
    template = entry.get("message") or entry["reason"]
    fields = _SafeDict(failure)
    try:
        message = template.format_map(fields)
    except (ValueError, IndexError):
        message = template
    return FallbackReason(entry["reason"], message, f"{platform.file}:{key}", entry["source"])


def layer_reasons(layer: Layer, net: Network, platform, precision: str,
                  tensors: list[Tensor] | None = None) -> list[FallbackReason]:
    """Every reason ``layer`` cannot run on DLA on ``platform`` (empty: it can).

    ``tensors``: the layer's known input then output tensors, when the caller has them already.
    """
    ctx = CheckContext(platform, precision)
    ctx.tensors = layer_tensors(layer, net) if tensors is None else tensors
    if layer.kind == "Plugin":
        what = layer.attrs.get("plugin", layer.op)
        return [FallbackReason("plugin-layer", f"ONNX op {what} has no builtin TensorRT layer; it needs a GPU plugin",
                               f"{platform.file}:layers", _PLUGIN_SOURCE)]
    entry = platform.layer_entry(layer.kind)
    reasons: list[FallbackReason] = []
    if entry is None:
        reasons.append(FallbackReason(
            "unsupported-layer", f"{layer.kind} layers (ONNX {layer.op}) have no DLA implementation on {platform.id}",
            f"{platform.file}:layers", _UNSUPPORTED_SOURCE))
    if entry is not None and entry.get("precisions") and precision not in entry["precisions"]:
        runs = "/".join(p.upper() for p in entry["precisions"])
        reasons.append(FallbackReason(
            "precision", f"{layer.kind} runs only in {runs} on DLA and this build enables {precision.upper()} only "
            f"(build with --{precision} --{entry['precisions'][0]} to allow it)",
            f"{platform.file}:layers.{layer.kind}.precisions", entry["source"]))
    for i, check in enumerate(platform.data.get("general_checks", [])):
        failure = run_check(check, layer, net, ctx)
        if failure is not None:
            reasons.append(_reason(check, failure, platform, f"general_checks[{i}]"))
    if entry is not None:
        for i, check in enumerate(entry.get("checks", [])):
            failure = run_check(check, layer, net, ctx)
            if failure is not None:
                reasons.append(_reason(check, failure, platform, f"layers.{layer.kind}.checks[{i}]"))
    return _dedupe(reasons)


def _dedupe(reasons: list[FallbackReason]) -> list[FallbackReason]:
    seen, out = set(), []
    for r in reasons:
        if (r.id, r.message) not in seen:
            seen.add((r.id, r.message))
            out.append(r)
    return out
