"""List the DLA targets (platform files) this installation knows, or show one."""

from __future__ import annotations

import json

import click
from rich.table import Table

from .._words import DEFAULT_PLATFORM
from ..platforms import list_platforms, load_platform
from ..report import envelope, to_text
from ._common import output_option, write_report


@click.command("platforms", help=__doc__)
@click.argument("platform_id", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@output_option
def command(platform_id, fmt, output) -> int:
    plats = [load_platform(platform_id)] if platform_id else list_platforms()
    if fmt == "json":
        text = json.dumps({**envelope("platforms", "1.0"), "platforms": [{"id": p.id, "title": p.title, "soc": p.soc, "trt": [p.trt_min, p.trt_max],
                            "cores": p.cores, "loadables_per_core": p.loadables_per_core,
                            "gpu_fallback": p.gpu_fallback_allowed, "strongly_typed": p.strongly_typed,
                            "layers_on_dla": sorted(p.data["layers"])} for p in plats]}, indent=2)
    else:
        t = Table(title=f"DLA platforms (default: {DEFAULT_PLATFORM})", title_justify="left")
        for c in ("id", "target", "TensorRT", "loadables/core", "GPU fallback"):
            t.add_column(c)
        for p in plats:
            t.add_row(p.id, p.title, f"{p.trt_min}-{p.trt_max}", str(p.loadables_per_core),
                      "yes" if p.gpu_fallback_allowed else "no")
        text = to_text(t)
        if platform_id:
            text += "layers DLA can run: " + ", ".join(sorted(plats[0].data["layers"])) + "\n"
    write_report(text, output)
    return 0
