"""Text report of `dla-advisor inspect`: the real layout, measurements, and prediction vs reality."""

from __future__ import annotations

from collections import Counter

from rich.table import Table
from rich.text import Text

from .._text import ellipsize
from ._rich import to_text

_KIND_LABEL = {"to_nvm": "to nvm (GPU → DLA memory)", "from_nvm": "from nvm (DLA memory → GPU)",
               "copy_node": "Reformatting CopyNode", "trt7_reformatter": "input/output reformatter (TensorRT 7)",
               "qdq": "Q/DQ (Quantize/Dequantize as Reformat)", "reformat": "Reformat"}


def _short(name: str, limit: int = 90) -> str:
    return ellipsize(name, limit)


def _row(table, *cells) -> None:
    # Engine layer names hold brackets ("{ForeignNode[/cnn/cnn.0/Conv...]}") that rich would read as markup.
    table.add_row(*(Text(c) if isinstance(c, str) else c for c in cells))


def _shown(v) -> str:
    return "not shown" if v is None else str(v)


def render_inspect_text(result, predicted=None, diff=None, model: str | None = None) -> str:
    builds = result.builds if len(result.builds) > 1 else (result,)
    parts: list = []
    for i, build in enumerate(builds):
        if len(builds) > 1:
            parts.append(Text(f"{'' if i == 0 else chr(10)}=== Build {i + 1} of {len(builds)} in the log ===", style="bold"))
        parts.extend(_one_build(build, result))
    if diff is not None:
        parts.extend(_comparison(predicted, diff, model))
    notes = [n for b in builds for n in b.layout.notes]
    if notes:
        parts.append(Text("\nNotes", style="bold"))
        parts.extend(Text(f"  - {n}") for n in dict.fromkeys(notes))
    return to_text(*parts)


def _one_build(result, top) -> list:
    layout, counts = result.layout, result.counts or {}
    parts: list = []
    head = Text()
    head.append("Engine layout ", style="bold")
    head.append(layout.source)
    if layout.platform:
        head.append(f"  [{layout.platform}]")
    parts.append(head)
    for path, kind in result.artifacts:
        parts.append(Text(f"  {path}: {top.kind_label(kind)}"))

    loadables = layout.dla_loadables
    parts.append(Text(f"\nDLA loadables: {_shown(counts.get('dla_loadables', len(loadables)))}", style="bold"))
    for seg in loadables:
        p = layout.placement(seg.first)
        nodes = f"  ({len(p.onnx_nodes)} layers named)" if p and len(p.onnx_nodes) > 2 else ""
        parts.append(Text(f"  [{seg.index}] {_short(seg.first)}{nodes}"))

    gpu = layout.gpu_layers
    n_gpu = counts.get("gpu_layers", len(gpu))
    parts.append(Text(f"\nGPU layers: {_shown(n_gpu)}"
                      + (f" ({len(gpu)} named)" if n_gpu is None and gpu else ""), style="bold"))
    if gpu:
        t = Table(show_edge=False, box=None, pad_edge=False)
        for col in ("layer", "kind", "TensorRT's reason (reason id)"):
            t.add_column(col)
        for p in gpu:
            why = "; ".join(f"{r.id}: {_short(r.message, 70)}" for r in p.reasons) or "-"
            _row(t, _short(p.name, 60), p.kind or "-", why)
        parts.append(t)

    parts.append(Text(f"\nReformat layers: {_shown(counts.get('reformats', len(layout.reformats)))}", style="bold"))
    for kind, n in Counter(r.kind for r in layout.reformats).most_common():
        parts.append(Text(f"  {n} × {_KIND_LABEL.get(kind, kind)}"))
    for r in layout.reformats[:20]:
        fmt = f"  {r.from_format} → {r.to_format}" if r.from_format or r.to_format else ""
        parts.append(Text(f"    {_short(r.name, 80)}  [{r.location}]{fmt}"))
    if len(layout.reformats) > 20:
        parts.append(Text(f"    ... {len(layout.reformats) - 20} more (see --format json)"))

    parts.extend(_measurement(result.measurement, counts))
    return parts


def _measurement(m, counts=None) -> list:
    if m is None:
        return [Text("\nMeasurements: none in these artifacts", style="bold")]
    out: list = [Text(f"\nMeasurements — {m.provenance.label()}", style="bold")]
    out.append(Text("  throughput: " + ("not shown" if m.throughput_qps is None else f"{m.throughput_qps:g} qps")
                    + (f" (batch {m.batch})" if m.batch else "")))
    for label, stats in (("latency", m.latency_ms), ("GPU compute", m.gpu_compute_ms)):
        if stats:
            out.append(Text(f"  {label} (ms): " + ", ".join(f"{k} {v:g}" for k, v in stats.items())))
    if m.dla_time_share is None and m.layer_times:
        out.append(Text("  time share: DLA/GPU not shown (see notes)"))
    if m.dla_time_share is not None:
        out.append(Text(f"  time share: DLA {100 * m.dla_time_share:.1f} %, GPU {100 * (1 - m.dla_time_share):.1f} %"
                        + (" (corrected attribution, see notes)" if any(r.corrected_ms is not None for r in m.layer_times) else "")))
    if m.layer_times:
        t = Table(show_edge=False, box=None, pad_edge=False, title=None)
        for col in ("layer", "device", "avg ms", "median ms", "%", "corrected ms"):
            t.add_column(col, justify="left" if col in ("layer", "device") else "right")
        top = sorted(m.layer_times, key=lambda r: -(r.corrected_ms if r.corrected_ms is not None else r.avg_ms))[:15]
        for r in top:
            _row(t, _short(r.name, 60), r.device or "not shown", f"{r.avg_ms:.4f}", "-" if r.median_ms is None else f"{r.median_ms:.4f}",
                      "-" if r.percent is None else f"{r.percent:.1f}", "-" if r.corrected_ms is None else f"{r.corrected_ms:.4f}")
        out.append(Text(f"  per-layer time ({len(m.layer_times)} rows, slowest first):"))
        out.append(t)
    return out


def _comparison(predicted, diff, model) -> list:
    out: list = [Text(f"\nPrediction vs reality ({model}): " + ("MATCH" if diff.matches else "MISMATCH"), style="bold")]
    meas = lambda v: "not stated" if v is None else str(v)  # noqa: E731
    out.append(Text(f"  DLA loadables: predicted {diff.predicted_loadables}, measured {meas(diff.measured_loadables)}"))
    out.append(Text(f"  Reformats: predicted {diff.predicted_reformats}, measured {meas(diff.measured_reformats)}"))
    t = Table(show_edge=False, box=None, pad_edge=False)
    for col in ("layer", "predicted", "measured", "engine layer", ""):
        t.add_column(col)
    for d in diff.layers:
        mark = {True: "ok", False: "WRONG", None: "not in artifacts"}[d.agrees]
        _row(t, _short(d.layer, 40), d.predicted_device, d.measured_device or "-", _short(d.measured_layer, 50), mark)
    out.append(t)
    if diff.wrong:
        out.append(Text("  Prediction was wrong for: " + ", ".join(d.layer for d in diff.wrong), style="bold"))
    if diff.unmatched_measured:
        out.append(Text("  Engine layers not matched to the model: " + ", ".join(_short(n, 50) for n in diff.unmatched_measured[:10])))
    out.extend(Text(f"  - {n}") for n in diff.notes)
    return out
