"""Options shared by every command that analyses an ONNX model (advise, check, inspect --model, fix ...)."""

from __future__ import annotations

import click


def model_options(f):
    """--platform --precision --shapes --batch --inputIOFormats --outputIOFormats --[no-]gpu-fallback --useDLACore."""
    options = [
        click.option("--platform", "platform", default=None, metavar="ID|FILE.yaml",
                     help="DLA target (default orin-trt10; list them with `dla-advisor platforms`), or your own "
                          "platform file that extends one."),
        click.option("--precision", type=click.Choice(["int8", "fp16"]), default="fp16", show_default=True,
                     help="Build precision (trtexec --int8 / --fp16; trtexec picks FP16 for DLA by default)."),
        click.option("--shapes", default=None, metavar="NAME:NxCxHxW[,...]",
                     help="Fix dynamic input shapes, as trtexec --shapes (e.g. input:32x3x224x224)."),
        click.option("--batch", type=click.IntRange(min=1), default=None,
                     help="Batch for the leading dynamic dim of inputs not named in --shapes."),
        click.option("--inputIOFormats", "input_io_formats", default=None, metavar="SPEC",
                     help="Network input formats as trtexec takes them, e.g. int8:dla_linear (default fp32:chw)."),
        click.option("--outputIOFormats", "output_io_formats", default=None, metavar="SPEC",
                     help="Network output formats, e.g. int8:dla_linear or fp16:chw16 (default fp32:chw)."),
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
