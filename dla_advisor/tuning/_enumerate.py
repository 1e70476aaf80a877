"""Exhaustive enumeration of a :class:`SearchSpace` (for checking the search, and small spaces).

Replays :meth:`SearchSpace.sample` with every sequence of decisions, depth first: the space is a
tree because later decisions depend on earlier ones, so a plain product of choices would be wrong.
"""

from __future__ import annotations

from typing import Any, Iterator

from ._plan import DeploymentPlan
from ._space import PlanRejected, SearchSpace


def enumerate_plans(space: SearchSpace) -> Iterator[tuple[dict[str, Any], DeploymentPlan | PlanRejected]]:
    """Yield ``(decisions, plan or rejection)`` for every path through the space."""
    path: list[int] = []
    while True:
        sizes: list[int] = []
        decisions: dict[str, Any] = {}

        def choose(name, choices):
            depth = len(sizes)
            if depth == len(path):
                path.append(0)
            sizes.append(len(choices))
            decisions[name] = choices[path[depth]]
            return decisions[name]

        try:
            outcome: DeploymentPlan | PlanRejected = space.sample(choose)
        except PlanRejected as r:
            outcome = r
        yield dict(decisions), outcome
        del path[len(sizes):]  # decisions past the last one asked belong to another branch
        while path and path[-1] + 1 >= sizes[len(path) - 1]:
            path.pop()
        if not path:
            return
        path[-1] += 1
