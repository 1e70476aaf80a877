"""compare(predicted, measured): where the static prediction and the real engine agree, layer by layer.

Names differ between the ONNX model and TensorRT's engine (``Conv_0 + Relu_1``, ``{a,b,c}``,
``{ForeignNode[Conv_0...Relu_7]}``), so engine layers are matched on the ONNX node names each
predicted layer carries; a ForeignNode range ``first...last`` covers every predicted layer from
``first`` to ``last`` in the predicted order.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..layout import DLA, EngineLayout
from ._names import members


@dataclass(frozen=True)
class LayerDiff:
    """One predicted layer next to what the engine did with it.

    ``measured_device`` is empty where the artifacts do not mention the layer.
    """

    layer: str
    onnx_nodes: tuple[str, ...]
    predicted_device: str
    measured_device: str
    measured_layer: str = ""
    predicted_reasons: tuple[str, ...] = ()
    measured_reasons: tuple[str, ...] = ()

    @property
    def agrees(self) -> bool | None:
        return None if not self.measured_device else self.measured_device == self.predicted_device


@dataclass(frozen=True)
class LayoutDiff:
    """Prediction vs reality for one engine (plain data)."""

    layers: tuple[LayerDiff, ...]
    predicted_loadables: int
    measured_loadables: int | None
    predicted_reformats: int
    measured_reformats: int | None
    predicted_reformats_by_location: dict[str, int] = field(default_factory=dict)
    measured_reformats_by_location: dict[str, int] = field(default_factory=dict)
    unmatched_measured: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def wrong(self) -> tuple[LayerDiff, ...]:
        """Layers whose device the prediction got wrong."""
        return tuple(d for d in self.layers if d.agrees is False)

    @property
    def unknown(self) -> tuple[LayerDiff, ...]:
        return tuple(d for d in self.layers if d.agrees is None)

    @property
    def matches(self) -> bool:
        """True where every layer the artifacts mention, the loadable count and the reformat count agree."""
        return (not self.wrong
                and self.measured_loadables in (None, self.predicted_loadables)
                and self.measured_reformats in (None, self.predicted_reformats))

    def to_dict(self) -> dict:
        return {
            "matches": self.matches,
            "loadables": {"predicted": self.predicted_loadables, "measured": self.measured_loadables},
            "reformats": {"predicted": self.predicted_reformats, "measured": self.measured_reformats,
                          "predicted_by_location": dict(self.predicted_reformats_by_location),
                          "measured_by_location": dict(self.measured_reformats_by_location)},
            "wrong": [d.layer for d in self.wrong],
            "layers": [{"layer": d.layer, "onnx_nodes": list(d.onnx_nodes), "predicted": d.predicted_device,
                        "measured": d.measured_device or None, "measured_layer": d.measured_layer,
                        "agrees": d.agrees, "predicted_reasons": list(d.predicted_reasons),
                        "measured_reasons": list(d.measured_reasons)} for d in self.layers],
            "unmatched_measured": list(self.unmatched_measured),
            "notes": list(self.notes),
        }


def compare(predicted: EngineLayout, measured: EngineLayout, counts: dict | None = None) -> LayoutDiff:
    """Compare a predicted layout with one read from a real engine's artifacts.

    Args:
        predicted: from ``dla_advisor.layout.predict``.
        measured: from :func:`dla_advisor.artifacts.read`.
        counts: ``InspectResult.counts``; a count it gives as None (not shown) is not compared.

    Returns:
        A :class:`LayoutDiff`; counts the artifacts do not state are None.
    """
    order = list(predicted.placements)
    index: dict[str, int] = {}
    for i, p in enumerate(order):
        for n in (p.name, *p.onnx_nodes):
            index.setdefault(n, i)
    for n, i in list(index.items()):
        # Myelin-generated layer names spell the node's dots as underscores.
        index.setdefault(n.replace(".", "_"), i)
    found: dict[int, tuple[str, str, tuple[str, ...]]] = {}
    unmatched: list[str] = []
    notes: list[str] = []
    for m in measured.placements:
        covered = _covered(m.name, m.onnx_nodes, index)
        if not covered:
            unmatched.append(m.name)
            continue
        for i in covered:
            prev = found.get(i)
            if prev is not None and prev[0] != m.device:
                notes.append(f"{order[i].name}: the artifacts place it on both {prev[0]} and {m.device}.")
                continue
            found.setdefault(i, (m.device, m.name, tuple(r.id for r in m.reasons)))
    diffs = []
    for i, p in enumerate(order):
        dev, name, reasons = found.get(i, ("", "", ()))
        diffs.append(LayerDiff(p.name, p.onnx_nodes, p.device, dev, name, tuple(r.id for r in p.reasons), reasons))
    complete = bool(measured.dla_loadables) or (bool(measured.placements) and not any(
        "only the layers TensorRT moved" in n for n in measured.notes))
    if not complete:
        notes.append("The artifacts do not list every layer: only the layers they name are compared.")
    if counts is not None and counts.get("dla_loadables") == 0 and measured.placements and predicted.dla_loadables:
        notes.append("The artifacts show an engine without DLA layers (a GPU-only build?): the layers predicted on "
                     "DLA show which ones a DLA build could move.")
    has_reformat_info = complete and bool(measured.placements)
    m_loadables = len(measured.dla_loadables) if complete else None
    m_reformats = len(measured.reformats) if has_reformat_info else None
    if counts is not None:
        m_loadables, m_reformats = counts.get("dla_loadables"), counts.get("reformats")
        has_reformat_info = m_reformats is not None
    return LayoutDiff(
        tuple(diffs), len(predicted.dla_loadables), m_loadables,
        len(predicted.reformats), m_reformats,
        dict(Counter(r.location for r in predicted.reformats)),
        dict(Counter(r.location for r in measured.reformats)) if has_reformat_info else {},
        tuple(unmatched), tuple(notes))


def _covered(name: str, onnx_nodes: tuple[str, ...], index: dict[str, int]) -> list[int]:
    names, is_range = members(name)
    if is_range and len(names) == 2 and names[0] in index and names[1] in index:
        a, b = sorted((index[names[0]], index[names[1]]))
        return list(range(a, b + 1))
    hits = []
    for n in (name, *names, *onnx_nodes):
        i = index.get(n)
        if i is None:
            i = index.get(n.replace(".", "_"))
        if i is not None and i not in hits:
            hits.append(i)
    return sorted(hits)


__all__ = ["DLA", "LayerDiff", "LayoutDiff", "compare"]
