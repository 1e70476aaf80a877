"""Model the throughput and latency of engines running concurrently on a Jetson board.

--plan lists the engine instances that run at the same time, comma-separated:
DEVICE[:bs=N][:split=LAYER] with DEVICE gpu, dla0 or dla1. Example: "gpu:bs=8,dla0:bs=2,dla1:bs=2".
split=LAYER (DLA entries only, last) keeps the model up to and including LAYER on the DLA and runs
every later layer on the GPU (built with --layerDeviceTypes); LAYER is a TensorRT layer or ONNX node
name as `dla-advisor advise -v` lists it. Repeat an entry for two instances on one device.

--explain lists, per engine, each GPU kernel and DLA operation with its modelled time and what bounds
it (compute, memory traffic, or fixed overhead such as kernel ramp-up and launch gaps).

By default each engine runs in its own process (one trtexec each), and the GPU time-slices their
contexts; --one-process models engines served by one process on separate streams (DeepStream,
Triton, a custom multi-threaded app), which avoids that switching.

Every number is modelled, labelled with the device model and its calibration error.
"""

from __future__ import annotations

import click

from .._words import DEFAULT_DEVICE, DEFAULT_PLATFORM, DEFAULT_POWER_MODE
from ..perf import list_devices, load_device
from ..report import render
from ._common import format_option, info, output_option, write_report
from ._model_options import PRECISION, PRECISION_HELP


# The shipped device models and the default one's power modes, read from rules/devices/ for the help.
_DEVICES = [DEFAULT_DEVICE, *(d for d in list_devices() if d != DEFAULT_DEVICE)]
_POWER_MODES = load_device(DEFAULT_DEVICE).power_modes


@click.command("estimate", help=__doc__)
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("--device", default=None,
              help=f"Device model ({', '.join(_DEVICES)}) or a device YAML file "
                   "(default: the platform's board, e.g. xavier-agx for xavier-trt8.5).")
@click.option("--power-mode", default=None,
              help=f"Power mode of --device, e.g. {', '.join(_POWER_MODES)} (default: {DEFAULT_POWER_MODE}).")
@click.option("--plan", default="gpu,dla0,dla1", show_default=True, metavar="PLAN",
              help="Engines running together: DEVICE[:bs=N][:split=LAYER],... e.g. gpu:bs=8,dla0:bs=2,dla1:bs=2.")
@click.option("--platform", "platform", default=None, metavar="ID|FILE.yaml", help=f"DLA target (default {DEFAULT_PLATFORM}) or a platform file.")
@click.option("--precision", type=PRECISION, default="int8", show_default=True, help=PRECISION_HELP)
@click.option("--shapes", default=None, metavar="NAME:NxCxHxW[,...]", help="Fix dynamic input shapes, as trtexec --shapes.")
@click.option("--inputIOFormats", "input_io_formats", default=None, metavar="SPEC", help="Input formats, e.g. int8:dla_linear.")
@click.option("--outputIOFormats", "output_io_formats", default=None, metavar="SPEC", help="Output formats, e.g. int8:dla_linear.")
@format_option("estimate", help="Report format (html: one self-contained page; use -o FILE).")
@click.option("--one-process", is_flag=True,
              help="The engines run in one process (one CUDA context), not one process each.")
@click.option("--cuda-graph", "cuda_graphs", is_flag=True,
              help="The GPU engines run as CUDA graphs (trtexec --useCudaGraph, NVIDIA's MLPerf harness).")
@click.option("--noDataTransfers", "no_transfers", is_flag=True,
              help="No host<->device copy per inference (as trtexec --noDataTransfers; zero-copy input).")
@click.option("--explain", is_flag=True,
              help="Per kernel / DLA operation: its time and whether compute, memory or overhead bounds it.")
@click.option("-v", "--verbose", is_flag=True, help="Also show where each engine's time goes.")
@output_option
def command(model, device, power_mode, plan, platform, precision, shapes, input_io_formats, output_io_formats,
            fmt, one_process, cuda_graphs, no_transfers, explain, verbose, output) -> int:
    from .. import api

    result = api.estimate(model, plan, device=device, power_mode=power_mode, platform=platform, precision=precision,
                          shapes=shapes, input_formats=input_io_formats, output_formats=output_io_formats,
                          one_process=one_process, cuda_graphs=cuda_graphs, no_data_transfers=no_transfers,
                          explain=explain)
    text = render("estimate", fmt, result, one_process=one_process, verbose=verbose)
    write_report(text, output, inputs=[model])
    est = result.estimate
    info(f"total {est.total_images_per_s:.1f} images/s — {est.provenance.label()}")
    return 0
