"""Text rendering of an EngineLayout (used by ``advise`` and, for measured layouts, ``inspect``)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from ..layout import EngineLayout
from ._rich import to_text


def _human_bytes(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def layout_renderables(layout: EngineLayout, title: str = "", verbose: bool = False, model_path: str = "model.onnx") -> list:
    s = layout.summary()
    out: list = []
    head = Text()
    head.append(title or f"{layout.network_name or 'network'} on {layout.platform or 'unknown platform'}", style="bold")
    head.append(f"  [{layout.source}]")
    out.append(head)
    limit = f" (limit {layout.loadable_limit} per core)" if layout.loadable_limit else ""
    out.append(Text(f"{s['layers']} layers: {s['dla_layers']} on DLA, {s['gpu_layers']} on GPU; "
                    f"{s['dla_loadables']} DLA loadable(s){limit}; {s['reformats']} Reformat layer(s)"
                    + (f", {_human_bytes(s['reformat_bytes'])} per inference" if s['reformat_bytes'] else "")))
    precisions = [p.precision for p in layout.dla_layers if p.precision]
    if precisions and len(set(precisions)) > 1:
        # Mixed builds: say how the DLA layers split between INT8 and the FP16 they fall back to.
        out.append(Text(f"DLA precision: {precisions.count('int8')} layer(s) in INT8, "
                        f"{precisions.count('fp16')} in FP16 (DLA has no INT8 for them, or runs them as FP16)"))
    if layout.config is not None and hasattr(layout.config, "trtexec_flags"):
        out.append(Text("build: trtexec " + " ".join(layout.config.trtexec_flags(model_path)), style="dim"))

    if layout.dla_loadables:
        t = Table(title="DLA loadables", title_justify="left", show_lines=False)
        for c in ("#", "layers", "first", "last", "batch"):
            t.add_column(c)
        for i, seg in enumerate(layout.dla_loadables, 1):
            t.add_row(str(i), str(len(seg.layers)), seg.first, seg.last, "" if seg.batch is None else str(seg.batch))
        out.append(t)

    if layout.gpu_layers:
        sources: dict[str, int] = {}
        t = Table(title="GPU layers and why they are not on DLA", title_justify="left", show_lines=True)
        for c in ("layer", "kind", "reason", "constraint [source]"):
            t.add_column(c, overflow="fold")
        for p in layout.gpu_layers:
            if not p.reasons:
                t.add_row(p.name, p.kind, "", "")
            for i, r in enumerate(p.reasons):
                ref = ""
                if r.source:
                    ref = f" [{sources.setdefault(r.source, len(sources) + 1)}]"
                t.add_row(p.name if i == 0 else "", p.kind if i == 0 else "", f"{r.id}: {r.message}",
                          f"{r.platform_key}{ref}")
        out.append(t)
        for url, n in sources.items():
            out.append(Text(f"  [{n}] {url}", style="dim"))

    if layout.reformats:
        t = Table(title="Reformat layers", title_justify="left")
        for c in ("tensor", "where", "from", "to", "bytes/inference", "device"):
            t.add_column(c, overflow="fold")
        for r in layout.reformats:
            t.add_row(r.tensor, r.location, r.from_format, r.to_format, _human_bytes(r.bytes) if r.bytes else "", r.device)
        out.append(t)

    if verbose:
        t = Table(title="All layers", title_justify="left")
        for c in ("#", "layer", "kind", "device", "precision", "ONNX nodes"):
            t.add_column(c, overflow="fold")
        for i, p in enumerate(layout.placements):
            t.add_row(str(i), p.name, p.kind, p.device, p.precision, ", ".join(p.onnx_nodes))
        out.append(t)

    for note in layout.notes:
        out.append(Text(f"note: {note}", style="yellow"))
    return out


def render_layout(layout: EngineLayout, verbose: bool = False, width: int | None = None,
                  model_path: str = "model.onnx") -> str:
    return to_text(*layout_renderables(layout, verbose=verbose, model_path=model_path), width=width)
