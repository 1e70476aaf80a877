"""EngineLayout: where each layer of an engine runs, the DLA loadables, and the Reformat layers.

The same type comes out of static prediction (:func:`dla_advisor.layout.predict`) and out of real
TensorRT artifacts (:mod:`dla_advisor.artifacts`), so rules, reports and estimates work on both.
Everything is frozen plain data and JSON-serialisable through :meth:`EngineLayout.to_dict`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

GPU = "GPU"
DLA = "DLA"

# Where a Reformat sits. ``network_input``/``network_output``: between a binding and a DLA region;
# ``gpu_to_dla``/``dla_to_gpu``: at an internal boundary; ``gpu``: a GPU-only format/type change.
REFORMAT_LOCATIONS = ("network_input", "network_output", "gpu_to_dla", "dla_to_gpu", "gpu")


@dataclass(frozen=True)
class FallbackReason:
    """Why a layer is not on DLA.

    Attributes:
        id: the reason class (``conv-kernel-range``, ``unsupported-layer`` ...). Predicted and measured
            layouts use the same ids, and advice rules select on them.
        message: human text with the offending values.
        platform_key: ``<platform file>:<key path>`` of the constraint (empty for measured reasons).
        source: the URL behind the constraint, or the artifact the reason was read from.
    """

    id: str
    message: str
    platform_key: str = ""
    source: str = ""


@dataclass(frozen=True)
class LayerPlacement:
    """One layer's device and, for GPU layers, the reasons."""

    name: str
    kind: str
    device: str
    reasons: tuple[FallbackReason, ...] = ()
    onnx_nodes: tuple[str, ...] = ()
    segment: int | None = None
    # True where the layer could run on DLA by itself but was moved (loadable limit, override ...).
    dla_capable: bool | None = None


@dataclass(frozen=True)
class Segment:
    """A maximal run of layers on one device. A DLA segment is one DLA loadable."""

    index: int
    device: str
    layers: tuple[str, ...]
    name: str = ""
    batch: int | None = None

    @property
    def first(self) -> str:
        return self.layers[0] if self.layers else ""

    @property
    def last(self) -> str:
        return self.layers[-1] if self.layers else ""


@dataclass(frozen=True)
class Reformat:
    """A Reformat layer TensorRT inserts (or inserted).

    ``bytes`` is the traffic of one inference: bytes read plus bytes written.
    """

    tensor: str
    location: str
    from_format: str
    to_format: str
    bytes: int = 0
    device: str = GPU
    producer: str = ""
    consumer: str = ""
    name: str = ""
    kind: str = ""  # reader-specific kind, e.g. ``to_nvm``, ``from_nvm``, ``copy_node``, ``trt7_reformatter``


@dataclass(frozen=True)
class EngineLayout:
    """The layout of one engine, predicted or measured.

    Attributes:
        source: ``predicted`` or ``measured from <artifact>``.
        placements: every layer, in engine order.
        segments: device runs in order; DLA segments are loadables.
        reformats: predicted/observed Reformat layers.
        platform: platform id (predicted) or what the artifact says (measured), may be empty.
        config: the BuildConfig it was predicted for (None for measured layouts).
        loadable_limit: DLA loadables allowed per core on this platform, when known.
        notes: assumptions and caveats to show the user.
        measurement: optional measured numbers (filled by artifact readers).
    """

    source: str
    placements: tuple[LayerPlacement, ...]
    segments: tuple[Segment, ...]
    reformats: tuple[Reformat, ...] = ()
    platform: str = ""
    config: Any = None
    loadable_limit: int | None = None
    notes: tuple[str, ...] = ()
    measurement: Any = None
    network_name: str = ""

    @property
    def is_predicted(self) -> bool:
        return self.source == "predicted"

    @property
    def dla_loadables(self) -> tuple[Segment, ...]:
        return tuple(s for s in self.segments if s.device == DLA)

    @property
    def gpu_layers(self) -> tuple[LayerPlacement, ...]:
        return tuple(p for p in self.placements if p.device == GPU)

    @property
    def dla_layers(self) -> tuple[LayerPlacement, ...]:
        return tuple(p for p in self.placements if p.device == DLA)

    def placement(self, name: str) -> LayerPlacement | None:
        # An index built on first use: the findings of a 2,000-layer detector look up thousands of
        # layers, and a scan per lookup made `check` quadratic in the network's size.
        cached = self.__dict__.get("_placement_index")
        if cached is None or cached[0] is not self.placements:
            index: dict[str, LayerPlacement] = {}
            for p in self.placements:
                index.setdefault(p.name, p)  # the first placement of a name, as the scan found
            cached = (self.placements, index)
            object.__setattr__(self, "_placement_index", cached)
        return cached[1].get(name)

    def summary(self) -> dict[str, int]:
        return {
            "layers": len(self.placements),
            "dla_layers": len(self.dla_layers),
            "gpu_layers": len(self.gpu_layers),
            "dla_loadables": len(self.dla_loadables),
            "reformats": len(self.reformats),
            "reformat_bytes": sum(r.bytes for r in self.reformats),
        }

    def to_dict(self) -> dict[str, Any]:
        d = {
            "source": self.source,
            "platform": self.platform,
            "network": self.network_name,
            "summary": self.summary(),
            "loadable_limit": self.loadable_limit,
            "layers": [asdict(p) for p in self.placements],
            "loadables": [
                {"index": s.index, "name": s.name, "first": s.first, "last": s.last,
                 "layers": list(s.layers), "batch": s.batch}
                for s in self.dla_loadables
            ],
            "segments": [asdict(s) for s in self.segments],
            "reformats": [asdict(r) for r in self.reformats],
            "notes": list(self.notes),
        }
        if self.config is not None and hasattr(self.config, "trtexec_flags"):
            d["build_config"] = {"trtexec_flags": self.config.trtexec_flags()}
        if self.measurement is not None and hasattr(self.measurement, "to_dict"):
            d["measurement"] = self.measurement.to_dict()
        return d


def segments_from_placements(placements: list[LayerPlacement] | tuple[LayerPlacement, ...]) -> list[Segment]:
    """Group consecutive placements with the same device and segment id into segments.

    Used by readers that only know each layer's device and (for DLA) which loadable it belongs to.
    """
    segs: list[Segment] = []
    cur_dev, cur_id, cur_layers = None, None, []
    for p in placements:
        key = (p.device, p.segment if p.device == DLA else None)
        if cur_layers and key == (cur_dev, cur_id):
            cur_layers.append(p.name)
            continue
        if cur_layers:
            segs.append(Segment(len(segs), cur_dev, tuple(cur_layers)))
        cur_dev, cur_id, cur_layers = key[0], key[1], [p.name]
    if cur_layers:
        segs.append(Segment(len(segs), cur_dev, tuple(cur_layers)))
    return segs


__all__ = [
    "DLA", "GPU", "REFORMAT_LOCATIONS", "FallbackReason", "LayerPlacement", "Segment", "Reformat",
    "EngineLayout", "segments_from_placements", "field",
]
