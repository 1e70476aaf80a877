"""Render rich renderables to a string, so callers decide where text goes.

This is the one place report text meets rich. Its console reads no markup and no emoji codes: every
string that reaches it (layer names, log lines, messages, table cells) is shown exactly as written,
so a TensorRT name like ``{ForeignNode[/model.23/GatherElements]}`` or an ONNX node called
``[bold]`` or ``:x:`` prints as itself. Styling is done with ``Text(..., style=...)``, never markup.
"""

from __future__ import annotations

import io
import os

from rich.console import Console


def to_text(*renderables, width: int | None = None, color: bool = False) -> str:
    buf = io.StringIO()
    console = Console(file=buf, width=width or int(os.environ.get("COLUMNS", "110")), force_terminal=color,
                      color_system="standard" if color else None, highlight=False, soft_wrap=False,
                      markup=False, emoji=False)
    for r in renderables:
        console.print(r)
    return buf.getvalue()
