"""Predict the engine layout of an ONNX model on a DLA target, with findings, fixes and estimates.

Prints every layer's device (DLA or GPU) and, for GPU layers, the constraint each breaks (platform
file key and source URL); the DLA loadables; the Reformat layers TensorRT will insert. Where the rule
engine and the performance model are installed, also the findings with exact fixes and modelled
throughput for GPU-only, one DLA and GPU + 2 DLA.

Exit code 0 (it is a report); use --fail-on to exit 1 on findings, or `dla-advisor check` as a gate.
"""

from __future__ import annotations

import click

from .._words import DEFAULT_POWER_MODE, SEVERITIES
from ..errors import EXIT_FINDINGS, EXIT_OK
from ..report import render
from ._common import format_option, info, output_option, write_report
from ._model_options import model_kwargs, model_options


@click.command("advise", help=__doc__)
@click.argument("model", type=click.Path(dir_okay=False))
@model_options
@click.option("--calib", default=None, metavar="CACHE",
              help="INT8 calibration cache the build uses (trtexec --calib); INT8 analysis then knows which tensors have scales.")
@click.option("--device", default=None,
              help="Device model for modelled throughput (default: the platform's board, e.g. xavier-agx for xavier-trt8.5).")
@click.option("--power-mode", default=DEFAULT_POWER_MODE, show_default=True, help="Power mode of --device.")
@format_option("advise", help="Report format (html: one self-contained page with the layout graph; use -o FILE).")
@click.option("-v", "--verbose", is_flag=True, help="Also list every layer with its ONNX nodes.")
@click.option("--fail-on", type=click.Choice(["never", *SEVERITIES]), default="never", show_default=True,
              help="Exit 1 when a finding of this severity or higher is reported.")
@output_option
def command(model, platform, fmt, verbose, output, device, power_mode, fail_on, calib, **opts) -> int:
    from .. import api

    result = api.advise(model, platform=platform, calib=calib, device=device, power_mode=power_mode,
                        **model_kwargs(**opts))
    text = render("advise", fmt, result, verbose=verbose)
    write_report(text, output, inputs=[model, *([calib] if calib else [])])
    s = result.summary
    info(f"{s['dla_loadables']} DLA loadable(s), {s['gpu_layers']} GPU layer(s), {s['reformats']} Reformat(s)"
         + (f", {len(result.findings)} finding(s)" if result.findings else ""))
    return EXIT_FINDINGS if result.fails(fail_on) else EXIT_OK

