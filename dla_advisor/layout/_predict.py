"""predict(): the engine layout TensorRT would build for a Network on a platform and BuildConfig."""

from __future__ import annotations

from .._gcpause import paused_gc
from ..graph import Network
from ._config import BuildConfig
from ._partition import LayerGraph, dla_groups, engine_runs, loadable_batch
from ._reformat import predict_reformats
from ._types import DLA, GPU, EngineLayout, FallbackReason, LayerPlacement, Segment
from ._verdict import layer_verdict

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
    overrides = dict(config.layer_device_overrides)
    graph = LayerGraph(net)
    reasons: list[list[FallbackReason]] = []
    precisions: list[str] = []  # per layer: the precision DLA computes it in ('' where it cannot)
    batch: list[int | None] = []  # per DLA-capable layer; read for DLA layers only
    # One walk over the layers: each one's tensors are looked at by the checks, the graph and the
    # batch while they are still in cache.
    for layer in net.layers.values():
        ins, outs = graph.add(layer)
        if not config.use_dla:
            reasons.append([FallbackReason("gpu-only-build", "the engine is built for the GPU (no --useDLACore)",
                                           "", _TRTEXEC_SOURCE)])
            batch.append(None)
            precisions.append("")
            continue
        r, prec = layer_verdict(layer, net, platform, config.precisions,
                                tensors=[t for t in (*ins, *outs) if t is not None])
        precisions.append(prec)
        if overrides and (overrides.get(layer.name, "").upper() == "GPU"
                          or any(overrides.get(n, "").upper() == "GPU" for n in layer.onnx_nodes)):
            r = r + [FallbackReason("layer-override", "placed on the GPU by --layerDeviceTypes", "", _TRTEXEC_SOURCE)]
        reasons.append(r)
        batch.append(None if r else loadable_batch((*outs, *ins)))
    graph.finish()
    names, layers = graph.names, graph.layers

    capable = [not r for r in reasons]
    on_dla = list(capable)
    limit = platform.loadables_per_core if config.use_dla else None
    runs = engine_runs(graph, dla_groups(graph, on_dla, batch) if any(on_dla) else [])
    regions = [r for device, r in runs if device == DLA]
    if limit is not None and len(regions) > limit:
        src = platform.limit_source("loadables_per_core")
        for k, region in enumerate(regions[limit:], start=limit + 1):
            for i in region:
                on_dla[i] = False
                reasons[i] = reasons[i] + [FallbackReason(
                    "loadable-limit", f"DLA loadable {k} exceeds the {limit} loadables per core "
                    f"on {platform.id}; TensorRT moves it to the GPU", f"{platform.file}:limits.loadables_per_core", src)]
        runs = engine_runs(graph, dla_groups(graph, on_dla, batch))
        regions = [r for device, r in runs if device == DLA]

    devices = [DLA if on else GPU for on in on_dla]
    segments: list[Segment] = []
    placements: list[LayerPlacement] = []
    for idx, (device, members) in enumerate(runs):
        seg_layers = tuple(names[i] for i in members)
        first, last = seg_layers[0], seg_layers[-1]
        seg_name = f"{{ForeignNode[{first}...{last}]}}" if device == DLA and len(members) > 1 else (
            f"{{ForeignNode[{first}]}}" if device == DLA else "")
        seg_batch = batch[members[0]] if device == DLA else None
        segments.append(Segment(idx, device, seg_layers, seg_name, seg_batch))
        for i in members:
            layer = layers[i]
            dev = devices[i]
            placements.append(LayerPlacement(
                name=names[i], kind=layer.kind, device=dev, reasons=tuple(reasons[i]) if dev == GPU else (),
                onnx_nodes=tuple(layer.onnx_nodes), segment=idx, dla_capable=capable[i],
                precision=precisions[i] if dev == DLA else "",
            ))
    reformats = predict_reformats(net, graph, devices, platform, config, precisions) if regions else []

    gpu_count = devices.count(GPU)
    if config.use_dla and gpu_count and (not config.gpu_fallback or not platform.gpu_fallback_allowed):
        why = "GPU fallback is disabled" if not config.gpu_fallback else f"{platform.id} has no GPU fallback"
        notes.append(f"{gpu_count} layer(s) cannot run on DLA and {why}: TensorRT will fail to build this engine")
    return EngineLayout(
        source="predicted", placements=tuple(placements), segments=tuple(segments), reformats=tuple(reformats),
        platform=platform.id, config=config, loadable_limit=limit, notes=tuple(notes), network_name=net.name,
    )
