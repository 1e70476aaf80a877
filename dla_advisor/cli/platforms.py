"""List the DLA targets (platform files) this installation knows, or show one."""

from __future__ import annotations

import click

from ..platforms import list_platforms, load_platform
from ..report import render
from ._common import format_option, output_option, write_report


@click.command("platforms", help=__doc__)
@click.argument("platform_id", required=False)
@format_option("platforms", help=None)
@output_option
def command(platform_id, fmt, output) -> int:
    plats = [load_platform(platform_id)] if platform_id else list_platforms()
    write_report(render("platforms", fmt, plats, one=bool(platform_id)), output)
    return 0
