"""Value checks of the op mapping: axes in range, window attributes of the right length.

The types of attributes are checked at import (``_validate``); these need the input's rank or the
window size, which only the mapping knows. Each failure is a :class:`ModelLoadError` naming the node.
"""

from __future__ import annotations

from typing import Any

from ..errors import ModelLoadError


def bad(node, what: str) -> ModelLoadError:
    return ModelLoadError(f"node '{node.name or node.op_type}' ({node.op_type}): {what}",
                          "Fix the attribute in the exporter or the model.")


def axis(node, value, rank: int, attr: str = "axis", extra: int = 0) -> int:
    """``value`` as an axis in [0, rank + extra), negative ones counted from the end.

    ``extra`` is 1 for ops whose axis may equal the rank (Flatten, Unsqueeze).

    Raises:
        ModelLoadError: the axis is outside [-rank - extra, rank + extra - 1].
    """
    n = rank + extra
    try:
        axis = int(value)
    except (TypeError, ValueError, OverflowError):
        raise bad(node, f"{attr} {value!r} is not an integer") from None
    if not -n <= axis < n:
        raise bad(node, f"{attr} {axis} is out of range for a rank-{rank} tensor")
    return axis + n if axis < 0 else axis


def axes(node, values, rank: int, attr: str = "axes") -> list[int]:
    return sorted(axis(node, v, rank, attr) for v in values)


def window_lengths(node, a: dict[str, Any], n: int) -> None:
    """strides and dilations have one entry per spatial axis, pads two (ONNX's operator spec)."""
    for key, want in (("strides", n), ("dilations", n), ("pads", 2 * n), ("output_padding", n)):
        got = a.get(key)
        if got and len(got) != want:
            raise bad(node, f"{key} has {len(got)} values; a {n}-D window takes {want}")
