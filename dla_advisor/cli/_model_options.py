"""Options shared by every command that analyses an ONNX model (advise, check, inspect --model, fix ...)."""

from __future__ import annotations

import click

from ._types import BATCH
from .._words import DEFAULT_PLATFORM
from ..errors import UsageError
from ..layout import DEFAULT_IO_FORMAT, PRECISION_SPECS, parse_precision


class PrecisionType(click.ParamType):
    """``--precision``: fp16, int8, int8,fp16 (= trtexec --int8 --fp16) or best (= --best)."""

    name = "precision"

    def get_metavar(self, param, ctx=None):
        return "[" + "|".join(PRECISION_SPECS) + "]"

    def convert(self, value, param, ctx):
        try:
            primary, allow_fp16, best = parse_precision(value)
        except UsageError as e:
            self.fail(e.one_line(), param, ctx)
        return "best" if best else ("int8,fp16" if allow_fp16 else primary)


PRECISION = PrecisionType()
PRECISION_HELP = ("Build precision as trtexec: fp16 (--fp16), int8 (--int8), int8,fp16 (--int8 --fp16: INT8 where "
                  "DLA has it, FP16 otherwise) or best (--best).")


def model_options(f):
    """--platform --precision --shapes --batch --inputIOFormats --outputIOFormats --[no-]gpu-fallback --useDLACore."""
    options = [
        click.option("--platform", "platform", default=None, metavar="ID|FILE.yaml",
                     help=f"DLA target (default {DEFAULT_PLATFORM}; list them with `dla-advisor platforms`), or your own "
                          "platform file that extends one."),
        click.option("--precision", type=PRECISION, default="fp16", show_default=True, help=PRECISION_HELP),
        click.option("--shapes", default=None, metavar="NAME:NxCxHxW[,...]",
                     help="Fix dynamic input shapes, as trtexec --shapes (e.g. input:32x3x224x224)."),
        click.option("--batch", type=BATCH, default=None,
                     help="Batch for the leading dynamic dim of inputs not named in --shapes."),
        click.option("--inputIOFormats", "input_io_formats", default=None, metavar="SPEC",
                     help=f"Network input formats as trtexec takes them, e.g. int8:dla_linear (default {DEFAULT_IO_FORMAT})."),
        click.option("--outputIOFormats", "output_io_formats", default=None, metavar="SPEC",
                     help=f"Network output formats, e.g. int8:dla_linear or fp16:chw16 (default {DEFAULT_IO_FORMAT})."),
        click.option("--gpu-fallback/--no-gpu-fallback", "gpu_fallback", default=True, show_default=True,
                     help="trtexec --allowGPUFallback; without it any non-DLA layer fails the build."),
        click.option("--useDLACore", "dla_core", type=click.IntRange(0, 1), default=0, show_default=True,
                     help="DLA core the engine is built for."),
        click.option("--layerDeviceTypes", "layer_device_types", default=None, metavar="NAME:GPU[,...]",
                     help="Force layers (TensorRT or ONNX node names) onto a device, as trtexec --layerDeviceTypes."),
    ]
    for opt in reversed(options):
        f = opt(f)
    return f


def model_kwargs(precision: str, shapes: str | None, batch: int | None, input_io_formats: str | None,
                 output_io_formats: str | None, gpu_fallback: bool, dla_core: int, layer_device_types: str | None = None,
                 **_ignored) -> dict:
    """The model options as the API's keyword arguments (``--inputIOFormats`` is ``input_formats`` ...)."""
    return {"precision": precision, "shapes": shapes, "batch": batch, "input_formats": input_io_formats,
            "output_formats": output_io_formats, "gpu_fallback": gpu_fallback, "dla_core": dla_core,
            "layer_device_types": layer_device_types}
