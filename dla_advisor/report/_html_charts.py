"""Small inline SVG charts for the HTML report (bar chart of GPU vs DLA time, scatter, history).

Plain SVG written here rather than a charting library: three fixed chart shapes with a few dozen
marks each do not need one, and the page must stay self-contained and small. Every text is escaped.
"""

from __future__ import annotations

from html import escape

GPU_COLOR = "#d62728"
DLA_COLOR = "#2e8b57"
MUTED = "#9aa5b1"
ACCENT = "#1f4fd1"


def _num(v) -> float:
    return float(v) if isinstance(v, (int, float)) else 0.0


def time_bars(rows: list[tuple[str, float, float]], unit: str = "ms", title: str = "") -> str:
    """Horizontal bars: for each row (label, gpu, dla) a red GPU bar above a green DLA bar."""
    if not rows:
        return ""
    top = max(max(_num(g), _num(d)) for _, g, d in rows) or 1.0
    label_w, bar_w, row_h = 260, 420, 34
    height = 28 + row_h * len(rows)
    out = [f'<svg class="chart" role="img" width="{label_w + bar_w + 90}" height="{height}" '
           f'aria-label="{escape(title or "GPU vs DLA time")}">',
           f'<rect x="{label_w}" y="4" width="10" height="10" fill="{GPU_COLOR}"/>'
           f'<text x="{label_w + 14}" y="13">GPU busy ({escape(unit)})</text>',
           f'<rect x="{label_w + 140}" y="4" width="10" height="10" fill="{DLA_COLOR}"/>'
           f'<text x="{label_w + 154}" y="13">DLA busy ({escape(unit)})</text>']
    for i, (label, gpu, dla) in enumerate(rows):
        y = 24 + i * row_h
        out.append(f'<text x="{label_w - 6}" y="{y + 17}" text-anchor="end">{escape(str(label)[:42])}</text>')
        for j, (value, color) in enumerate(((gpu, GPU_COLOR), (dla, DLA_COLOR))):
            w = bar_w * _num(value) / top
            by = y + 2 + j * 14
            out.append(f'<rect x="{label_w}" y="{by}" width="{w:.1f}" height="12" fill="{color}">'
                       f'<title>{escape(str(label))}: {_num(value):.3f} {escape(unit)}</title></rect>')
            out.append(f'<text x="{label_w + w + 4:.1f}" y="{by + 10}">{_num(value):.3f}</text>')
    out.append("</svg>")
    return "".join(out)


def scatter(points: list[tuple[float, float, str]], highlight: list[tuple[float, float, str]], x_label: str,
            y_label: str, title: str = "") -> str:
    """All points muted, the highlighted ones (e.g. the Pareto front) in the accent colour and joined."""
    allp = [p for p in points + highlight if p[0] is not None and p[1] is not None]
    if not allp:
        return ""
    w, h, pad = 560, 320, 50
    xs, ys = [p[0] for p in allp], [p[1] for p in allp]
    x0, x1 = min(xs), max(xs)
    y0, y1 = min(ys), max(ys)
    x1, y1 = (x1 if x1 > x0 else x0 + 1), (y1 if y1 > y0 else y0 + 1)

    def sx(x):
        return pad + (x - x0) / (x1 - x0) * (w - 2 * pad)

    def sy(y):
        return h - pad + 10 - (y - y0) / (y1 - y0) * (h - 2 * pad)

    out = [f'<svg class="chart" role="img" width="{w}" height="{h}" aria-label="{escape(title)}">',
           f'<line x1="{pad}" y1="{h - pad + 10}" x2="{w - pad}" y2="{h - pad + 10}" stroke="#333"/>',
           f'<line x1="{pad}" y1="{pad - 10}" x2="{pad}" y2="{h - pad + 10}" stroke="#333"/>',
           f'<text x="{w / 2}" y="{h - 8}" text-anchor="middle">{escape(x_label)}</text>',
           f'<text x="12" y="{h / 2}" transform="rotate(-90 12 {h / 2})" text-anchor="middle">{escape(y_label)}</text>',
           f'<text x="{pad}" y="{h - pad + 24}" text-anchor="middle">{x0:.3g}</text>',
           f'<text x="{w - pad}" y="{h - pad + 24}" text-anchor="middle">{x1:.3g}</text>',
           f'<text x="{pad - 4}" y="{h - pad + 10}" text-anchor="end">{y0:.4g}</text>',
           f'<text x="{pad - 4}" y="{pad - 6}" text-anchor="end">{y1:.4g}</text>']
    for x, y, tip in points:
        if x is None or y is None:
            continue
        out.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="3" fill="{MUTED}"><title>{escape(tip)}</title></circle>')
    front = sorted((p for p in highlight if p[0] is not None and p[1] is not None), key=lambda p: p[0])
    if len(front) > 1:
        path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y, _ in front)
        out.append(f'<polyline points="{path}" fill="none" stroke="{ACCENT}" stroke-width="1.5"/>')
    for x, y, tip in front:
        out.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="5" fill="{ACCENT}"><title>{escape(tip)}</title></circle>')
    out.append("</svg>")
    return "".join(out)


def history(values: list[tuple[int, float | None]], y_label: str, maximise: bool = True) -> str:
    """Each trial's value (muted dots) and the best value so far (a step line)."""
    pts = [(float(n), float(v), f"trial {n}: {v:.4g}") for n, v in values if v is not None]
    best, line = None, []
    for x, y, _ in pts:
        best = y if best is None else (max(best, y) if maximise else min(best, y))
        line.append((x, best, f"best so far at trial {int(x)}: {best:.4g}"))
    if not pts:
        return ""
    return scatter(pts, line, "trial", y_label, title="tuning history")
