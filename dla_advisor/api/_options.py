"""Keyword arguments of the API → the analysis packages' types (the CLI's option values pass straight in)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from ..errors import UsageError

PRECISIONS = ("int8", "fp16")


def spec_text(value, option: str) -> str | None:
    """A trtexec-style list (``"a:1x3,b:2"``) from a string, a sequence of entries, or a mapping."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return ",".join(f"{k}:{'x'.join(str(int(d)) for d in v)}" for k, v in value.items())
    if isinstance(value, Sequence):
        return ",".join(str(v) for v in value)
    raise UsageError(f"{option}: cannot read {value!r}", "Pass a string as the CLI takes it, or a list of entries.")


def ids(value) -> tuple[str, ...]:
    """``"DLA1,DLA203"`` or ``["DLA1", "fp32-io-on-dla-engine"]`` → a flat tuple of rule ids."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    return tuple(x.strip() for v in value for x in str(v).split(",") if x.strip())


def path_text(path) -> str:
    """Paths are reported as given (the JSON documents carry them), so keep the caller's spelling."""
    return str(path) if isinstance(path, Path) else path


def check_precision(precision: str) -> str:
    if precision not in PRECISIONS:
        raise UsageError(f"precision '{precision}' is not one of {', '.join(PRECISIONS)}", "Use int8 or fp16.")
    return precision


def build_config(precision: str = "fp16", shapes=None, batch: int | None = None, input_formats=None,
                 output_formats=None, gpu_fallback: bool = True, dla_core: int = 0, layer_device_types=None):
    """A BuildConfig from trtexec-style values, exactly as the CLI's model options give them."""
    from ..layout import BuildConfig, parse_io_formats, parse_shapes

    overrides = []
    for entry in (spec_text(layer_device_types, "--layerDeviceTypes") or "").split(","):
        if entry.strip():
            name, _, dev = entry.strip().rpartition(":")
            if not name or dev.upper() not in ("GPU", "DLA"):
                raise UsageError(f"--layerDeviceTypes: cannot read '{entry}'", "Write NAME:GPU or NAME:DLA, comma-separated.")
            overrides.append((name, dev.upper()))
    if batch is not None and (not isinstance(batch, int) or batch < 1):
        raise UsageError(f"batch {batch!r} must be a positive integer", "e.g. batch=8.")
    if dla_core not in (0, 1):
        raise UsageError(f"DLA core {dla_core!r} does not exist", "Use 0 or 1.")
    return BuildConfig(
        precision=check_precision(precision),
        input_formats=parse_io_formats(spec_text(input_formats, "--inputIOFormats"), "--inputIOFormats"),
        output_formats=parse_io_formats(spec_text(output_formats, "--outputIOFormats"), "--outputIOFormats"),
        gpu_fallback=gpu_fallback, dla_core=dla_core, batch=batch,
        shapes=tuple(parse_shapes(spec_text(shapes, "--shapes")).items()), layer_device_overrides=tuple(overrides),
    )


def with_calibration_cache(config, path):
    """``config`` built with trtexec --calib=PATH: the cache is read so INT8 analysis knows which
    tensors have scales (a bad file raises ArtifactParseError)."""
    if not path:
        return config
    from ..layout import read_calibration_cache

    cache = read_calibration_cache(str(path))
    extra = tuple(e for e in config.extra if e[0] != "calib") + (("calib", str(path)),)
    return config.with_(calibrated=True, calib_tensors=frozenset(cache.scales), extra=extra)
