"""What `fix` writes beside a Q/DQ-free model: the calibration cache and the trtexec flags that use it."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..layout import format_calibration_cache, infer_scales, missing_scales


@dataclass(frozen=True)
class CalibrationOutput:
    """The calibration cache for a translated model and how to build with it.

    Attributes:
        cache: where the cache goes (``<model stem>_calib.cache`` beside the model).
        text: the cache's content.
        model_scales: scales copied from the model's Q/DQ pairs.
        inferred: tensors given their neighbour's scale through a range-keeping layer (max pooling,
            reshape, slice, nearest resize).
        unscaled: DLA tensors still without a scale (their layers are kept in FP16 by the flags).
        fp16_layers: ONNX nodes the flags keep in FP16.
        trtexec: the trtexec arguments that build the translated model on DLA with the cache.
    """

    cache: str
    text: str
    model_scales: int
    inferred: int
    unscaled: tuple[str, ...]
    fp16_layers: tuple[str, ...]
    trtexec: tuple[str, ...]

    def to_dict(self) -> dict:
        return {"cache": self.cache, "model_scales": self.model_scales, "inferred_scales": self.inferred,
                "unscaled_tensors": list(self.unscaled), "fp16_layers": list(self.fp16_layers),
                "trtexec": "trtexec " + " ".join(self.trtexec)}


def cache_path_for(model_out: str | os.PathLike) -> Path:
    p = Path(model_out)
    return p.with_name(f"{p.stem}_calib.cache")


def plan_calibration(scales: dict[str, float], model_out: str | os.PathLike, trt_version: str,
                     network=None, layout=None, dla_core: int = 0) -> CalibrationOutput:
    """The cache text and trtexec flags for ``scales`` (tensor → scale of the translated model).

    With the translated model's predicted ``layout``, scales pass through range-keeping layers and the
    DLA tensors left without one get their layers pinned to FP16 (``--layerPrecisions``), which is
    what TensorRT does to them anyway, stated so the build is reproducible.
    """
    inferred = infer_scales(network, scales) if network is not None else {}
    full = {**scales, **inferred}
    missing = missing_scales(layout, network, full) if network is not None and layout is not None else {}
    layer_names = dict.fromkeys(l for ls in missing.values() for l in ls)
    fp16 = tuple(dict.fromkeys(n for l in layer_names for n in (network.layers[l].onnx_nodes or [l])))
    cache = cache_path_for(model_out)
    flags = [f"--onnx={model_out}", "--int8", f"--calib={cache}", f"--useDLACore={dla_core}", "--allowGPUFallback"]
    if fp16:
        flags += ["--fp16", "--precisionConstraints=prefer", "--layerPrecisions=" + ",".join(f"{n}:fp16" for n in fp16)]
    return CalibrationOutput(cache=str(cache), text=format_calibration_cache(full, trt_version), model_scales=len(scales),
                             inferred=len(inferred), unscaled=tuple(missing), fp16_layers=fp16, trtexec=tuple(flags))


def write_text_atomic(text: str, path: str | os.PathLike) -> Path:
    """Write ``text`` to ``path`` through a temporary file in the same folder (no half-written cache)."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=str(target.parent))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
