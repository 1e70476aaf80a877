"""Merge the observations of one engine's artifacts into an EngineLayout and a Measurement.

Which artifact wins: the engine's layer list comes from the most detailed source present
(detailed layer-info JSON, "Engine Layer Information" lines, names-only layer info, profile rows, the
"Layers Running on DLA/GPU" block, fallback messages, in that order); the reasons always come from
the log's fallback messages; numbers from summaries and profiles.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from ..layout import (DLA, GPU, EngineLayout, LayerPlacement, LayerTime, Measurement, Provenance, Reformat,
                      segments_from_placements)
from ._attribution import correct_dla_attribution
from ._observation import Observation, ObservedLayer, trt_version_tuple
from ._names import (COMPUTE, COPY_NODE, FROM_NVM, GENERIC, QDQ, REFORMAT, SYNC, TO_NVM, TRT7_REFORMATTER, classify,
                     is_brace_group, is_foreign_node, members)

_DTYPE_BYTES = {"float": 4, "fp32": 4, "half": 2, "fp16": 2, "bf16": 2, "bfloat16": 2, "int8": 1, "uint8": 1,
                "fp8": 1, "int32": 4, "int64": 8, "bool": 1}
_KIND_NAMES = {"PLUGIN_V2": "Plugin", "PLUGIN": "Plugin", "MYELIN": "Myelin", "ELEMENTWISE": "ElementWise",
               "SOFTMAX": "SoftMax", "MATRIX_MULTIPLY": "MatrixMultiply", "FULLY_CONNECTED": "FullyConnected",
               "CONCATENATION": "Concatenation", "DLA": "DLA"}


@dataclass
class _Ctx:
    dla_names: set[str] = field(default_factory=set)
    gpu_names: dict[str, str] = field(default_factory=dict)
    myelin: set[str] = field(default_factory=set)
    dla_evidence: bool = False
    no_dla: bool = False
    assumed: list[str] = field(default_factory=list)

    def device(self, name: str, layer_type: str = "", record: bool = True) -> str:
        if layer_type == "DLA" or name in self.dla_names:
            return DLA
        if layer_type.lower() == "myelin" or name in self.myelin or name in self.gpu_names:
            return GPU
        if is_brace_group(name):
            return DLA
        if is_foreign_node(name):
            if self.dla_evidence and not self.no_dla:
                return DLA
            # Myelin names its GPU nodes the same way: without a sign of DLA in the artifacts the node is a
            # GPU node, and whether it could have been a DLA loadable is not shown.
            if record and not self.no_dla and name not in self.assumed:
                self.assumed.append(name)
            return GPU
        return GPU


def _context(observations: list[Observation]) -> _Ctx:
    ctx = _Ctx()
    for o in observations:
        ctx.dla_names.update(o.dla_block)
        ctx.gpu_names.update({n: t for t, n in o.gpu_block})
        ctx.myelin.update(o.myelin_names)
        ctx.myelin.update(layer.name for layer in o.engine_layers if layer.type.lower() == "myelin")
        names = [layer.name for layer in o.engine_layers] + [r.name for r in o.profile]
        # Signs that the engine used DLA: the flags, a DLA placement line, DLA layer types, nvm transfers,
        # DLA-region sync markers ("... finish") or TensorRT 5-7 "{a,b}" subgraph names.
        if (o.use_dla or o.dla_block or o.dla_candidates
                or any(layer.type in ("DLA", "FinishNvmRegion") for layer in o.engine_layers)
                or any(classify(n).reformat_kind in (TO_NVM, FROM_NVM) or classify(n).role == SYNC
                       or is_brace_group(n) for n in names)):
            ctx.dla_evidence = True
    ctx.no_dla = any(o.use_dla is False for o in observations) and not any(o.use_dla for o in observations)
    return ctx


def _layer_list(observations: list[Observation]) -> list[ObservedLayer]:
    for detail in ("detailed", "oneline", "names"):
        for o in observations:
            if o.engine_layers and o.layer_list_detail == detail:
                return o.engine_layers
    for o in sorted(observations, key=lambda o: o.kind != "profile-json"):
        if o.profile:
            return [ObservedLayer(r.name, origin="profile") for r in o.profile]
    return []


def _role(layer: ObservedLayer) -> tuple[str, str]:
    info = classify(layer.name)
    t = layer.type
    if t == "FinishNvmRegion":
        return SYNC, ""
    if t == "NoOp":
        return ("elided", "") if info.role == REFORMAT else (COMPUTE, "")
    if t == "Reformat":
        if info.role == REFORMAT:
            return REFORMAT, info.reformat_kind
        if layer.origin == "QDQ" or "QuantizeLinear" in layer.name or "DequantizeLinear" in layer.name:
            return REFORMAT, QDQ
        return REFORMAT, GENERIC
    if t and t not in ("Unknown",) and info.role == REFORMAT and t != "DLA":
        return COMPUTE, ""
    return info.role, info.reformat_kind


def _kind_name(raw: str) -> str:
    if not raw:
        return ""
    return _KIND_NAMES.get(raw, raw.title().replace("_", "") if raw.isupper() else raw)


def _bytes(layer: ObservedLayer) -> int:
    def one(t) -> int:
        _, fmt, dims = t
        size = next((b for k, b in _DTYPE_BYTES.items() if k in fmt.lower().replace(" ", "")), 0)
        vol = 1
        for d in dims:
            vol *= max(d, 0)
        return vol * size if dims else 0

    if not layer.inputs or not layer.outputs:
        return 0
    return one(layer.inputs[0]) + one(layer.outputs[0])


def build_layout(observations: list[Observation]) -> EngineLayout:
    """Merge observations (one engine) into an EngineLayout with its Measurement attached."""
    ctx = _context(observations)
    notes: list[str] = []
    layers = _layer_list(observations)
    placements: list[LayerPlacement] = []
    reformats: list[Reformat] = []
    produced = {t[0] for layer in layers for t in layer.outputs}
    consumed = {t[0] for layer in layers for t in layer.inputs}
    bindings = {b for o in observations for b in o.bindings}
    syncs = elided = 0
    last_compute_device = ""
    for layer in layers:
        role, rkind = _role(layer)
        if role == SYNC:
            syncs += 1
            continue
        if role == "elided":
            elided += 1
            continue
        if role == REFORMAT:
            reformats.append(_reformat(layer, rkind, ctx, produced, consumed, bindings, last_compute_device))
            continue
        dev = ctx.device(layer.name, layer.type)
        last_compute_device = dev
        kind = "DLA" if dev == DLA else _kind_name(ctx.gpu_names.get(layer.name, "") or layer.type)
        placements.append(LayerPlacement(layer.name, kind, dev, (), members(layer.name)[0]))
    if not layers:
        placements, block_reformats = _from_blocks(observations, ctx, notes)
        reformats.extend(block_reformats)
    placements = _attach_fallbacks(placements, observations, notes)
    if syncs:
        notes.append(f"{syncs} DLA synchronisation marker(s) ('... finish') are syncs, not reformats.")
    if elided:
        notes.append(f"{elided} Reformatting CopyNode(s) were elided by TensorRT (layer type NoOp) and are not counted.")
    if ctx.assumed:
        notes.append(f"{len(ctx.assumed)} {{ForeignNode[...]}} layer(s) taken as GPU (Myelin) nodes: nothing in the "
                     "artifacts shows DLA was used, and DLA loadables use the same name form, so the DLA loadable "
                     "count is not shown (pass the build log or trtexec command line to settle it).")
    placements, segments = _segment(placements)
    for o in observations:
        notes.extend(n for n in o.notes if n not in notes)
    measurement = build_measurement(observations, ctx)
    if measurement is not None:
        notes.extend(n for n in measurement.notes if n not in notes)
    return EngineLayout(
        source="measured from " + ", ".join(o.path for o in observations),
        placements=tuple(placements), segments=tuple(segments), reformats=tuple(reformats),
        platform=_platform(observations), notes=tuple(notes), measurement=measurement)


def _reformat(layer: ObservedLayer, rkind: str, ctx: _Ctx, produced, consumed, bindings, prev_device: str) -> Reformat:
    info = classify(layer.name)
    tensor = info.tensor or (layer.inputs[0][0] if layer.inputs else "") or info.target
    if rkind == TO_NVM:
        loc = "network_input" if (tensor in bindings or (produced and tensor not in produced)) else "gpu_to_dla"
    elif rkind == FROM_NVM:
        loc = "network_output" if (tensor in bindings or (consumed and tensor not in consumed)) else "dla_to_gpu"
    elif info.direction in ("network_input", "network_output"):
        loc = info.direction
    elif rkind in (COPY_NODE, TRT7_REFORMATTER) and info.target:
        target_dev = ctx.device(info.target, record=False) \
            if (is_brace_group(info.target) or is_foreign_node(info.target)) else GPU
        if target_dev == DLA:
            loc = "gpu_to_dla" if info.direction == "input" else "dla_to_gpu"
        else:
            loc = "dla_to_gpu" if (prev_device == DLA and info.direction == "input") else "gpu"
    else:
        loc = "gpu"
    fmt_in = layer.inputs[0][1] if layer.inputs else ""
    fmt_out = layer.outputs[0][1] if layer.outputs else ""
    return Reformat(tensor, loc, fmt_in, fmt_out, _bytes(layer), GPU, "", info.target, layer.name, rkind)


def _from_blocks(observations: list[Observation], ctx: _Ctx, notes: list[str]) -> tuple[list[LayerPlacement], list[Reformat]]:
    out: list[LayerPlacement] = []
    reformats: list[Reformat] = []
    for o in observations:
        if not o.placement_block:
            continue
        for name in o.dla_block:
            out.append(LayerPlacement(name, "DLA", DLA, (), members(name)[0]))
        for kind, name in o.gpu_block:
            info = classify(name)
            if info.role == REFORMAT:
                # The GPU list names the copies TensorRT inserted ("COPY: Reformatting CopyNode for Network Input x").
                reformats.append(_reformat(ObservedLayer(name, kind), info.reformat_kind, ctx, set(), set(),
                                           set(o.bindings), ""))
                continue
            out.append(LayerPlacement(name, _kind_name(kind), ctx.device(name, kind), (), members(name)[0]))
        if o.dla_block and o.gpu_block:
            notes.append("Layer order: the placement block lists DLA loadables first, then GPU layers; engine order is not in the log.")
        break
    return out, reformats


def _attach_fallbacks(placements: list[LayerPlacement], observations: list[Observation], notes: list[str]) -> list[LayerPlacement]:
    out = list(placements)
    index: dict[str, int] = {}
    for i, p in enumerate(out):
        index.setdefault(p.name, i)
        for m in p.onnx_nodes:
            index.setdefault(m, i)
    listed_only = bool(observations) and not out
    for o in observations:
        for layer, reasons in o.fallbacks.items():
            i = index.get(layer)
            if i is None:
                out.append(LayerPlacement(layer, _kind_name(o.fallback_types.get(layer, "")), GPU, tuple(reasons), (layer,)))
                index[layer] = len(out) - 1
                continue
            p = out[i]
            if p.device == DLA:
                notes.append(f"{layer}: the log says it fell back to the GPU, but the layer list places it on DLA.")
                continue
            merged = p.reasons + tuple(r for r in reasons if all(r.id != q.id for q in p.reasons))
            out[i] = LayerPlacement(p.name, p.kind, p.device, merged, p.onnx_nodes, p.segment, p.dla_capable)
    if listed_only and out:
        notes.append("The artifacts list only the layers TensorRT moved to the GPU; layers that stayed on DLA are not named.")
    return out


def _segment(placements: list[LayerPlacement]):
    provisional, k = [], 0
    for p in placements:
        if p.device == DLA:
            provisional.append(LayerPlacement(p.name, p.kind, p.device, p.reasons, p.onnx_nodes, k, p.dla_capable))
            k += 1
        else:
            provisional.append(p)
    segments = segments_from_placements(provisional)
    final, pos = [], 0
    for seg in segments:
        for _ in seg.layers:
            p = provisional[pos]
            final.append(LayerPlacement(p.name, p.kind, p.device, p.reasons, p.onnx_nodes, seg.index, p.dla_capable))
            pos += 1
    named = [type(seg)(seg.index, seg.device, seg.layers, seg.layers[0] if seg.device == DLA else "", seg.batch)
             for seg in segments]
    return final, named


def _platform(observations: list[Observation]) -> str:
    device = next((o.device for o in observations if o.device), "")
    version = next((o.trt_version for o in observations if o.trt_version), "")
    vt = trt_version_tuple(version)
    parts = [device] + ([f"TensorRT {'.'.join(map(str, vt))}"] if vt else [])
    return ", ".join(p for p in parts if p)


def build_measurement(observations: list[Observation], ctx: _Ctx | None = None) -> Measurement | None:
    """The measured numbers of the observations (None where none holds any)."""
    if not any(o.has_measurement for o in observations):
        return None
    ctx = ctx or _context(observations)
    first = lambda attr: next((getattr(o, attr) for o in observations if getattr(o, attr)), None)  # noqa: E731
    rows_src = next((o for o in observations if o.profile and o.kind == "profile-json"), None) or \
        next((o for o in observations if o.profile), None)
    rows: list[LayerTime] = []
    notes: list[str] = []
    share = None
    if rows_src is not None:
        for r in rows_src.profile:
            role = classify(r.name).role
            dev = ctx.device(r.name) if role == COMPUTE else GPU
            if dev == GPU and r.name in ctx.assumed:
                dev = ""  # a {ForeignNode} the artifacts do not place: Myelin on the GPU, or a DLA loadable
            rows.append(LayerTime(r.name, r.avg_ms, r.median_ms, r.percent, dev))
        version = trt_version_tuple(next((o.trt_version for o in observations if o.trt_version), ""))
        rows, notes = correct_dla_attribution(rows, version)
        total = sum(r.avg_ms for r in rows)
        if ctx.assumed and not any(r.device == DLA for r in rows):
            notes.append("DLA time share not shown: the profile's {ForeignNode[...]} rows may be GPU Myelin nodes "
                         "or DLA loadables, and nothing in the artifacts says which.")
        elif total > 0:
            dla = sum((r.corrected_ms if r.corrected_ms is not None else r.avg_ms) for r in rows if r.device == DLA)
            share = dla / total
    tools = sorted({"trtexec" if o.kind in ("trtexec-log", "dump-profile", "profile-json", "times-json", "layer-info-json")
                    else o.kind for o in observations})
    device = next((o.device for o in observations if o.device), "")
    prov = Provenance("measured", ", ".join(tools), device, None,
                      ", ".join(os.path.basename(o.path) for o in observations if o.has_measurement))
    return Measurement(prov, first("throughput_qps"), first("batch"), dict(first("latency_ms") or {}),
                       dict(first("gpu_compute_ms") or {}), tuple(rows), share, tuple(notes))
