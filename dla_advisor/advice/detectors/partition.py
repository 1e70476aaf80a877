"""How the engine is cut into DLA loadables and GPU layers: limits, fragmentation, budgets."""

from __future__ import annotations

from ...layout import DLA, GPU, dla_prefix, gpu_tail
from .._registry import detector
from .._types import Hit
from ._util import build_flags, gpu_layers_with_reasons, param, reason_ids, uses_dla

_PLACEMENT_ONLY = {"gpu-only-build", "layer-override"}

STANDALONE_INPUTS = {"int8": ("dla_linear", "dla_hwc4", "hwc4", "chw32"), "fp16": ("dla_linear", "dla_hwc4", "hwc4", "chw16")}
STANDALONE_OUTPUTS = {"int8": ("dla_linear", "chw32"), "fp16": ("dla_linear", "chw16")}


@detector("loadable-limit")
def loadable_limit(layout, network, platform, config, params):
    """More DLA loadables than one core holds, or layers TensorRT moved for that reason."""
    limit = layout.loadable_limit or (platform.loadables_per_core if platform is not None else None)
    moved = tuple(p.name for p in layout.placements if "loadable-limit" in reason_ids(p))
    count = len(layout.dla_loadables)
    if not moved and (limit is None or count <= limit):
        return []
    over = limit is not None and count > limit
    return [Hit(layers=moved, values={
        "loadables": count if over or limit is None and count else "more than the limit",
        "limit": limit if limit is not None else "not known for this TensorRT version",
        "moved": len(moved)})]


@detector("fragmentation", params={"properties": {
    "min_islands": {"type": "integer", "minimum": 2},
    "small_island_layers": {"type": "integer", "minimum": 1},
}})
def fragmentation(layout, network, platform, config, params):
    """Many DLA islands, small ones among them: each island costs a hand-over and two reformats."""
    islands = layout.dla_loadables
    min_islands = param(params, "min_islands", 3)
    small_n = param(params, "small_island_layers", 3)
    if len(islands) < min_islands:
        return []
    small = [s for s in islands if len(s.layers) <= small_n]
    splitters = tuple(dict.fromkeys(p.name for p in layout.placements if p.device == GPU))
    return [Hit(layers=splitters, values={
        "islands": len(islands), "small_islands": len(small), "small_island_layers": small_n,
        "island_sizes": [len(s.layers) for s in islands], "gpu_layers": len(splitters),
    })]


@detector("budget", params={
    "required": ["metric"],
    "properties": {"metric": {"enum": ["gpu_layers", "dla_loadables", "reformats"]},
                   "limit": {"type": ["integer", "null"], "minimum": 0}},
})
def budget(layout, network, platform, config, params):
    """A count above the project's budget (``--max-gpu-layers`` / ``--max-loadables`` / ``--max-reformats``)."""
    limit = params.get("limit")
    if limit is None:
        return []
    metric = params["metric"]
    if metric == "gpu_layers":
        items = [p.name for p in layout.gpu_layers]
        tensors: list[str] = []
    elif metric == "dla_loadables":
        items = [s.name or f"{s.first}...{s.last}" for s in layout.dla_loadables]
        tensors = []
    else:
        items = list(dict.fromkeys(x for r in layout.reformats for x in (r.producer, r.consumer) if x))
        tensors = [r.tensor for r in layout.reformats]
    value = len(tensors) if metric == "reformats" else len(items)
    if value <= limit:
        return []
    layers = tuple(items) if metric != "dla_loadables" else ()
    return [Hit(layers=layers, tensors=tuple(tensors), values={"value": value, "limit": limit, "metric": metric.replace("_", " "),
                                                               "names": items})]


@detector("fallback-disabled")
def fallback_disabled(layout, network, platform, config, params):
    """GPU fallback off while some layer cannot run on DLA: TensorRT stops the build."""
    if config is None or config.gpu_fallback or not config.use_dla:
        return []
    stuck = [p for p in gpu_layers_with_reasons(layout) if not set(reason_ids(p)) <= _PLACEMENT_ONLY]
    if not stuck:
        return []
    return [Hit(layers=tuple(p.name for p in stuck), values={
        "first_reason": stuck[0].reasons[0].message or stuck[0].reasons[0].id,
    })]


@detector("standalone-readiness", params={"properties": {"only_when_requested": {"type": "boolean"}}})
def standalone_readiness(layout, network, platform, config, params):
    """What stops the engine from becoming one cuDLA standalone loadable (``--buildDLAStandalone``)."""
    requested = "buildDLAStandalone" in build_flags(layout, config)
    if param(params, "only_when_requested", True) and not requested:
        return []
    if not uses_dla(layout, config):
        return []
    problems, layers = [], []
    gpu = [p.name for p in layout.gpu_layers]
    if gpu:
        problems.append(f"{len(gpu)} layer(s) on the GPU")
        layers.extend(gpu)
    if len(layout.dla_loadables) > 1:
        problems.append(f"{len(layout.dla_loadables)} DLA loadables instead of 1")
    prec = getattr(config, "precision", "fp16")
    bad_io = _standalone_io_problems(network, config, prec)
    problems.extend(bad_io)
    if not problems:
        return []
    return [Hit(layers=tuple(layers), values={"problems": problems, "precision": prec})]


def _standalone_io_problems(network, config, prec: str) -> list[str]:
    if config is None:
        return []
    n_in = len(network.inputs) if network is not None else max(1, len(config.input_formats))
    n_out = len(network.outputs) if network is not None else max(1, len(config.output_formats))
    out = []
    for i in range(n_in):
        f = config.input_format(i)
        if f.dtype != prec or f.layout not in STANDALONE_INPUTS[prec]:
            out.append(f"input {i} is {f} (needs {prec}:{'|'.join(STANDALONE_INPUTS[prec])})")
    for i in range(n_out):
        f = config.output_format(i)
        if f.dtype != prec or f.layout not in STANDALONE_OUTPUTS[prec]:
            out.append(f"output {i} is {f} (needs {prec}:{'|'.join(STANDALONE_OUTPUTS[prec])})")
    return out



@detector("decode-head", params={"properties": {"min_prefix_convolutions": {"type": "integer", "minimum": 1}}})
def decode_head(layout, network, platform, config, params):
    """A GPU tail after the last DLA layers (a detector's decode head) behind a DLA-clean prefix.

    The prefix is the largest set of DLA-capable layers closed under their inputs (what `split`
    puts in the DLA engine); DLA layers outside it are the ones a one-engine build would have to
    place on the GPU (``--layerDeviceTypes``) to end its DLA region at the same cut.
    """
    if network is None or not layout.dla_layers or not uses_dla(layout, config):
        return []
    tail = gpu_tail(network, layout)
    prefix = dla_prefix(network, layout)
    # A prefix of a stem convolution or two (RT-DETR's stem stops at a Pad) is no DLA engine worth building.
    convs = sum(1 for n in prefix if network.layers[n].kind == "Convolution")
    if not tail or convs < param(params, "min_prefix_convolutions", 4):
        return []
    inside = set(prefix)
    after = [p for p in layout.placements if p.device == DLA and p.name not in inside]
    nodes = list(dict.fromkeys(n for p in after for n in (p.onnx_nodes or (p.name,))))
    kinds: dict[str, int] = {}
    for n in tail:
        k = network.layers[n].kind
        kinds[k] = kinds.get(k, 0) + 1
    return [Hit(layers=tuple(tail), values={
        "tail_kinds": ", ".join(f"{c} {k}" for k, c in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))),
        "prefix_count": len(prefix),
        "prefix_last": prefix[-1],
        "after_count": len(after),
        "after_cut": ",".join(f"{n}:GPU" for n in nodes),
        "no_after_cut": not after,
    })]


# Layer kinds whose constant operands the ONNX parser adds as separate CONSTANT layers (weights of
# convolutions, and shape/index operands that parametrise a layer, are not network layers).
_CONSTANT_OPERAND_KINDS = {"ElementWise", "Scale", "Concatenation", "MatrixMultiply", "Gather", "Select",
                           "ParametricReLU", "Einsum"}


@detector("trt-gpu-listing")
def trt_gpu_listing(layout, network, platform, config, params):
    """CONSTANT and SHUFFLE layers TensorRT lists on the GPU next to the GPU layers the prediction counts.

    Each constant operand of a GPU layer is a CONSTANT layer on the GPU; when its rank is below the
    other operand's, the parser adds a SHUFFLE that unsqueezes it (also on the GPU). Constants of DLA
    layers fold into them and are not listed.
    """
    if network is None or not uses_dla(layout, config):
        return []
    consts, shuffles, consumers = [], [], []
    for p in layout.gpu_layers:
        layer = network.layers.get(p.name)
        if layer is None or layer.kind not in _CONSTANT_OPERAND_KINDS:
            continue
        names = layer.attrs.get("const_names") or {}
        shapes = layer.attrs.get("const_inputs") or {}
        out = network.tensor(layer.outputs[0]) if layer.outputs else None
        rank = len(out.shape) if out is not None and out.shape else None
        for i, name in names.items():
            if name in consts:
                continue
            consts.append(name)
            consumers.append(p.name)
            shape = shapes.get(i)
            if rank is not None and shape is not None and len(shape) < rank and layer.kind != "Gather":
                shuffles.append(name)
    if not consts:
        return []
    return [Hit(layers=tuple(dict.fromkeys(consumers)), tensors=tuple(consts), values={
        "gpu_layers": len(layout.gpu_layers),
        "constants": len(consts),
        "shuffles": len(shuffles),
        "listed": len(layout.gpu_layers) + len(consts) + len(shuffles),
        "first_constants": ", ".join(consts[:3]) + (f" and {len(consts) - 3} more" if len(consts) > 3 else ""),
    })]
