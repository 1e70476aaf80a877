"""What a rewrite needs to know besides the graph: the target DLA's limits, and fresh names."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class DlaLimits:
    """The DLA limits rewrites aim for, read from a platform file (None = that layer is not on DLA).

    Attributes:
        platform: id of the platform the limits came from.
        pool_window_max / pool_padding_max / pool_stride_max: Pooling layer ranges.
        conv_kernel_max / conv_padding_max / conv_channels_max: Convolution ranges.
        clip_max: the largest Clip upper bound DLA runs (lower bound must be 0).
        resize_nearest_scale_max: the largest integer nearest-neighbour Resize scale.
    """

    platform: str
    pool_window_max: int | None
    pool_padding_max: int | None
    pool_stride_max: int | None
    conv_kernel_max: int | None
    conv_padding_max: int | None
    conv_channels_max: int | None
    clip_max: float | None
    resize_nearest_scale_max: int | None


def limits_from_platform(platform: Any) -> DlaLimits:
    """Read the limits rewrites use from a :class:`~dla_advisor.platforms.Platform`'s layer checks."""

    def check_value(kind: str, check: str, key: str, attr: str | None = None):
        entry = platform.layer_entry(kind)
        if not entry:
            return None
        for c in entry.get("checks", ()):
            if c.get("check") == check and (attr is None or c.get("attr") == attr) and key in c:
                return c[key]
        return None

    return DlaLimits(
        platform=platform.id,
        pool_window_max=check_value("Pooling", "range", "max", "kernel"),
        pool_padding_max=check_value("Pooling", "range", "max", "pads"),
        pool_stride_max=check_value("Pooling", "range", "max", "strides"),
        conv_kernel_max=check_value("Convolution", "range", "max", "kernel"),
        conv_padding_max=check_value("Convolution", "range", "max", "pads"),
        conv_channels_max=check_value("Convolution", "range", "max", "out_channels"),
        clip_max=check_value("Activation", "clip_range", "max"),
        resize_nearest_scale_max=check_value("Resize", "resize_scales", "nearest_max"),
    )


@dataclass
class RewriteContext:
    """Per-run state handed to every rewrite.

    Attributes:
        limits: the target's DLA limits.
        notes: sites a rewrite looked at and left alone, with why (shown to the user).
        extras: what a rewrite hands to `fix` besides the graph (``int8_scales`` from qdq-to-calib).
    """

    limits: DlaLimits
    notes: list[str] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)
    _names: set[str] = field(default_factory=set, repr=False)
    _counter: int = field(default=0, repr=False)

    def begin(self, graph) -> None:
        """Remember every name in ``graph`` so :meth:`fresh` never collides with one."""
        self._names = {n.name for n in graph.nodes} | set(graph.tensors())

    def fresh(self, base: str) -> str:
        """A node/tensor name not used in the graph yet, derived from ``base``."""
        while True:
            self._counter += 1
            name = f"{base}_dla{self._counter}"
            if name not in self._names:
                self._names.add(name)
                return name

    def note(self, rewrite: str, site: str, why: str) -> None:
        self.notes.append(f"{rewrite}: left {site} as is: {why}")
