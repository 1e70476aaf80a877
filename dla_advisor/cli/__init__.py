"""The ``dla-advisor`` command.

Each sub-command is one module in this package exposing ``command`` (a click command); the table
below is the only place that lists them. ``main`` is the one place that exits: user errors
(:class:`~dla_advisor.errors.DlaAdvisorError`, click usage errors) become one line on stderr and exit
code 2; findings at or above ``--fail-on`` are exit code 1; bugs keep their traceback.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

import click

from .. import __version__
from ..errors import EXIT_OK, EXIT_USAGE, DlaAdvisorError, printable

# (name, module) — the module is imported only when the command runs or help is shown, so a missing
# optional dependency of one command never breaks the others.
COMMANDS: list[tuple[str, str]] = [
    ("advise", "dla_advisor.cli.advise"),
    ("platforms", "dla_advisor.cli.platforms"),
    ("fix", "dla_advisor.cli.fix"),
    ("split", "dla_advisor.cli.split"),
    ("inspect", "dla_advisor.cli.inspect"),
    ("check", "dla_advisor.cli.check"),
    ("rules", "dla_advisor.cli.rules"),
    ("tune", "dla_advisor.cli.tune"),
    ("estimate", "dla_advisor.cli.estimate"),
    ("calibrate", "dla_advisor.cli.calibrate"),
]


class _LazyGroup(click.Group):
    def list_commands(self, ctx):
        return [name for name, _ in COMMANDS if _importable(name)]

    def get_command(self, ctx, name):
        for cmd_name, module in COMMANDS:
            if cmd_name == name:
                return importlib.import_module(module).command
        return None


def _importable(name: str) -> bool:
    module = dict(COMMANDS)[name]
    return importlib.util.find_spec(module) is not None


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="dla-advisor")
def cli() -> None:
    """Predict, explain and fix how TensorRT places a network on NVIDIA DLA and GPU.

    Exit codes: 0 clean, 1 findings at or above --fail-on, 2 bad input.
    """


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns (and exits with) the process exit code."""
    try:
        rc = cli.main(args=argv, prog_name="dla-advisor", standalone_mode=False)
    except click.exceptions.Exit as e:
        rc = e.exit_code
    except click.ClickException as e:
        e.show()
        rc = EXIT_USAGE if e.exit_code == 2 else e.exit_code
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        rc = EXIT_USAGE
    except DlaAdvisorError as e:
        click.echo(f"error: {e.one_line()}", err=True)
        rc = EXIT_USAGE
    except BrokenPipeError:
        rc = EXIT_OK
    except OSError as e:
        # The operating system refused a path the user named (too long, not a folder, no permission,
        # disk full): their environment, not a bug. One line, like every other input error.
        where = f" ({str(e.filename)[:120]})" if e.filename else ""
        click.echo(printable(f"error: {e.strerror or e}{where}. Check the paths given on the command line."), err=True)
        rc = EXIT_USAGE
    if rc is None:
        rc = EXIT_OK
    if __name__ == "__main__" or argv is None:
        sys.exit(rc)
    return rc
