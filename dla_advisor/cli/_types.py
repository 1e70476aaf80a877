"""Bounded option types: every number a command takes has a range, and NaN or infinity is refused.

click's ``FloatRange`` lets ``nan`` through (every comparison with NaN is false) and accepts ``inf``;
an unbounded ``int`` lets ``--trials 99999999999999999999`` run forever and ``--seed -1`` reach numpy,
which rejects it with a traceback. The ranges here are what the tools underneath accept.
"""

from __future__ import annotations

import math

import click

from .._limits import MAX_DIM, MAX_SECONDS, MAX_SEED, MAX_TRIALS
from .._registry import did_you_mean

MAX_BATCH = MAX_DIM


class FiniteFloat(click.FloatRange):
    """A ``FloatRange`` that also refuses NaN and infinity."""

    name = "finite float"

    def convert(self, value, param, ctx):
        if isinstance(value, str) and len(value) > 100:
            self.fail(f"{value[:20]}... is not a number", param, ctx)
        rv = super().convert(value, param, ctx)
        if not math.isfinite(rv):
            self.fail(f"{rv} is not a finite number", param, ctx)
        return rv


class BoundedInt(click.IntRange):
    """An ``IntRange`` with both ends set; a 400-digit value is refused without converting it."""

    def __init__(self, min: int, max: int):  # noqa: A002 - click's own parameter names
        super().__init__(min=min, max=max)

    def convert(self, value, param, ctx):
        if isinstance(value, str) and len(value.strip().lstrip("+-")) > 30:
            self.fail(f"{value[:20]}... is not in the range {self._describe_range()}", param, ctx)
        return super().convert(value, param, ctx)


SEED = BoundedInt(0, MAX_SEED)
TRIALS = BoundedInt(1, MAX_TRIALS)
BATCH = BoundedInt(1, MAX_BATCH)
HEARTBEAT = BoundedInt(1, int(MAX_SECONDS))
COUNT = BoundedInt(0, 2**31 - 1)


def seconds(min_open: bool = False) -> FiniteFloat:
    return FiniteFloat(min=0, max=MAX_SECONDS, min_open=min_open)


def tolerance() -> FiniteFloat:
    return FiniteFloat(min=0, max=1e6)


def milliseconds() -> FiniteFloat:
    return FiniteFloat(min=0, max=MAX_SECONDS * 1000, min_open=True)


class RegistryChoice(click.Choice):
    """One of the names in a registry (plus ``extra``), read when the option is parsed.

    A plug-in registered after the command module was imported is a valid choice, and an unknown name
    is answered with the closest known one.
    """

    def __init__(self, registry, extra: tuple[str, ...] = ()):
        self._registry, self._extra = registry, tuple(extra)
        super().__init__(())

    @property
    def choices(self) -> tuple[str, ...]:
        return (*self._registry, *self._extra)

    @choices.setter
    def choices(self, _value) -> None:  # click.Choice.__init__ assigns it; the registry is the source
        pass

    def convert(self, value, param, ctx):
        if value in self.choices:
            return value
        known = ", ".join(map(repr, self.choices))
        self.fail(f"{value!r} is not one of {known}{did_you_mean(value, self.choices)}.", param, ctx)
