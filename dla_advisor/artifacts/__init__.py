"""Readers of real TensorRT artifacts (logs, layer-info/profile/times JSON, profile tables, engines).

Every reader returns the shared types: :class:`~dla_advisor.layout.EngineLayout` (source
``measured from <files>``) and :class:`~dla_advisor.layout.Measurement`. :func:`read` merges the
artifacts of one engine; :func:`compare` checks a prediction against them.
"""

from ._compare import LayerDiff, LayoutDiff, compare
from ._counts import summary_shown
from ._log import LayoutFromTrtexecLog
from ._model import KIND_LABELS, accepted_kinds
from ._patterns import load_patterns
from ._inspect import READERS, InspectResult, observe, read
from ._export_readers import (LayoutFromLayerInfoJson, MeasurementFromDumpProfile, MeasurementFromProfileJson,
                       MeasurementFromTimesJson)
from ._sniff import sniff
from ._trtexec_run import TrtexecRun, read_trtexec_output

__all__ = [
    "InspectResult", "KIND_LABELS", "LayerDiff", "LayoutDiff", "LayoutFromLayerInfoJson", "LayoutFromTrtexecLog",
    "MeasurementFromDumpProfile", "MeasurementFromProfileJson", "MeasurementFromTimesJson", "READERS", "TrtexecRun",
    "accepted_kinds", "compare", "load_patterns", "observe", "read", "read_trtexec_output", "sniff", "summary_shown",
]
