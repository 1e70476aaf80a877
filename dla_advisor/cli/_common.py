"""Options and helpers shared by sub-commands (no analysis here)."""

from __future__ import annotations

import sys

import click

from .._safe_write import check_output_path, write_text
from .._words import DEFAULT_PLATFORM
from ..report import formats
from ._types import RegistryChoice


def output_option(f):
    return click.option("-o", "--output", "output", default="-", show_default=True,
                        help="Write the report to FILE ('-' = stdout).")(f)


def format_option(command: str, help: str | None = "Report format."):  # noqa: A002 - click's own parameter name
    """``--format``: one of the formats registered for ``command`` (read when the command line is parsed)."""
    return click.option("--format", "fmt", type=RegistryChoice(formats(command)), default="text", show_default=True,
                        help=help)


def platform_option(f):
    return click.option("--platform", "platform", default=None,
                        help=f"DLA target, e.g. {DEFAULT_PLATFORM} (default), orin-trt8.5, xavier-trt8.5 (see `dla-advisor platforms`), "
                             "or your own FILE.yaml that extends one.")(f)


def write_report(text: str, output: str, inputs: list[str] | tuple[str, ...] = ()) -> None:
    """Write ``text`` to stdout or, through the safe writer, to a file (never over an input file)."""
    text = text if text.endswith("\n") else text + "\n"
    if output in (None, "-"):
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    write_text(output, text, protected=inputs)


def check_output(output: str | None, inputs: list[str] | tuple[str, ...] = ()) -> None:
    """Refuse a bad -o before any work is done (the write checks again)."""
    if output not in (None, "-"):
        check_output_path(output, inputs)


def info(message: str) -> None:
    """Human progress/summary lines go to stderr, so stdout stays a clean report."""
    click.echo(message, err=True)
