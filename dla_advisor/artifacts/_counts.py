"""Which counts the artifacts actually show, and which they are silent about.

A count is ``None`` where the artifacts do not show it: a non-verbose trtexec log has no placement
section, so its DLA loadable count is not shown (not 0); a list of fallback warnings names the GPU
layers but not the loadables; a placement section names few or no Reformat layers.
"""

from __future__ import annotations

from ._observation import Observation
from ._names import is_foreign_node


def shown_counts(observations: list[Observation], layout, measurement) -> dict:
    """{dla_loadables, gpu_layers, reformats, throughput_qps, batch}: a number, or None where not shown."""
    full_list = any(o.engine_layers or o.profile for o in observations)
    blocks = [o for o in observations if o.placement_block]
    no_dla = any(o.use_dla is False for o in observations) and not any(o.use_dla for o in observations)
    unsure_foreign = _unsure_foreign(observations, layout)

    loadables = None
    if full_list or any(o.dla_section for o in blocks) or no_dla:
        loadables = len(layout.dla_loadables)
    gpu = None
    if full_list or any(o.gpu_section for o in blocks) or any(o.fallbacks for o in observations):
        gpu = len(layout.gpu_layers)
    if gpu is None and any(o.strict_dla_passed for o in observations):
        gpu = 0  # without GPU fallback a build only passes when every layer runs on DLA
    if unsure_foreign:
        loadables = gpu = None
    # A placement section is printed before TensorRT picks formats: it names a CopyNode now and then (a
    # network input's), never all Reformat layers. So it shows a count only where it names some.
    reformats = None
    if full_list or (blocks and layout.reformats):
        reformats = len(layout.reformats)
    m = measurement
    return {
        "dla_loadables": loadables,
        "gpu_layers": gpu,
        "reformats": reformats,
        "throughput_qps": m.throughput_qps if m is not None else None,
        "batch": m.batch if m is not None else next((o.batch for o in observations if o.batch), None),
    }


def _unsure_foreign(observations: list[Observation], layout) -> bool:
    """A {ForeignNode[...]} on the GPU that nothing marks as Myelin: it may have been a DLA loadable."""
    if any(o.use_dla is False for o in observations):
        return False
    myelin = {n for o in observations for n in o.myelin_names}
    myelin |= {layer.name for o in observations for layer in o.engine_layers if layer.type.lower() == "myelin"}
    return any(is_foreign_node(p.name) and p.name not in myelin for p in layout.gpu_layers) \
        and not layout.dla_loadables


def summary_shown(summary: dict, counts: dict | None) -> dict:
    """``EngineLayout.summary()`` with None where ``counts`` says the artifacts do not show a count."""
    out = dict(summary)
    if not counts:
        return out
    for key in ("dla_loadables", "gpu_layers", "reformats"):
        if key in counts and counts[key] is None:
            out[key] = None
    if counts.get("gpu_layers", 0) is None or counts.get("dla_loadables", 0) is None:
        out["layers"] = None
    if counts.get("dla_loadables", 0) is None:
        out["dla_layers"] = None
    if counts.get("reformats", 0) is None:
        out["reformat_bytes"] = None
    return out
