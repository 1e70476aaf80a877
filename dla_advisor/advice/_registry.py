"""The detector registry: named Python checks that rule entries refer to.

A detector is ``(layout, network, platform, config, params) -> list[Hit]``. It looks at an
:class:`~dla_advisor.layout.EngineLayout` (predicted or measured), optionally the
:class:`~dla_advisor.graph.Network` it came from, the platform and the build configuration, and
says where its problem occurs. It holds no rule text: the rule entry turns each :class:`Hit` into a
:class:`Finding` with its message and fixes, so one detector serves many rules.

The built-in detectors live in ``advice/detectors/``; that package imports its modules and
``advice/__init__`` imports the package, so :data:`DETECTORS` is complete as soon as
``dla_advisor.advice`` is imported. This module imports none of them (no import circle).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from .._registry import Registry
from ._types import Hit

DetectorFn = Callable[..., "list[Hit]"]


@dataclass(frozen=True)
class Detector:
    """A registered detector and the JSON schema its ``params`` must satisfy."""

    name: str
    fn: DetectorFn
    params_schema: Mapping[str, Any]
    doc: str = ""


DETECTORS: Registry[Detector] = Registry("detector")


def detector(name: str, params: Mapping[str, Any] | None = None) -> Callable[[DetectorFn], DetectorFn]:
    """Register ``fn`` as the detector ``name``.

    Args:
        name: the name rule entries use in ``detector:``.
        params: JSON schema of the rule's ``params`` (checked when the rule file loads).
    """

    def register(fn: DetectorFn) -> DetectorFn:
        if name in DETECTORS and DETECTORS[name].fn is not fn:
            raise ValueError(f"detector '{name}' registered twice")
        schema = {"type": "object", "additionalProperties": False, "properties": {}}
        schema.update(params or {})
        doc = (fn.__doc__ or "").strip().splitlines()[0] if fn.__doc__ else ""
        DETECTORS.add(name, Detector(name, fn, schema, doc), replace=True)
        return fn

    return register


def get_detectors() -> Registry[Detector]:
    """All registered detectors (the built-in ones are registered when ``dla_advisor.advice`` loads)."""
    return DETECTORS
