"""One registry pattern for every plug-in kind (detectors, checks, rewrites, backends, readers, ...).

A :class:`Registry` maps names to plug-ins. It sits in this leaf module (it imports nothing from the
package), so a plug-in module imports the registry and registers itself, and the package that holds the
plug-ins imports its modules: the arrow only ever points from plug-ins to the registry, never back.
Where order matters (rewrites run in sequence), each entry says its ``order`` instead of relying on the
order of import lines.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Mapping
from typing import Callable, Generic, TypeVar

T = TypeVar("T")


def closest(name: str, known: Iterable[str]) -> str | None:
    """The known name a typo most likely meant, or ``None`` when nothing is close."""
    match = difflib.get_close_matches(str(name), list(known), n=1, cutoff=0.6)
    return match[0] if match else None


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for a close known name, else an empty string."""
    guess = closest(name, known)
    return f" (did you mean '{guess}'?)" if guess else ""


class UnknownName(KeyError):
    """A name that no plug-in of this kind registered; the message lists the known names.

    A ``KeyError``, so ``Registry.get`` and ``in`` behave as for a dict.
    """

    def __init__(self, kind: str, name: str, known: list[str]):
        self.kind, self.name, self.known = kind, name, known
        self.suggestion = closest(name, known)
        hint = f" (did you mean '{self.suggestion}'?)" if self.suggestion else ""
        super().__init__(f"unknown {kind} '{name}'{hint}; known: {', '.join(known) or '(none)'}")

    def __str__(self) -> str:  # KeyError-style quoting would hide the sentence
        return self.args[0]


class Registry(Mapping[str, T], Generic[T]):
    """Named plug-ins of one kind, iterated in their explicit ``order`` (then registration order).

    It is a read-only :class:`~collections.abc.Mapping`, so callers index it like a dict; unknown names
    raise :class:`UnknownName`, whose message names the kind and lists what exists.
    """

    def __init__(self, kind: str):
        self.kind = kind
        self._items: dict[str, T] = {}
        self._order: dict[str, float] = {}

    def add(self, name: str, item: T, *, order: float | None = None, replace: bool = False) -> T:
        """Register ``item`` as ``name``. Registering the same object twice is harmless (re-imports)."""
        if name in self._items and self._items[name] is not item and not replace:
            raise ValueError(f"{self.kind} '{name}' registered twice")
        self._items[name] = item
        self._order[name] = float("inf") if order is None else order
        return item

    def register(self, name: str, *, order: float | None = None) -> Callable[[T], T]:
        """Decorator form of :meth:`add`."""

        def deco(item: T) -> T:
            return self.add(name, item, order=order)

        return deco

    def remove(self, name: str) -> None:
        self._items.pop(name, None)
        self._order.pop(name, None)

    def names(self) -> list[str]:
        seq = list(self._items)
        return sorted(seq, key=lambda n: (self._order[n], seq.index(n)))

    def __getitem__(self, name: str) -> T:
        try:
            return self._items[name]
        except KeyError:
            raise UnknownName(self.kind, name, self.names()) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {self.names()!r})"
