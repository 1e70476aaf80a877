"""predict(): the engine layout TensorRT would build for a Network on a platform and BuildConfig."""

from __future__ import annotations

from .._gcpause import paused_gc
from ..graph import Network
from ._config import BuildConfig
from ._partition import condensed_order, dla_regions, layer_batch
from ._reformat import predict_reformats
from ._types import DLA, GPU, EngineLayout, FallbackReason, LayerPlacement, Segment
from ._verdict import layer_reasons

_TRTEXEC_SOURCE = "https://github.com/NVIDIA/TensorRT/blob/v10.7.0/samples/common/sampleOptions.cpp"


def predict(net: Network, platform, config: BuildConfig | None = None) -> EngineLayout:
    """Predict where each layer runs, the DLA loadables and the Reformats.

    Args:
        net: the network (from :func:`dla_advisor.graph.load_network`).
        platform: a :class:`~dla_advisor.platforms.Platform`.
        config: the build; defaults to FP16 on DLA core 0 with GPU fallback, ``fp32:chw`` I/O.

    Returns:
        An :class:`EngineLayout` with ``source="predicted"``.
    """
    with paused_gc():
        return _predict(net, platform, config or BuildConfig())


def _predict(net: Network, platform, config: BuildConfig) -> EngineLayout:
    notes = list(net.notes)
    reasons: dict[str, list[FallbackReason]] = {}
    overrides = dict(config.layer_device_overrides)

    for layer in net.layers.values():
        if not config.use_dla:
            reasons[layer.name] = [FallbackReason("gpu-only-build", "the engine is built for the GPU (no --useDLACore)",
                                                  "", _TRTEXEC_SOURCE)]
            continue
        r = layer_reasons(layer, net, platform, config.precision)
        if overrides.get(layer.name, "").upper() == "GPU" or any(overrides.get(n, "").upper() == "GPU" for n in layer.onnx_nodes):
            r = r + [FallbackReason("layer-override", "placed on the GPU by --layerDeviceTypes", "", _TRTEXEC_SOURCE)]
        reasons[layer.name] = r

    capable = {n: not r for n, r in reasons.items()}
    on_dla = dict(capable)
    limit = platform.loadables_per_core if config.use_dla else None
    regions = dla_regions(net, on_dla) if config.use_dla else []
    if limit is not None and len(regions) > limit:
        src = platform.limit_source("loadables_per_core")
        for region in regions[limit:]:
            for n in region:
                on_dla[n] = False
                reasons[n] = reasons[n] + [FallbackReason(
                    "loadable-limit", f"DLA loadable {regions.index(region) + 1} exceeds the {limit} loadables per core "
                    f"on {platform.id}; TensorRT moves it to the GPU", f"{platform.file}:limits.loadables_per_core", src)]
        regions = dla_regions(net, on_dla)

    runs = condensed_order(net, regions)
    segments: list[Segment] = []
    segment_of: dict[str, int] = {}
    for device, names in runs:
        idx = len(segments)
        seg_name = f"{{ForeignNode[{names[0]}...{names[-1]}]}}" if device == DLA and len(names) > 1 else (
            f"{{ForeignNode[{names[0]}]}}" if device == DLA else "")
        batch = layer_batch(net, names[0]) if device == DLA else None
        segments.append(Segment(idx, device, tuple(names), seg_name, batch))
        for n in names:
            segment_of[n] = idx

    device_of = {n: (DLA if on_dla[n] else GPU) for n in net.layers}
    placements = tuple(
        LayerPlacement(
            name=n, kind=l.kind, device=device_of[n], reasons=tuple(reasons[n]) if device_of[n] == GPU else (),
            onnx_nodes=tuple(l.onnx_nodes), segment=segment_of.get(n), dla_capable=capable[n],
        )
        for n, l in ((s, net.layers[s]) for seg in segments for s in seg.layers)
    )
    reformats = predict_reformats(net, device_of, platform, config) if regions else []

    gpu_count = sum(1 for p in placements if p.device == GPU)
    if config.use_dla and gpu_count and (not config.gpu_fallback or not platform.gpu_fallback_allowed):
        why = "GPU fallback is disabled" if not config.gpu_fallback else f"{platform.id} has no GPU fallback"
        notes.append(f"{gpu_count} layer(s) cannot run on DLA and {why}: TensorRT will fail to build this engine")
    return EngineLayout(
        source="predicted", placements=placements, segments=tuple(segments), reformats=tuple(reformats),
        platform=platform.id, config=config, loadable_limit=limit, notes=tuple(notes), network_name=net.name,
    )
