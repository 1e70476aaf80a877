"""The fixed shape each network input is analysed at.

DLA has no dynamic shapes: an engine is built for one shape per input. So every input gets one
before shape inference: the dims ``--shapes`` gives, else the model's own static dims with a dynamic
batch dim taken as ``--batch`` or 1 (trtexec's own fill-in), and a note saying so.
"""

from __future__ import annotations

from typing import NamedTuple

from ..errors import ModelLoadError
from ._validate import check_dims


class InputShapes(NamedTuple):
    """``fixed``: input → the shape it is analysed at; ``dynamic``: input → the model's own dims, for
    inputs with a dynamic dim; ``notes``: the fill-ins made without ``--shapes``."""

    fixed: dict[str, tuple[int, ...]]
    dynamic: dict[str, tuple]
    notes: list[str]


def resolve_input_shapes(real_inputs, shapes: dict[str, tuple[int, ...]], batch: int | None) -> InputShapes:
    """The analysed shape of every input in ``real_inputs`` (ValueInfoProtos that are no initializer).

    Raises:
        ModelLoadError: ``shapes`` names an unknown input or contradicts the model; an input has a
            negative or zero dim, or a dynamic dim besides the batch that ``shapes`` does not set.
    """
    unknown = set(shapes) - {vi.name for vi in real_inputs}
    if unknown:
        raise ModelLoadError(
            f"--shapes names input(s) {', '.join(sorted(unknown))} that the model does not have",
            f"The model's inputs are: {', '.join(vi.name for vi in real_inputs) or '(none)'}.")
    notes: list[str] = []
    fixed: dict[str, tuple[int, ...]] = {}
    dynamic: dict[str, tuple] = {}
    for vi in real_inputs:
        dims = _dims(vi)
        if any(isinstance(d, int) and d < 0 for d in dims):
            raise ModelLoadError(f"input '{vi.name}' has a negative dimension {dims}", "Fix the model's input shape.")
        if vi.name in shapes:
            shape = _given_shape(vi.name, dims, shapes[vi.name])
        else:
            shape = _default_shape(vi.name, dims, batch)
        if any(not _static(d) for d in dims):
            dynamic[vi.name] = tuple(dims)
            if vi.name not in shapes:
                notes.append(f"input '{vi.name}' has dynamic dims {list(dims)}; analysed as "
                             f"{'x'.join(map(str, shape))} (pass --shapes {vi.name}:{'x'.join(map(str, shape))} to choose)")
        fixed[vi.name] = shape
    for n, dims in fixed.items():
        check_dims(dims, f"input '{n}' as analysed")
    return InputShapes(fixed, dynamic, notes)


def _dims(vi) -> list:
    t = vi.type.tensor_type
    if not t.HasField("shape"):
        return []
    return [d.dim_value if d.HasField("dim_value") else (d.dim_param or None) for d in t.shape.dim]


def _static(d) -> bool:
    return isinstance(d, int) and d > 0


def _given_shape(name: str, dims: list, given: tuple[int, ...]) -> tuple[int, ...]:
    """``given`` (from ``--shapes``), checked against the model's own ``dims``: only dynamic dims may differ."""
    if dims and len(given) != len(dims):
        raise ModelLoadError(f"--shapes gives {len(given)} dims for '{name}', the model has {len(dims)}",
                             f"Give all {len(dims)} dims, e.g. {name}:{'x'.join(str(d if _static(d) else 1) for d in dims)}.")
    for g, d in zip(given, dims):
        if _static(d) and d != g:
            raise ModelLoadError(f"--shapes sets '{name}' to {'x'.join(map(str, given))} but the model fixes it to "
                                 f"{'x'.join(str(x) for x in dims)}", "Only dynamic dims can be set with --shapes.")
    return tuple(given)


def _default_shape(name: str, dims: list, batch: int | None) -> tuple[int, ...]:
    """The model's own ``dims`` with a dynamic batch (leading) dim set to ``batch``, or 1."""
    if any(d == 0 for d in dims):
        raise ModelLoadError(f"input '{name}' has a zero-size dimension {dims}",
                             "A tensor dimension must be at least 1; fix the export or pass --shapes.")
    if any(i > 0 and not _static(d) for i, d in enumerate(dims)):
        # Placement depends on these sizes (kernel vs. map size, resize factors, concat shapes), and
        # 1, trtexec's own fill-in, makes most CNNs unbuildable: ask for the size instead of guessing.
        example = "x".join(str(d) if _static(d) else ("1" if i == 0 else f"<{d or 'dim' + str(i)}>")
                           for i, d in enumerate(dims))
        raise ModelLoadError(f"input '{name}' has dynamic dims {list(dims)} besides the batch",
                             f"Pass the shape the engine is built for: --shapes {name}:{example}.")
    return tuple(d if _static(d) else (batch or 1) for d in dims)
