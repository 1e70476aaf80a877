"""One engine instance: its spec, its precomputed cost profile, and the Estimate type.

An :class:`EngineProfile` is built once per (network, layout, device model, engine device, batch) and
cached: the GPU kernels (layers, reformats, input conversion), the DLA operations of every loadable,
the fixed latencies and the DRAM traffic of one inference. Estimating then only evaluates arrays.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from typing import Any

from .._words import ENGINE_DEVICES
from ..errors import UsageError
from ..graph import Network
from ..layout import DLA, GPU, BYTES_PER_ELEMENT, BuildConfig, EngineLayout, Provenance
from ._cost import JobCost, dla_job, format_bytes, gpu_job, reformat_job
from ._device import DeviceModel
from ._work import NetworkWork, analyse_network


@dataclass(frozen=True)
class EngineSpec:
    """One engine instance of a deployment.

    Attributes:
        network: the analysed network.
        layout: ``predict(network, platform, config)``; for ``device="gpu"`` built with ``use_dla=False``.
        config: the BuildConfig of the layout (precision and I/O formats are read from it).
        device: ``gpu``, ``dla0`` or ``dla1`` (the DLA core the engine is built for).
        batch: images per inference.
        name: label shown in reports (default ``<device>``).
    """

    network: Network
    layout: EngineLayout
    config: BuildConfig
    device: str = "gpu"
    batch: int = 1
    name: str = ""

    def __post_init__(self):
        if self.device not in ENGINE_DEVICES:
            raise UsageError(f"unknown engine device '{self.device}'", f"Use one of: {', '.join(ENGINE_DEVICES)}.")
        if self.batch < 1:
            raise UsageError(f"batch {self.batch} for {self.device}", "The batch of an engine is at least 1.")
        if self.device == "gpu" and self.layout.dla_loadables:
            raise UsageError("a GPU engine's layout has DLA loadables",
                             "Predict the GPU engine's layout with BuildConfig(use_dla=False).")

    @property
    def label(self) -> str:
        return self.name or self.device


@dataclass(frozen=True)
class Estimate:
    """Modelled numbers of one engine instance (alone, or inside a concurrent run).

    ``throughput_qps`` counts inferences of ``batch`` images per second, as trtexec's qps does.
    ``gpu_busy_ms`` is the GPU time one inference takes (its kernels plus the GPU time lost to
    interleaving with other processes); ``breakdown`` splits ``latency_ms`` into its parts.
    """

    name: str
    device: str
    batch: int
    throughput_qps: float
    images_per_s: float
    latency_ms: float
    gpu_busy_ms: float
    dla_busy_ms: float
    dram_bytes: float
    provenance: Provenance
    breakdown: tuple[tuple[str, float], ...] = ()
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["breakdown"] = {k: v for k, v in self.breakdown}
        d["provenance"]["label"] = self.provenance.label()
        d["notes"] = list(self.notes)
        return d


@dataclass(frozen=True)
class EngineProfile:
    """Precomputed costs of one inference of one engine instance (seconds, bytes)."""

    spec_device: str
    batch: int
    gpu: JobCost
    dla: JobCost
    reformat: JobCost
    loadables: int
    visits: int
    copy_bytes: float

    @property
    def bytes(self) -> float:
        return self.gpu.bytes + self.dla.bytes + self.reformat.bytes + self.copy_bytes

    def gpu_residual(self, eff: float, bw_eff: float, unit_s: float, floor_s: float = 0.0) -> float:
        return self.gpu_and_reformats.residual(eff, bw_eff, unit_s, floor_s)

    @functools.cached_property
    def gpu_and_reformats(self) -> JobCost:
        return JobCost.concat([self.gpu, self.reformat])


_WORK_CACHE: "OrderedDict[int, tuple[Network, NetworkWork]]" = OrderedDict()
_PROFILE_CACHE: "OrderedDict[tuple, tuple[Any, EngineProfile]]" = OrderedDict()
_CACHE_SIZE = 256


def network_work(net: Network) -> NetworkWork:
    """:func:`analyse_network`, cached per network object."""
    hit = _WORK_CACHE.get(id(net))
    if hit is not None and hit[0] is net:
        _WORK_CACHE.move_to_end(id(net))
        return hit[1]
    work = analyse_network(net)
    _WORK_CACHE[id(net)] = (net, work)
    while len(_WORK_CACHE) > _CACHE_SIZE:
        _WORK_CACHE.popitem(last=False)
    return work


def engine_profile(spec: EngineSpec, dev: DeviceModel) -> EngineProfile:
    """The cost profile of ``spec`` on ``dev``, computed once and cached."""
    key = (id(spec.network), id(spec.layout), spec.config, spec.device, spec.batch, dev.cost_key())
    hit = _PROFILE_CACHE.get(key)
    if hit is not None and hit[0][0] is spec.network and hit[0][1] is spec.layout:
        _PROFILE_CACHE.move_to_end(key)
        return hit[1]
    profile = _build_profile(spec, dev)
    _PROFILE_CACHE[key] = ((spec.network, spec.layout, spec.config), profile)
    while len(_PROFILE_CACHE) > _CACHE_SIZE:
        _PROFILE_CACHE.popitem(last=False)
    return profile


def _build_profile(spec: EngineSpec, dev: DeviceModel) -> EngineProfile:
    if spec.device != "gpu" and spec.layout.dla_loadables:
        core = int(spec.device[-1])
        if core >= dev.dla_cores:
            raise UsageError(f"{dev.name} has {dev.dla_cores} DLA core(s); there is no {spec.device}",
                             "Use " + " or ".join(f"dla{i}" for i in range(dev.dla_cores)) + " (or gpu).")
    work = network_work(spec.network)
    cfg = spec.config
    precision = cfg.precision
    scale = spec.batch / work.batch
    bindings = {t: str(cfg.input_format(i)) for i, t in enumerate(work.inputs)}
    bindings.update({t: str(cfg.output_format(i)) for i, t in enumerate(work.outputs)})

    gpu_fmt, dla_fmt = dict(bindings), dict(bindings)
    reformatted = set()
    for r in spec.layout.reformats:
        reformatted.add(r.tensor)
        if r.location in ("network_input", "gpu_to_dla"):
            dla_fmt[r.tensor] = r.to_format
            gpu_fmt.setdefault(r.tensor, r.from_format)
        elif r.location in ("network_output", "dla_to_gpu"):
            dla_fmt[r.tensor] = r.from_format
            gpu_fmt[r.tensor] = r.to_format

    gpu_parts, dla_parts, extra = [], [], []
    device_of = {p.name: p.device for p in spec.layout.placements}
    for seg in spec.layout.segments:
        names = [n for n in seg.layers if n in work.layers]
        if seg.device == DLA:
            dla_parts.append(dla_job(names, work, dev, precision, spec.batch, dla_fmt))
        else:
            gpu_parts.append(gpu_job(names, work, dev, precision, spec.batch, gpu_fmt))
    # A GPU layer reading a binding of another type gets TensorRT's input conversion kernel.
    for t, fmt in bindings.items():
        if t in work.inputs and t not in reformatted and fmt.split(":")[0] != precision:
            if any(device_of.get(c) == GPU for c in work.consumers.get(t, ())):
                info = work.tensors[t]
                vec = int(dev.gpu["cuda_channel_align"].get(precision, 1))
                internal = format_bytes(f"{precision}:chw{vec}" if vec > 1 else f"{precision}:chw", info.elems, info.channels)
                extra.append((format_bytes(fmt, info.elems, info.channels) + internal) * spec.batch)
    reformat_bytes = [r.bytes * scale for r in spec.layout.reformats] + extra
    reformat_labels = [f"reformat {r.tensor} ({r.from_format} -> {r.to_format})" for r in spec.layout.reformats]
    reformat_labels += ["input conversion"] * len(extra)
    copies = sum(format_bytes(fmt, work.tensors[t].elems, work.tensors[t].channels)
                 for t, fmt in bindings.items() if t in work.tensors) * spec.batch * 2
    loadables = len(dla_parts)
    return EngineProfile(
        spec_device=spec.device, batch=spec.batch, gpu=JobCost.concat(gpu_parts), dla=JobCost.concat(dla_parts),
        reformat=reformat_job(reformat_bytes, dev, reformat_labels), loadables=loadables,
        visits=(loadables + 1) if loadables else 1,
        copy_bytes=copies,
    )


def provenance(dev: DeviceModel) -> Provenance:
    """The provenance every estimate on ``dev`` carries."""
    cal = dev.calibration
    detail = f"parameters fitted on {cal.measurements}" if cal.measurements else ""
    if cal.inherited_from:
        detail = f"parameters of {cal.inherited_from} at this board's clocks and units; not fitted on this board"
        if cal.transfer_check:
            detail += f" (transfer error measured on {cal.transfer_check})"
    return Provenance(kind="modelled", device=dev.label, error_pct=dev.error_pct, detail=detail,
                      holdout_error_pct=dev.holdout_error_pct, error_kind=dev.error_kind)


__all__ = ["BYTES_PER_ELEMENT", "ENGINE_DEVICES", "EngineProfile", "EngineSpec", "Estimate", "engine_profile",
           "network_work", "provenance"]
