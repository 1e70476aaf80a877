"""TensorRT's INT8 calibration cache: read one, write one, and say which DLA tensors lack a scale.

The format, as TensorRT's own trtexec reads it (``readScalesFromCalibrationCache`` in
samples/common/sampleEngines.cpp, tags 8.5.3 to v10.7.0,
https://github.com/NVIDIA/TensorRT/blob/v10.7.0/samples/common/sampleEngines.cpp): a text file, one
``<tensor name>: <hex>`` line per tensor, split at the *last* colon (tensor names may hold colons),
where ``<hex>`` is the 32-bit pattern of the float32 scale written as an 8-digit hexadecimal integer,
i.e. the big-endian bytes of the float. trtexec turns a scale into the dynamic range
``[-127 s, 127 s]``. The first line names the producer and algorithm,
``TRT-<version>-EntropyCalibration2``, where ``<version>`` is the number TensorRT prints in its
banner (``[TensorRT v8502]`` for 8.5.2, ``v100300`` for 10.3.0, as in cuDLA-samples issue 19's log
and NVIDIA's cache ``data/model/qat2ptq.cache`` headed ``TRT-8600-EntropyCalibration2``,
https://github.com/NVIDIA-AI-IOT/cuDLA-samples). EntropyCalibration2 is the calibrator DLA requires
(``IInt8EntropyCalibrator2`` reference). Whether a TensorRT release refuses a cache whose header names
another version was not found in any source; write the version you build with.
"""

from __future__ import annotations

import math
import os
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ArtifactParseError

ALGORITHM = "EntropyCalibration2"
_HEADER = re.compile(r"^TRT-(\d+)-(\w+)$")
_HEX = re.compile(r"^[0-9a-fA-F]{1,8}$")
MAX_CACHE_BYTES = 64 * 1024 * 1024  # a cache holds one short line per tensor; anything this big is not one


@dataclass(frozen=True)
class CalibrationCache:
    """The scales of a calibration cache.

    Attributes:
        scales: tensor name → scale (float32), in file order.
        version: the TensorRT version number of the header (``8502``), or None without a header.
        algorithm: the calibrator named in the header (``EntropyCalibration2``).
        path: where it was read from.
    """

    scales: dict[str, float] = field(default_factory=dict)
    version: int | None = None
    algorithm: str | None = None
    path: str = ""


def trt_version_number(version: str) -> int:
    """TensorRT's version number as its banner and cache header print it (``8.5.2`` → 8502, ``10.3`` → 100300).

    TensorRT 8.x packs major*1000 + minor*100 + patch, 10.x and later major*10000 + minor*100 + patch
    (trtexec banners ``[TensorRT v8502]``, ``[TensorRT v100300]``).
    """
    parts = [int(p) for p in re.findall(r"\d+", str(version))[:3]] + [0, 0, 0]
    major, minor, patch = parts[:3]
    return major * (10000 if major >= 10 else 1000) + minor * 100 + patch


def scale_hex(scale: float) -> str:
    """The 8 hex digits of a float32 scale's big-endian bytes, as TensorRT writes them."""
    return struct.pack(">f", scale).hex()


def format_calibration_cache(scales: dict[str, float], trt_version: str) -> str:
    """The text of a calibration cache holding ``scales`` for TensorRT ``trt_version``."""
    lines = [f"TRT-{trt_version_number(trt_version)}-{ALGORITHM}"]
    lines += [f"{name}: {scale_hex(s)}" for name, s in scales.items()]
    return "\n".join(lines) + "\n"


def read_calibration_cache(path: str | os.PathLike) -> CalibrationCache:
    """Read a TensorRT calibration cache.

    Raises:
        ArtifactParseError: missing, unreadable or binary file, a line that is not ``name: hex``,
            or a scale that is not a positive finite number.
    """
    p = Path(path)
    hint = "Pass the calibration cache TensorRT wrote (trtexec --calib / IInt8Calibrator.write_calibration_cache)."
    if not p.is_file():
        raise ArtifactParseError(f"calibration cache not found: {path}", "Check the path.", path=str(path))
    if p.stat().st_size > MAX_CACHE_BYTES:
        raise ArtifactParseError(f"{path} is too large to be a calibration cache", hint, path=str(path))
    try:
        text = p.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise ArtifactParseError(f"{path} is not a calibration cache (binary data)", hint, path=str(path)) from None
    except OSError as e:
        raise ArtifactParseError(f"cannot read {path}: {e.strerror}", "Check the file's permissions.", path=str(path)) from None
    scales: dict[str, float] = {}
    version = algorithm = None
    for no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        m = _HEADER.match(line)
        if m and no == 1:
            version, algorithm = int(m.group(1)), m.group(2)
            continue
        name, sep, value = line.rpartition(":")
        value = value.strip()
        if not sep or not name.strip() or not _HEX.match(value):
            raise ArtifactParseError(f"{path}:{no}: not a calibration cache line (want 'tensor: 3c010a14'): {line[:80]!r}",
                                     hint, path=str(path), line=no)
        scale = struct.unpack(">f", int(value, 16).to_bytes(4, "big"))[0]
        if not math.isfinite(scale) or scale <= 0:
            raise ArtifactParseError(f"{path}:{no}: scale of '{name.strip()}' is {scale!r}, not a positive number",
                                     "Regenerate the cache.", path=str(path), line=no)
        scales[name.strip()] = scale
    if not scales:
        raise ArtifactParseError(f"{path} holds no tensor scales", hint, path=str(path))
    return CalibrationCache(scales=scales, version=version, algorithm=algorithm, path=str(path))


# Layers whose output range is inside their input's, so the input's scale serves the output too
# (the DLA rule "pooling input and output scales must be equal" and TensorRT's own placeholder ranges
# copy the input range to pooling outputs; sampleEngines.cpp, v10.7.0).
_RANGE_KEEPING = {"Pooling": lambda l: l.attrs.get("type") == "MAX",
                  "Shuffle": lambda l: True, "Slice": lambda l: True,
                  "Resize": lambda l: str(l.attrs.get("mode", "nearest")).lower() == "nearest"}


def dla_int8_tensors(layout, network) -> dict[str, tuple[str, ...]]:
    """Every activation tensor a DLA layer reads or writes (by its ONNX name), with the DLA layers touching it.

    In INT8 every one of them needs a scale: a DLA loadable is compiled as one region, and a tensor
    without a scale makes TensorRT run its layers in FP16 or move them to the GPU (DLA-SW FAQ;
    Model-Optimizer PR 1661). A tensor the analyser made up (the 4-D output of a fully-connected layer
    before its implicit squeeze) is reported under the ONNX tensor it stands for.
    """
    if network is None:
        return {}
    real = {l.inputs[0]: l.outputs[0] for l in network if l.attrs.get("implicit") and l.inputs and l.outputs}
    out: dict[str, list[str]] = {}
    for p in layout.placements:
        if p.device != "DLA":
            continue
        layer = network.layers.get(p.name)
        if layer is None:
            continue
        for t in (*layer.inputs, *layer.outputs):
            if t in network.tensors:
                out.setdefault(real.get(t, t), []).append(layer.name)
    return {t: tuple(v) for t, v in out.items()}


def infer_scales(network, scales: dict[str, float]) -> dict[str, float]:
    """Scales for tensors the model leaves unscaled, passed through range-keeping layers.

    A max pooling, reshape, slice or nearest resize gives its output its input's scale; a max pooling
    also gives its input its output's scale, since DLA needs the two equal (TensorRT 8.4 guide), and so
    does a reshape/transpose, which holds the same values. The
    result holds only the new entries; ``scales`` is not changed.
    """
    inferred: dict[str, float] = {}
    known = dict(scales)
    for layer in network:
        check = _RANGE_KEEPING.get(layer.kind)
        if check is None or not layer.inputs or not layer.outputs or not check(layer) or layer.attrs.get("implicit"):
            continue  # an implicit layer's tensors are the analyser's own, not names TensorRT will see
        src, dst = layer.inputs[0], layer.outputs[0]
        if src in known and dst not in known:
            known[dst] = inferred[dst] = known[src]
        elif dst in known and src not in known and layer.kind in ("Pooling", "Shuffle"):
            known[src] = inferred[src] = known[dst]
    return inferred


def missing_scales(layout, network, scales) -> dict[str, tuple[str, ...]]:
    """DLA tensors (→ the DLA layers touching them) that ``scales`` (names) gives no scale."""
    have = set(scales)
    return {t: layers for t, layers in dla_int8_tensors(layout, network).items() if t not in have}
