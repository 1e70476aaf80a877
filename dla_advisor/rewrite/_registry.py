"""The rewrite registry: one entry per rewrite, with what it does, when it applies and why it is exact.

:data:`REWRITES` is a :class:`~dla_advisor._registry.Registry`: each rewrite module registers itself
with an explicit ``order`` (the order rewrites run in), and ``rewrite/__init__`` imports the modules;
this module imports none of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from .._registry import Registry, did_you_mean
from ..errors import UsageError

if TYPE_CHECKING:  # onnx_graphsurgeon is only needed when a rewrite runs
    import onnx_graphsurgeon as gs

    from ._context import RewriteContext


@dataclass(frozen=True)
class Rewrite:
    """One semantics-preserving graph rewrite.

    Attributes:
        name: kebab-case id used by ``--rewrites``.
        title: what it turns into what, in one line.
        applies: when it applies (the pattern and the conditions checked).
        exact: why the rewritten graph computes the same outputs.
        apply: ``(graph, context) -> sites changed``; edits the graph in place.
    """

    name: str
    title: str
    applies: str
    exact: str
    apply: Callable[["gs.Graph", "RewriteContext"], int]


REWRITES: Registry[Rewrite] = Registry("rewrite")


def register(rewrite: Rewrite, *, order: float | None = None) -> Rewrite:
    """Add a rewrite to the registry.

    Args:
        rewrite: the entry.
        order: where it runs among the others (lower first); without one it runs after every rewrite
            that has one, in registration order.
    """
    return REWRITES.add(rewrite.name, rewrite, order=order)


def unregister(name: str) -> None:
    """Remove a rewrite (used by tests that register a throw-away one)."""
    REWRITES.remove(name)


def all_rewrites() -> tuple[Rewrite, ...]:
    """Every registered rewrite, in the order they run."""
    return tuple(REWRITES.values())


def select(names: str | list[str] | tuple[str, ...] | None) -> tuple[Rewrite, ...]:
    """The rewrites named in ``names`` (comma-separated or a list), in run order; None = all.

    Raises:
        UsageError: a name that is not registered (with the closest known name).
    """
    if names is None:
        return all_rewrites()
    if isinstance(names, str):
        names = [n for n in (x.strip() for x in names.split(",")) if n]
    unknown = [n for n in names if n not in REWRITES]
    if unknown:
        raise UsageError(f"unknown rewrite(s): {', '.join(n + did_you_mean(n, REWRITES) for n in unknown)}",
                         f"Known rewrites: {', '.join(REWRITES)} (see `dla-advisor fix --list`).")
    if not names:
        raise UsageError("--rewrites is empty", "Name at least one rewrite, or leave the option out to run all.")
    wanted = set(names)
    return tuple(r for r in REWRITES.values() if r.name in wanted)
