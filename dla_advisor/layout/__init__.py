"""Engine layout: the EngineLayout type and its static prediction from a Network."""

from ._calib_cache import (CalibrationCache, dla_int8_tensors, format_calibration_cache, infer_scales,
                           missing_scales, read_calibration_cache, scale_hex, trt_version_number)
from ._config import (BYTES_PER_ELEMENT, DEFAULT_IO_FORMAT, DLA_FEATURE_LAYOUT, IO_LAYOUTS, IO_TYPES, BuildConfig, IOFormat,
                      PRECISION_SPECS, parse_io_formats, parse_precision, parse_shapes)
from ._provenance import LayerTime, Measurement, Provenance
from ._predict import predict
from ._prefix import dla_prefix, gpu_tail
from ._reformat import format_bytes
from ._types import (DLA, GPU, EngineLayout, FallbackReason, LayerPlacement, Reformat, Segment,
                     segments_from_placements)

__all__ = [
    "CalibrationCache", "dla_int8_tensors", "format_calibration_cache", "infer_scales", "missing_scales",
    "read_calibration_cache", "scale_hex", "trt_version_number",
    "BYTES_PER_ELEMENT", "DEFAULT_IO_FORMAT", "DLA_FEATURE_LAYOUT", "IO_LAYOUTS", "IO_TYPES", "BuildConfig", "IOFormat",
    "parse_io_formats", "parse_shapes", "parse_precision", "PRECISION_SPECS", "LayerTime", "Measurement", "Provenance", "DLA", "GPU",
    "EngineLayout", "predict", "dla_prefix", "gpu_tail", "format_bytes", "FallbackReason", "LayerPlacement", "Reformat", "Segment", "segments_from_placements",
]
