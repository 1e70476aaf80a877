"""Render rich renderables to a string, so callers decide where text goes."""

from __future__ import annotations

import io
import os

from rich.console import Console


def to_text(*renderables, width: int | None = None, color: bool = False) -> str:
    buf = io.StringIO()
    console = Console(file=buf, width=width or int(os.environ.get("COLUMNS", "110")), force_terminal=color,
                      color_system="standard" if color else None, highlight=False, soft_wrap=False)
    for r in renderables:
        console.print(r)
    return buf.getvalue()
