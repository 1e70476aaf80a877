"""BuildConfig: the knobs of one TensorRT build, and parsers for trtexec-style option strings.

A BuildConfig maps 1:1 to trtexec flags (:meth:`BuildConfig.trtexec_flags`), so every plan the tool
prints can be reproduced on a board.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from .._limits import MAX_DIM, MAX_RANK
from ..errors import UsageError

IO_TYPES = ("fp32", "fp16", "bf16", "int32", "int64", "int8", "uint8", "bool")
IO_LAYOUTS = ("chw", "chw2", "chw4", "hwc8", "chw16", "chw32", "dhwc8", "cdhw32", "hwc", "dla_linear", "dla_hwc4")
PRECISIONS = ("fp16", "int8")
# What ``--precision`` accepts, as trtexec builds: ``int8,fp16`` = ``--int8 --fp16``, ``best`` = ``--best``.
PRECISION_SPECS = ("fp16", "int8", "int8,fp16", "best")


def parse_precision(spec: str) -> tuple[str, bool, bool]:
    """``(primary, allow_fp16, best)`` of a ``--precision`` value.

    ``primary`` is the precision a DLA layer runs in when it can (INT8 whenever INT8 is enabled);
    ``allow_fp16`` lets layers without INT8 support run in FP16 instead of leaving DLA.

    Raises:
        UsageError: an unknown value.
    """
    text = str(spec).strip().lower().replace(" ", "")
    if text == "best":
        return "int8", True, True
    parts = set(text.replace("+", ",").split(","))
    if parts == {"int8", "fp16"}:
        return "int8", True, False
    if len(parts) == 1 and text in PRECISIONS:
        return text, False, False
    raise UsageError(f"unknown precision '{spec}'",
                     "Use --precision fp16, int8, int8,fp16 (trtexec --int8 --fp16) or best (trtexec --best).")
BYTES_PER_ELEMENT = {"fp32": 4, "fp16": 2, "bf16": 2, "int32": 4, "int64": 8, "int8": 1, "uint8": 1, "bool": 1}


@dataclass(frozen=True)
class IOFormat:
    """One ``type:layout`` entry of ``--inputIOFormats`` / ``--outputIOFormats``."""

    dtype: str = "fp32"
    layout: str = "chw"

    def __str__(self) -> str:
        return f"{self.dtype}:{self.layout}"

    @property
    def bytes_per_element(self) -> int:
        return BYTES_PER_ELEMENT[self.dtype]


# What a binding is when --inputIOFormats/--outputIOFormats leave it out: trtexec's ``fp32:chw``
# (https://github.com/NVIDIA/TensorRT/blob/v10.7.0/samples/common/sampleOptions.cpp); IOFormat's defaults.
DEFAULT_IO_FORMAT = IOFormat()

# The feature layout DLA computes in per precision (kCHW16 for FP16, kCHW32 for INT8). GPU engines read
# them too, so a hand-over in one needs no Reformat on either side:
# https://docs.nvidia.com/deeplearning/tensorrt/latest/inference-library/dla-runtime-configuration.html
# https://github.com/NVIDIA/TensorRT/blob/v10.7.0/include/NvInferRuntime.h (TensorFormat)
DLA_FEATURE_LAYOUT = {"fp16": "chw16", "int8": "chw32"}


def parse_io_formats(spec: str | None, option: str = "--inputIOFormats") -> tuple[IOFormat, ...]:
    """Parse trtexec's ``type:fmt[+fmt][,type:fmt...]`` syntax; the first layout of each entry wins."""
    if spec is None or spec.strip() == "":
        return ()
    out = []
    for entry in spec.split(","):
        entry = entry.strip()
        m = re.fullmatch(r"([a-z0-9]+):([a-z0-9_+]+)", entry)
        if not m:
            raise UsageError(
                f"{option}: cannot read '{entry}'",
                f"Write type:layout, e.g. {option}=int8:dla_linear (types: {', '.join(IO_TYPES)}).",
            )
        dtype, layouts = m.group(1), m.group(2).split("+")
        if dtype not in IO_TYPES:
            raise UsageError(f"{option}: unknown type '{dtype}'", f"Use one of: {', '.join(IO_TYPES)}.")
        for lay in layouts:
            if lay not in IO_LAYOUTS:
                raise UsageError(f"{option}: unknown layout '{lay}'", f"Use one of: {', '.join(IO_LAYOUTS)}.")
        out.append(IOFormat(dtype, layouts[0]))
    return tuple(out)


def parse_shapes(spec: str | None) -> dict[str, tuple[int, ...]]:
    """Parse trtexec's ``--shapes=name:1x3x224x224[,name2:...]``."""
    if spec is None or spec.strip() == "":
        return {}
    shapes: dict[str, tuple[int, ...]] = {}
    for entry in spec.split(","):
        entry = entry.strip()
        name, sep, dims = entry.rpartition(":")
        if not sep or not name or len(dims) > 200 or not re.fullmatch(r"\d+(x\d+)*", dims):
            raise UsageError(
                f"--shapes: cannot read '{entry}'",
                "Write input_name:NxCxHxW, e.g. --shapes=input:32x3x224x224.",
            )
        values = tuple(int(d) for d in dims.split("x"))
        if any(v <= 0 for v in values):
            raise UsageError(f"--shapes: '{entry}' has a zero dimension", "Every dimension must be at least 1.")
        if any(v > MAX_DIM for v in values) or len(values) > MAX_RANK:
            raise UsageError(f"--shapes: '{entry}' has more than {MAX_RANK} dims or a dimension over {MAX_DIM}",
                             "TensorRT tensors have at most 8 dims of at most 2**31-1 each.")
        shapes[name.strip("'\"")] = values
    return shapes


@dataclass(frozen=True)
class BuildConfig:
    """The knobs of one build (trtexec flags in brackets).

    Attributes:
        precision: ``int8`` (``--int8``) or ``fp16`` (``--fp16``, trtexec's default for DLA); the
            precision a DLA layer runs in when it can. ``int8,fp16`` and ``best`` are accepted too and
            become ``int8`` with ``allow_fp16`` (and ``best``) set.
        allow_fp16: FP16 enabled next to INT8 (``--int8 --fp16``): a layer DLA cannot run in INT8 runs in
            FP16 on DLA instead of moving to the GPU.
        best: build with ``--best`` (all precisions enabled; on DLA the same as ``--int8 --fp16``).
        input_formats / output_formats: per-binding formats; one entry is broadcast to all.
        gpu_fallback: ``--allowGPUFallback``.
        use_dla: build for DLA (``--useDLACore``); False means a GPU-only engine.
        dla_core: which core.
        batch: batch size used for analysis (the leading dim of inputs given no --shapes).
        shapes: fixed shapes for dynamic inputs (``--shapes``).
        layer_device_overrides: ``--layerDeviceTypes`` (layer name → ``GPU``/``DLA``).
        dla_sram_mib: ``--memPoolSize=dlaSRAM:X``.
        calibrated: INT8 with a real calibration cache (``--calib``) rather than trtexec's placeholders.
        calib_tensors: the tensors that cache gives a scale, where it was read (None: not read).
    """

    precision: str = "fp16"
    allow_fp16: bool = False
    best: bool = False
    input_formats: tuple[IOFormat, ...] = ()
    output_formats: tuple[IOFormat, ...] = ()
    gpu_fallback: bool = True
    use_dla: bool = True
    dla_core: int = 0
    batch: int | None = None
    shapes: tuple[tuple[str, tuple[int, ...]], ...] = ()
    layer_device_overrides: tuple[tuple[str, str], ...] = ()
    dla_sram_mib: float | None = None
    calibrated: bool = False
    calib_tensors: frozenset[str] | None = None
    extra: tuple[tuple[str, str], ...] = field(default=())

    def __post_init__(self):
        primary, allow_fp16, best = parse_precision(self.precision)
        object.__setattr__(self, "precision", primary)
        object.__setattr__(self, "best", bool(self.best or best))
        # FP16 next to FP16 says nothing; FP16 next to INT8 (or --best) is mixed precision.
        object.__setattr__(self, "allow_fp16", primary == "int8" and bool(self.allow_fp16 or allow_fp16 or self.best))

    @property
    def precisions(self) -> tuple[str, ...]:
        """Enabled DLA compute precisions, preferred first (INT8 before FP16)."""
        return ("int8", "fp16") if self.allow_fp16 else (self.precision,)

    @property
    def precision_spec(self) -> str:
        """The ``--precision`` value that gives this build: ``fp16``, ``int8``, ``int8,fp16`` or ``best``."""
        if self.best:
            return "best"
        return "int8,fp16" if self.allow_fp16 else self.precision

    def precision_flags(self) -> list[str]:
        """trtexec's precision flags for this build."""
        if self.best:
            return ["--best"]
        return ["--int8", "--fp16"] if self.allow_fp16 else [f"--{self.precision}"]

    def input_format(self, index: int) -> IOFormat:
        return _pick(self.input_formats, index)

    def output_format(self, index: int) -> IOFormat:
        return _pick(self.output_formats, index)

    def shapes_dict(self) -> dict[str, tuple[int, ...]]:
        return dict(self.shapes)

    def with_(self, **changes) -> "BuildConfig":
        return replace(self, **changes)

    def trtexec_flags(self, model_path: str = "model.onnx") -> list[str]:
        """The trtexec arguments that build exactly this configuration."""
        flags = [f"--onnx={model_path}", *self.precision_flags()]
        if self.use_dla:
            flags.append(f"--useDLACore={self.dla_core}")
            if self.gpu_fallback:
                flags.append("--allowGPUFallback")
        if self.shapes:
            flags.append("--shapes=" + ",".join(f"{n}:{'x'.join(map(str, s))}" for n, s in self.shapes))
        if self.input_formats:
            flags.append("--inputIOFormats=" + ",".join(map(str, self.input_formats)))
        if self.output_formats:
            flags.append("--outputIOFormats=" + ",".join(map(str, self.output_formats)))
        if self.layer_device_overrides:
            flags.append("--layerDeviceTypes=" + ",".join(f"{n}:{d}" for n, d in self.layer_device_overrides))
        if self.dla_sram_mib is not None:
            flags.append(f"--memPoolSize=dlaSRAM:{self.dla_sram_mib:g}")
        return flags


def _pick(formats: tuple[IOFormat, ...], index: int) -> IOFormat:
    if not formats:
        return DEFAULT_IO_FORMAT
    if len(formats) == 1:
        return formats[0]
    return formats[index] if index < len(formats) else DEFAULT_IO_FORMAT
