"""The output formats of every command: command -> its format registry -> ``render(subject, **view) -> str``.

It sits in this leaf module (it imports no format). :data:`FORMATS` holds one
:class:`~dla_advisor._registry.Registry` per command; :func:`formats` gives a command's registry,
creating it on first use, so a new format of any command is one ``@formats("advise").register("csv")``.
A format module registers its functions, and ``report/__init__`` imports the format modules. Each
command reads its ``--format`` choices from its registry when the command line is parsed.

``subject`` is what the command renders: the :class:`~._findings.CheckReport` for ``check``, the API's
result object for the other commands (``AdviseResult``, ``InspectResult`` ...), the rewrites for
``fix --list`` (``rewrites``), the platforms for ``platforms`` and the rule set for ``rules``.
``view`` holds the command's presentation options (``verbose=True`` ...); a format takes the ones it
uses and ignores the rest (``**_``).
"""

from __future__ import annotations

from typing import Callable

from .._registry import Registry

Renderer = Callable[..., str]

FORMATS: Registry[Registry[Renderer]] = Registry("document")


def formats(command: str) -> Registry[Renderer]:
    """The format registry of ``command`` (created empty on first use)."""
    if command not in FORMATS:
        FORMATS.add(command, Registry(f"{command} format"))
    return FORMATS[command]


CHECK_FORMATS = formats("check")
"""``check``'s formats, each ``render_check(report) -> str`` of a CheckReport."""
