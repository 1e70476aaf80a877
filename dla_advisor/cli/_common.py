"""Options and helpers shared by sub-commands (no analysis here)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from ..errors import UsageError

FORMAT_HELP = "Report format."


def output_option(f):
    return click.option("-o", "--output", "output", default="-", show_default=True,
                        help="Write the report to FILE ('-' = stdout).")(f)


def platform_option(f):
    return click.option("--platform", "platform", default=None,
                        help="DLA target, e.g. orin-trt10 (default), orin-trt8.5, xavier-trt8.5 (see `dla-advisor platforms`), "
                             "or your own FILE.yaml that extends one.")(f)


def write_report(text: str, output: str, inputs: list[str] | tuple[str, ...] = ()) -> None:
    """Write ``text`` to stdout or a file, refusing to write over any input file."""
    if output in (None, "-"):
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()
        return
    out = Path(output)
    for i in inputs:
        try:
            if Path(i).exists() and out.exists() and os.path.samefile(out, i):
                raise UsageError(f"-o {output} is one of the input files", "Choose another output path; inputs are never overwritten.")
        except OSError:
            pass
    if out.parent and not out.parent.exists():
        raise UsageError(f"cannot write {output}: folder {out.parent} does not exist", "Create it or pick another -o path.")
    out.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")


def info(message: str) -> None:
    """Human progress/summary lines go to stderr, so stdout stays a clean report."""
    click.echo(message, err=True)
