"""RuleSet: the loaded rules, selection by id/name/alias/prefix, and budget limits."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterable, Iterator

from ..errors import UsageError
from ._types import Rule


@dataclass(frozen=True)
class RuleSet:
    """An ordered, immutable collection of rules."""

    rules: tuple[Rule, ...]

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def get(self, selector: str) -> Rule | None:
        """The rule with this id, name or alias (not a prefix)."""
        s = selector.strip()
        for r in self.rules:
            if s.upper() == r.id or s == r.name or s.upper() in (a.upper() for a in r.aliases):
                return r
        return None

    def selected(self, select: Iterable[str] | None = None, ignore: Iterable[str] | None = None) -> tuple[Rule, ...]:
        """Rules matching any of ``select`` (all when empty) and none of ``ignore``.

        Raises:
            UsageError: a selector matches no rule (a typo would otherwise silently check nothing).
        """
        select = [s for s in (select or ()) if s.strip()]
        ignore = [s for s in (ignore or ()) if s.strip()]
        for s in select + ignore:
            if not any(r.matches(s) for r in self.rules):
                raise UsageError(f"--select/--ignore: '{s}' matches no rule",
                                 "See `dla-advisor rules` for ids and names.")
        out = [r for r in self.rules if not select or any(r.matches(s) for s in select)]
        return tuple(r for r in out if not any(r.matches(s) for s in ignore))

    def with_budget(self, metric: str, limit: int | None) -> "RuleSet":
        """Set the limit of every ``budget`` rule on ``metric`` (``gpu_layers``, ``dla_loadables``, ``reformats``)."""
        if limit is None:
            return self
        if limit < 0:
            raise UsageError(f"a {metric.replace('_', ' ')} budget of {limit} is negative", "Give 0 or more.")
        rules = tuple(
            replace(r, params={**r.params, "limit": int(limit)})
            if r.detector == "budget" and r.params.get("metric") == metric else r
            for r in self.rules
        )
        return RuleSet(rules)
