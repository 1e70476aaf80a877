"""read(paths): several artifacts of one engine → one EngineLayout plus its Measurement."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import ArtifactParseError
from ..layout import EngineLayout
from ._merge import build_layout
from ._counts import shown_counts
from ._registry import READERS
from ._observation import Observation, accepted_kinds, kind_label
from ._sniff import sniff

# The plug-in modules: importing one registers its readers in READERS (kind -> reader class).
from . import _engine_inspector, _export_readers, _log  # noqa: E402,F401,I001


@dataclass(frozen=True)
class InspectResult:
    """What the artifacts of one engine say.

    Attributes:
        layout: the measured layout (source ``measured from <files>``), measurement attached.
        measurement: the measured numbers, or None where no artifact holds any.
        artifacts: (path, kind) of each file read, in the order given.
    """

    layout: EngineLayout
    measurement: Any
    artifacts: tuple[tuple[str, str], ...]
    counts: dict = None  # shown_counts(): each count, or None where the artifacts do not show it
    builds: tuple = ()  # with several builds in one log: one InspectResult per build, in order

    def kind_label(self, kind: str) -> str:
        return kind_label(kind)


def observe(path: str, kind: str | None = None) -> Observation:
    """Sniff (unless ``kind`` is given) and read one file into an Observation.

    Raises:
        ArtifactParseError: not an accepted artifact, or malformed.
        BackendUnavailable: a serialized engine where TensorRT is not installed.
    """
    kind = kind or sniff(path)
    obs = READERS[kind](path).observe()
    if not (obs.has_layout or obs.has_measurement or obs.trt_version):
        raise ArtifactParseError(f"{path}: read as {kind_label(kind)}, but it holds no layer placement, "
                                 "profile or performance numbers", f"Pass {accepted_kinds()}.", path)
    return obs


def read(paths) -> InspectResult:
    """Read the artifacts of ONE engine and merge them.

    Args:
        paths: one or more files: trtexec/builder logs, ``--exportLayerInfo``, ``--exportProfile``,
            ``--exportTimes`` JSON, ``--dumpProfile`` tables, or a serialized engine.

    Raises:
        ArtifactParseError: a file is not an accepted artifact or is malformed (names the kinds).
    """
    paths = [str(p) for p in paths]
    if not paths:
        raise ArtifactParseError("no artifact given", f"Pass {accepted_kinds()}.")
    observations = [observe(p) for p in paths]
    # A further build with nothing in it (a RUNNING line the paste ends on) is not reported.
    extra = [b for o in observations for b in o.more_builds if b.has_content]
    result = _result(observations)
    if not extra:
        return result
    # A log holding several builds: the first build (merged with the other files) leads, and every build
    # is also reported on its own.
    builds = (result,) + tuple(_result([b]) for b in extra)
    return InspectResult(result.layout, result.measurement, result.artifacts, result.counts, builds)


def _result(observations: list[Observation]) -> InspectResult:
    layout = build_layout(observations)
    return InspectResult(layout, layout.measurement, tuple((o.path, o.kind) for o in observations),
                         shown_counts(observations, layout, layout.measurement))
