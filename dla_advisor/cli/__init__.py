"""The ``dla-advisor`` command.

Each sub-command is one module exposing ``command`` (a click command), registered by name in
:data:`COMMANDS` (a :class:`~dla_advisor._registry.Registry` of module paths, in the order ``--help``
lists them); ``COMMANDS.add("name", "your_package.module")`` adds one of your own. The module is
imported only when its command runs or help is shown. ``main`` is the one place that exits: user errors
(:class:`~dla_advisor.errors.DlaAdvisorError`, click usage errors) become one line on stderr and exit
code 2; findings at or above ``--fail-on`` are exit code 1; bugs keep their traceback.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

import click

from .. import __version__
from .._registry import Registry, did_you_mean
from ..errors import EXIT_OK, EXIT_USAGE, DlaAdvisorError, printable

# name -> module path. Modules are imported on use, so a missing optional dependency of one command
# never breaks the others; ``order`` is the order of ``dla-advisor --help``.
COMMANDS: Registry[str] = Registry("command")
COMMANDS.add("advise", "dla_advisor.cli.advise", order=0)
COMMANDS.add("platforms", "dla_advisor.cli.platforms", order=1)
COMMANDS.add("fix", "dla_advisor.cli.fix", order=2)
COMMANDS.add("split", "dla_advisor.cli.split", order=3)
COMMANDS.add("inspect", "dla_advisor.cli.inspect", order=4)
COMMANDS.add("check", "dla_advisor.cli.check", order=5)
COMMANDS.add("rules", "dla_advisor.cli.rules", order=6)
COMMANDS.add("tune", "dla_advisor.cli.tune", order=7)
COMMANDS.add("estimate", "dla_advisor.cli.estimate", order=8)
COMMANDS.add("calibrate", "dla_advisor.cli.calibrate", order=9)


class _LazyGroup(click.Group):
    def list_commands(self, ctx):
        return [name for name in COMMANDS if _importable(name)]

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        return importlib.import_module(COMMANDS[name]).command

    def resolve_command(self, ctx, args):
        name = args[0] if args else ""
        if name and name not in COMMANDS and not name.startswith("-") and not ctx.resilient_parsing:
            ctx.fail(f"No such command '{name}'{did_you_mean(name, COMMANDS)}.")
        return super().resolve_command(ctx, args)


def _importable(name: str) -> bool:
    return importlib.util.find_spec(COMMANDS[name]) is not None


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
