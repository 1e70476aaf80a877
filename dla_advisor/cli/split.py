"""Split a model into a DLA part and a GPU part: two engines that hand over in DLA-native formats.

Writes DIR/<stem>.dla.onnx (the largest prefix TensorRT keeps in one DLA loadable with no GPU
layer) and DIR/<stem>.gpu.onnx (the rest; the tensors crossing the cut, and network inputs the rest
reads directly, are its inputs). Runs both parts in sequence with onnxruntime and compares every
output with the original. Where the model has no weights (a weight-free export), verification uses
seeded random weights and says so; the written parts then refer to the same weight file the input did.
Prints the trtexec commands for both engines, the formats at the cut, and the modelled throughput
of the two engines pipelined next to the whole model on the GPU. Never writes over its input.
"""

from __future__ import annotations

import click

from .._words import DEFAULT_PLATFORM
from ..errors import EXIT_OK
from ..report import render
from ._common import format_option, info
from ._model_options import PRECISION, PRECISION_HELP
from ._types import SEED, tolerance


@click.command("split", help=__doc__)
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("-o", "--output", "out_dir", required=True, metavar="DIR", help="Folder for the two parts (created if missing).")
@click.option("--at", "at", default="auto", show_default=True, metavar="auto|TENSOR[,TENSOR...]",
              help="Where to cut: auto (largest DLA-clean prefix) or the tensors the DLA part hands over.")
@click.option("--precision", type=PRECISION, default="fp16", show_default=True, help=PRECISION_HELP)
@click.option("--platform", "platform", default=None, metavar="ID|FILE.yaml", help=f"DLA target (default {DEFAULT_PLATFORM}) or a platform file.")
@click.option("--shapes", default=None, metavar="NAME:NxCxHxW[,...]", help="Fix dynamic input shapes, as trtexec --shapes.")
@click.option("--useDLACore", "dla_core", type=click.IntRange(0, 1), default=0, show_default=True,
              help="DLA core the DLA engine is built for.")
@click.option("--verify/--no-verify", default=True, show_default=True,
              help="Check with onnxruntime that the two parts in sequence compute the original outputs.")
@click.option("--atol", type=tolerance(), default=1e-3, show_default=True, help="Absolute tolerance.")
@click.option("--rtol", type=tolerance(), default=1e-3, show_default=True, help="Relative tolerance.")
@click.option("--seed", type=SEED, default=0, show_default=True, help="Seed of the random inputs (and of random weights).")
@click.option("--device", default=None, help="Device model for the modelled throughput (default: the platform's board).")
@click.option("--power-mode", default=None, help="Power mode of --device (default: the device file's default).")
@format_option("split")
def command(model, out_dir, at, precision, platform, shapes, dla_core, verify, atol, rtol, seed, device, power_mode,
            fmt) -> int:
    from .. import api

    result = api.split(model, out_dir, at=at, precision=precision, platform=platform, shapes=shapes,
                       dla_core=dla_core, verify=verify, atol=atol, rtol=rtol, seed=seed, device=device,
                       power_mode=power_mode)
    text = render("split", fmt, result)
    click.echo(text.rstrip("\n"))
    info(f"wrote {result.dla_path}" + (f" and {result.gpu_path}" if result.gpu_path else ""))
    return EXIT_OK
