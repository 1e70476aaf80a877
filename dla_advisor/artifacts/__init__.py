"""Readers of real TensorRT artifacts (logs, layer-info/profile/times JSON, profile tables, engines).

Each reader class is registered by artifact kind in :data:`READERS` (``@reader(kind)``); every reader
returns the shared types: :class:`~dla_advisor.layout.EngineLayout` (source
``measured from <files>``) and :class:`~dla_advisor.layout.Measurement`. :func:`read` merges the
artifacts of one engine; :func:`compare` checks a prediction against them.
"""

from ._base import LayoutReader, MeasurementReader
from ._compare import LayerDiff, LayoutDiff, compare
from ._counts import summary_shown
from ._log import LayoutFromTrtexecLog
from ._observation import KIND_LABELS, Observation, ObservedLayer, ProfileRow, accepted_kinds, kind_label
from ._patterns import load_patterns
from ._inspect import InspectResult, observe, read
from ._export_readers import (LayoutFromLayerInfoJson, MeasurementFromDumpProfile, MeasurementFromProfileJson,
                       MeasurementFromTimesJson)
from ._registry import READERS, reader
from ._sniff import sniff
from ._trtexec_run import TrtexecRun, read_trtexec_output

__all__ = [
    "InspectResult", "KIND_LABELS", "LayerDiff", "LayoutDiff", "LayoutFromLayerInfoJson", "LayoutFromTrtexecLog",
    "LayoutReader", "MeasurementFromDumpProfile", "MeasurementFromProfileJson", "MeasurementFromTimesJson",
    "MeasurementReader", "Observation", "ObservedLayer", "ProfileRow", "READERS", "TrtexecRun", "accepted_kinds",
    "compare", "kind_label", "load_patterns", "observe", "read", "read_trtexec_output", "reader", "sniff",
    "summary_shown",
]
