"""The rewrite registry: one entry per rewrite, with what it does, when it applies and why it is exact."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

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


_REGISTRY: dict[str, Rewrite] = {}


def register(rewrite: Rewrite) -> Rewrite:
    """Add a rewrite to the registry (kept in registration order, which is the order they run in)."""
    if rewrite.name in _REGISTRY and _REGISTRY[rewrite.name] is not rewrite:
        raise ValueError(f"rewrite {rewrite.name!r} registered twice")
    _REGISTRY[rewrite.name] = rewrite
    return rewrite


def unregister(name: str) -> None:
    """Remove a rewrite (used by tests that register a throw-away one)."""
    _REGISTRY.pop(name, None)


def all_rewrites() -> tuple[Rewrite, ...]:
    """Every registered rewrite, in the order they run."""
    return tuple(_REGISTRY.values())


def select(names: str | list[str] | tuple[str, ...] | None) -> tuple[Rewrite, ...]:
    """The rewrites named in ``names`` (comma-separated or a list), in registry order; None = all.

    Raises:
        UsageError: a name that is not registered.
    """
    if names is None:
        return all_rewrites()
    if isinstance(names, str):
        names = [n for n in (x.strip() for x in names.split(",")) if n]
    unknown = [n for n in names if n not in _REGISTRY]
    if unknown:
        raise UsageError(f"unknown rewrite(s): {', '.join(unknown)}",
                         f"Known rewrites: {', '.join(_REGISTRY)} (see `dla-advisor fix --list`).")
    if not names:
        raise UsageError("--rewrites is empty", "Name at least one rewrite, or leave the option out to run all.")
    wanted = set(names)
    return tuple(r for r in _REGISTRY.values() if r.name in wanted)
