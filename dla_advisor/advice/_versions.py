"""TensorRT version ranges as rule files write them: ``8.4-10.7``, ``>=11.4.1``, ``<11``, ``*``.

An upper bound is inclusive by prefix: ``10.7`` covers 10.7.0 … 10.7.x, the way release notes speak
of "10.7". A range *overlaps* a platform when some version is in both, which is how a fix variant
is chosen for a platform that itself spans versions (``orin-trt10`` = 10.0–10.7).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_INF = 10**9
_VERSION = r"\d+(?:\.\d+)*"


def _parts(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split("."))


def _low(text: str) -> tuple[int, ...]:
    return _parts(text) + (0,) * (4 - len(_parts(text)))


def _high(text: str) -> tuple[int, ...]:
    return _parts(text) + (_INF,) * (4 - len(_parts(text)))


@dataclass(frozen=True)
class VersionRange:
    """An inclusive range of TensorRT versions, bounds padded to four parts."""

    low: tuple[int, ...]
    high: tuple[int, ...]
    text: str = "*"

    def overlaps(self, other: "VersionRange") -> bool:
        return self.low <= other.high and other.low <= self.high

    def __str__(self) -> str:
        return self.text


ANY = VersionRange((0, 0, 0, 0), (_INF,) * 4, "*")


@lru_cache(maxsize=512)
def parse_range(text: str) -> VersionRange:
    """Parse a range string.

    Raises:
        ValueError: the text is not one of ``*``, ``A``, ``A-B``, ``>=A``, ``>A``, ``<=B``, ``<B``.
    """
    t = str(text).strip().replace(" ", "")
    if t in ("", "*"):
        return ANY
    if m := re.fullmatch(f"({_VERSION})-({_VERSION})", t):
        low, high = _low(m.group(1)), _high(m.group(2))
        if low > high:
            raise ValueError(f"empty version range '{text}'")
        return VersionRange(low, high, t)
    if m := re.fullmatch(f"(>=|>|<=|<)({_VERSION})", t):
        op, v = m.groups()
        if op == ">=":
            return VersionRange(_low(v), ANY.high, t)
        if op == "<=":
            return VersionRange(ANY.low, _high(v), t)
        if op == "<":
            return VersionRange(ANY.low, _predecessor(_low(v)), t)
        return VersionRange(_successor(_high(v)), ANY.high, t)
    if re.fullmatch(_VERSION, t):
        return VersionRange(_low(t), _high(t), t)
    raise ValueError(f"cannot read TensorRT version range '{text}'")


@lru_cache(maxsize=64)
def platform_range(trt_min: str, trt_max: str) -> VersionRange:
    """The versions a platform file covers (``trt: {min, max}``)."""
    return VersionRange(_low(str(trt_min)), _high(str(trt_max)), f"{trt_min}-{trt_max}")


def _predecessor(v: tuple[int, ...]) -> tuple[int, ...]:
    # The largest padded tuple below v: 11.0.0.0 -> 10.inf.inf.inf.
    out = list(v)
    for i in range(len(out) - 1, -1, -1):
        if out[i] > 0:
            out[i] -= 1
            return tuple(out[: i + 1]) + (_INF,) * (len(out) - i - 1)
    return (0, 0, 0, 0)


def _successor(v: tuple[int, ...]) -> tuple[int, ...]:
    # Only reached with an upper-padded tuple (">10.7" = from 10.8): bump the last finite part.
    out = list(v)
    for i in range(len(out) - 1, -1, -1):
        if out[i] != _INF:
            out[i] += 1
            return tuple(out[: i + 1]) + (0,) * (len(out) - i - 1)
    return tuple(out)
