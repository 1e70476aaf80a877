"""What one artifact says, before several artifacts of one engine are merged into an EngineLayout.

Readers fill an :class:`Observation` while streaming their file; :mod:`._merge` turns one or more
observations into the shared ``EngineLayout`` and ``Measurement`` types.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..layout import FallbackReason
from ._registry import READERS

# Artifact kinds the sniffer recognises, with the words used in messages.
TRTEXEC_LOG = "trtexec-log"
LAYER_INFO_JSON = "layer-info-json"
PROFILE_JSON = "profile-json"
TIMES_JSON = "times-json"
DUMP_PROFILE = "dump-profile"
ENGINE = "engine"

KIND_LABELS = {
    TRTEXEC_LOG: "a trtexec or TensorRT builder log",
    LAYER_INFO_JSON: "an --exportLayerInfo JSON",
    PROFILE_JSON: "an --exportProfile JSON",
    TIMES_JSON: "an --exportTimes JSON",
    DUMP_PROFILE: "a --dumpProfile table",
    ENGINE: "a serialized TensorRT engine (needs TensorRT installed)",
}


def kind_label(kind: str) -> str:
    """How messages name an artifact kind: the built-in label, else the registered reader's ``label``."""
    return KIND_LABELS.get(kind) or (READERS[kind].label if kind in READERS else "") or kind


def accepted_kinds() -> str:
    extra = [kind_label(k) for k in READERS if k not in KIND_LABELS]
    return "; ".join([*KIND_LABELS.values(), *extra])


@dataclass
class ObservedLayer:
    """One engine layer as an artifact shows it (type/device/IO where the artifact says)."""

    name: str
    type: str = ""
    device: str = ""
    inputs: tuple[tuple[str, str, tuple[int, ...]], ...] = ()  # (tensor, dtype/format, dims)
    outputs: tuple[tuple[str, str, tuple[int, ...]], ...] = ()
    origin: str = ""


@dataclass
class ProfileRow:
    name: str
    avg_ms: float
    total_ms: float | None = None
    median_ms: float | None = None
    percent: float | None = None


@dataclass
class Observation:
    """Everything one artifact told us; empty fields mean the artifact did not say."""

    path: str
    kind: str
    engine_layers: list[ObservedLayer] = field(default_factory=list)
    layer_list_detail: str = ""  # "detailed", "names", "oneline"
    dla_block: list[str] = field(default_factory=list)
    gpu_block: list[tuple[str, str]] = field(default_factory=list)  # (TYPE, name)
    placement_block: bool = False
    dla_section: bool = False  # a DLA placement header, [DlaLayer] line or "offloaded to DLA" line was seen
    gpu_section: bool = False  # a GPU placement header or [GpuLayer] line was seen
    dla_candidates: tuple[int, int] | None = None  # "Number of DLA node candidates offloaded : N out of M"
    strict_dla_passed: bool = False  # --useDLACore without --allowGPUFallback, and the build passed
    elisions: int = 0  # "...", "......", "…(omit messages)" lines a paste left in
    fallbacks: dict[str, list[FallbackReason]] = field(default_factory=dict)
    fallback_types: dict[str, str] = field(default_factory=dict)
    profile: list[ProfileRow] = field(default_factory=list)
    profile_iterations: int | None = None
    throughput_qps: float | None = None
    latency_ms: dict[str, float] = field(default_factory=dict)
    gpu_compute_ms: dict[str, float] = field(default_factory=dict)
    trt_version: str = ""
    device: str = ""
    use_dla: bool | None = None
    gpu_fallback: bool | None = None
    precision: str = ""
    batch: int | None = None
    bindings: list[str] = field(default_factory=list)
    myelin_names: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    more_builds: list["Observation"] = field(default_factory=list)  # further builds in the same log, in order

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def add_fallback(self, layer: str, reason: FallbackReason, layer_type: str = "") -> None:
        reasons = self.fallbacks.setdefault(layer, [])
        if all(r.id != reason.id for r in reasons):
            reasons.append(reason)
        if layer_type and layer not in self.fallback_types:
            self.fallback_types[layer] = layer_type

    @property
    def has_layout(self) -> bool:
        return bool(self.engine_layers or self.placement_block or self.fallbacks)

    @property
    def has_content(self) -> bool:
        return self.has_layout or self.has_measurement

    @property
    def has_measurement(self) -> bool:
        return bool(self.profile or self.throughput_qps is not None or self.latency_ms or self.gpu_compute_ms)


def trt_version_tuple(version: str) -> tuple[int, ...] | None:
    """``8.4.10`` or trtexec's ``v8410``/``v100300`` → (8, 4, 10)."""
    if not version:
        return None
    if re.fullmatch(r"\d+(\.\d+)+", version):
        return tuple(int(x) for x in version.split("."))
    m = re.fullmatch(r"v?(\d+)", version)
    if not m:
        return None
    digits = m.group(1)
    # trtexec prints major*1000+minor*100+patch (8410 = 8.4.10) up to 9.x and
    # major*10000+minor*100+patch from 10.0 on (100300 = 10.3.0).
    n = int(digits)
    if n >= 100000:
        return (n // 10000, n // 100 % 100, n % 100)
    return (n // 1000, n // 100 % 10, n % 100)
