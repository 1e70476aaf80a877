"""Rewrite an ONNX model so more of it runs on DLA, prove it computes the same, and write it to -o.

Applies semantics-preserving graph rewrites (see --list for each one, when it applies and why it is
exact), runs the original and the rewritten model with onnxruntime on seeded random inputs, and
writes the result only when every output matches within --atol + --rtol * |reference|. The input
file is never modified or overwritten. Prints DLA loadables, GPU layers and Reformats before and
after (predicted for --platform and --precision), and modelled throughput where the performance
model is installed.

qdq-to-calib turns an explicitly quantized (Q/DQ) model into what DLA takes: the model without Q/DQ
nodes, plus FIXED_calib.cache beside it (TensorRT's calibration-cache format, the model's own scales)
and the trtexec flags that build it. It is checked against the Q/DQ model within the quantization
error (--qdq-tolerance, relative RMS) instead of bit for bit.

Needs onnxruntime: pip install 'dla-advisor[verify]'. Exit code 0 when the model was written, 2 on
bad input, a model onnxruntime cannot run, or a rewrite that would change the outputs.
"""

from __future__ import annotations

import click

from .._words import DEFAULT_PLATFORM
from ..errors import EXIT_OK, UsageError
from ._types import SEED, tolerance
from ..report import render
from ._common import format_option, info
from ._model_options import PRECISION, PRECISION_HELP


@click.command("fix", help=__doc__)
@click.argument("model", type=click.Path(dir_okay=False), required=False)
@click.option("-o", "--output", "output", default=None, metavar="FIXED.onnx", help="Where to write the fixed model.")
@click.option("--platform", "platform", default=None, metavar="ID|FILE.yaml",
              help=f"DLA target (or platform file) whose limits the rewrites aim for (default {DEFAULT_PLATFORM}).")
@click.option("--rewrites", default=None, metavar="NAME[,NAME...]", help="Run only these rewrites (default: all).")
@click.option("--list", "list_only", is_flag=True, help="List the rewrites with when they apply and why they are exact.")
@click.option("--shapes", default=None, metavar="NAME:NxCxHxW[,...]",
              help="Shapes for dynamic inputs, used for verification and the before/after layout (default 1).")
@click.option("--precision", type=PRECISION, default="int8", show_default=True,
              help="Build precision for the before/after layout: " + PRECISION_HELP)
@click.option("--atol", type=tolerance(), default=1e-4, show_default=True, help="Absolute tolerance.")
@click.option("--rtol", type=tolerance(), default=1e-4, show_default=True, help="Relative tolerance.")
@click.option("--seed", type=SEED, default=0, show_default=True, help="Seed of the random verification inputs.")
@click.option("--qdq-tolerance", type=tolerance(), default=0.1, show_default=True,
              help="qdq-to-calib: largest relative RMS error allowed between the Q/DQ-free and the Q/DQ model.")
@click.option("--trt-version", default=None, metavar="X.Y.Z",
              help="qdq-to-calib: TensorRT version named in the cache header (default: the platform's newest).")
@click.option("--device", default=None, help="Device model for modelled throughput (default: the platform's board).")
@click.option("--power-mode", default=None, help="Power mode of --device (default: the device file's default).")
@format_option("fix")
def command(model, output, platform, rewrites, list_only, shapes, precision, atol, rtol, seed, qdq_tolerance,
            trt_version, device, power_mode, fmt) -> int:
    from .. import rewrite as rw

    selected = rw.select(rewrites)
    if list_only:
        _emit(render("rewrites", fmt, selected))
        return EXIT_OK
    if not model:
        raise UsageError("missing MODEL", "Usage: dla-advisor fix MODEL.onnx -o FIXED.onnx (or --list).")
    if not output:
        raise UsageError("missing -o FIXED.onnx", "Say where to write the fixed model; the input is never overwritten.")
    from .. import api

    result = api.fix(model, output, platform=platform, rewrites=rewrites, shapes=shapes, precision=precision,
                     atol=atol, rtol=rtol, seed=seed, qdq_tolerance=qdq_tolerance, trt_version=trt_version,
                     device=device, power_mode=power_mode)
    report = result.report
    _emit(render("fix", fmt, result))
    check = report.verification
    info(f"wrote {report.output}: {report.changed} site(s) rewritten, "
         f"outputs match (max |diff| {check.max_abs_diff:.3g})")
    return EXIT_OK


def _emit(text: str) -> None:
    click.echo(text.rstrip("\n"))

