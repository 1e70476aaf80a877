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

from ..errors import EXIT_OK, UsageError
from ..platforms import load_platform
from ._common import info
from ..api._options import build_config
from ._model_options import PRECISION, PRECISION_HELP
from ._types import SEED, tolerance


@click.command("split", help=__doc__)
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("-o", "--output", "out_dir", required=True, metavar="DIR", help="Folder for the two parts (created if missing).")
@click.option("--at", "at", default="auto", show_default=True, metavar="auto|TENSOR[,TENSOR...]",
              help="Where to cut: auto (largest DLA-clean prefix) or the tensors the DLA part hands over.")
@click.option("--precision", type=PRECISION, default="fp16", show_default=True, help=PRECISION_HELP)
@click.option("--platform", "platform", default=None, metavar="ID", help="DLA target (default orin-trt10).")
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
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Report format.")
def command(model, out_dir, at, precision, platform, shapes, dla_core, verify, atol, rtol, seed, device, power_mode,
            fmt) -> int:
    from .. import rewrite as rw

    config = build_config(precision=precision, shapes=shapes, batch=None, gpu_fallback=True, dla_core=dla_core)
    at_list = [t.strip() for t in (at or "auto").split(",") if t.strip()] or ["auto"]
    if "auto" in at_list and len(at_list) > 1:
        raise UsageError("--at mixes auto with tensor names", "Give --at auto, or only tensor names.")
    plat = load_platform(platform)
    result = rw.split_model(model, out_dir, plat, config, at=at_list, atol=atol, rtol=rtol, seed=seed, verify=verify)
    if verify and not result.verified:
        bad = [o for o in result.outputs if not o.match]
        detail = "; ".join(f"{o.name} {o.detail or f'differs by up to {o.max_abs_diff:.3g}'}" for o in bad)
        raise rw.VerificationFailed(f"the two parts do not reproduce the model: {detail}; nothing was written",
                                    "Report this as a bug with the model, or cut elsewhere with --at.")
    perf = _throughput(result, plat, config, device, power_mode)
    if fmt == "json":
        from ..report.split_report import render_split_json
        text = render_split_json(result, perf, plat.id)
    else:
        from ..report.split_report import render_split
        text = render_split(result, perf, plat.id)
    click.echo(text.rstrip("\n"))
    info(f"wrote {result.dla_path}" + (f" and {result.gpu_path}" if result.gpu_path else ""))
    return EXIT_OK


def _throughput(result, plat, config, device, power_mode) -> dict:
    """Modelled images/s: the two engines pipelined (one process) and the whole model on the GPU."""
    try:
        from ..layout import predict
        from ..perf import EngineSpec, estimate_concurrent, estimate_engine, load_device
        from ..perf._device import device_for_platform
    except ImportError:
        return {"note": "modelled throughput not shown: the performance model is not part of this installation"}
    dev = load_device(device_for_platform(plat, device), power_mode=power_mode)
    batch = next((s[0] for _, s in config.shapes), 1) if config.shapes else 1
    specs = [EngineSpec(result.dla_network, result.dla_layout, result.dla_config, device=f"dla{config.dla_core}",
                        batch=batch, name="DLA part")]
    if result.gpu_layout is not None:
        specs.append(EngineSpec(result.gpu_network, result.gpu_layout, result.gpu_config, device="gpu", batch=batch,
                                name="GPU part"))
    both = estimate_concurrent(specs, dev, one_process=True)
    gpu_cfg = config.with_(use_dla=False, gpu_fallback=False, layer_device_overrides=())
    whole = estimate_engine(EngineSpec(result.full_network, predict(result.full_network, plat, gpu_cfg), gpu_cfg,
                                       device="gpu", batch=batch, name="whole model on the GPU"), dev)
    stages = {e.name: float(e.images_per_s) for e in both.engines}
    return {
        "pipeline_images_per_s": min(stages.values()),
        "stages": stages,
        "whole_gpu_images_per_s": float(whole.images_per_s),
        "provenance": both.provenance.label(),
        "device": f"{dev.id} {dev.mode.name}",
    }
