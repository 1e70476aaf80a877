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

from pathlib import Path

import click

from ..errors import EXIT_OK, UsageError
from ..graph import read_model
from ..layout import BuildConfig, parse_shapes
from ..platforms import load_platform
from ._common import info

RENDERERS = ("text", "json")


@click.command("fix", help=__doc__)
@click.argument("model", type=click.Path(dir_okay=False), required=False)
@click.option("-o", "--output", "output", default=None, metavar="FIXED.onnx", help="Where to write the fixed model.")
@click.option("--platform", "platform", default=None, metavar="ID|FILE.yaml",
              help="DLA target (or platform file) whose limits the rewrites aim for (default orin-trt10).")
@click.option("--rewrites", default=None, metavar="NAME[,NAME...]", help="Run only these rewrites (default: all).")
@click.option("--list", "list_only", is_flag=True, help="List the rewrites with when they apply and why they are exact.")
@click.option("--shapes", default=None, metavar="NAME:NxCxHxW[,...]",
              help="Shapes for dynamic inputs, used for verification and the before/after layout (default 1).")
@click.option("--precision", type=click.Choice(["int8", "fp16"]), default="int8", show_default=True,
              help="Build precision for the before/after layout.")
@click.option("--atol", type=click.FloatRange(min=0), default=1e-4, show_default=True, help="Absolute tolerance.")
@click.option("--rtol", type=click.FloatRange(min=0), default=1e-4, show_default=True, help="Relative tolerance.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the random verification inputs.")
@click.option("--qdq-tolerance", type=click.FloatRange(min=0), default=0.1, show_default=True,
              help="qdq-to-calib: largest relative RMS error allowed between the Q/DQ-free and the Q/DQ model.")
@click.option("--trt-version", default=None, metavar="X.Y.Z",
              help="qdq-to-calib: TensorRT version named in the cache header (default: the platform's newest).")
@click.option("--device", default=None, help="Device model for modelled throughput (default: the platform's board).")
@click.option("--power-mode", default=None, help="Power mode of --device (default: the device file's default).")
@click.option("--format", "fmt", type=click.Choice(RENDERERS), default="text", show_default=True, help="Report format.")
def command(model, output, platform, rewrites, list_only, shapes, precision, atol, rtol, seed, qdq_tolerance,
            trt_version, device, power_mode, fmt) -> int:
    from .. import rewrite as rw

    selected = rw.select(rewrites)
    if list_only:
        _emit(_render_list(selected, fmt))
        return EXIT_OK
    if not model:
        raise UsageError("missing MODEL", "Usage: dla-advisor fix MODEL.onnx -o FIXED.onnx (or --list).")
    if not output:
        raise UsageError("missing -o FIXED.onnx", "Say where to write the fixed model; the input is never overwritten.")
    proto_no_weights = read_model(model)
    out_path = rw.check_output_path(output, [model, *rw.external_data_files(proto_no_weights, model)])
    rw.require_onnxruntime()
    plat = load_platform(platform)
    shape_map = parse_shapes(shapes)
    config = BuildConfig(precision=precision, shapes=tuple(shape_map.items()))

    original = rw.load_model_with_weights(model)
    result, check = rw.rewrite_and_verify(original, selected, rw.limits_from_platform(plat), shapes=shape_map,
                                          atol=atol, rtol=rtol, seed=seed, qdq_tolerance=qdq_tolerance)
    before, after, layout_note = _layouts(original, result.model, plat, config, Path(model).stem)
    tp_before, tp_after, perf_note = _throughputs(before, after, config, device, power_mode, plat)
    calibration = None
    scales = result.extras.get("int8_scales")
    if scales:
        calibration = rw.plan_calibration(scales, out_path, trt_version or plat.trt_max,
                                          network=after[0] if after else None, layout=after[1] if after else None)
        rw.check_output_path(calibration.cache, [model, *rw.external_data_files(proto_no_weights, model)])
    written = rw.save_model_atomic(result.model, out_path)
    if calibration is not None:
        written = [*written, rw.write_text_atomic(calibration.text, calibration.cache)]

    report = rw.FixReport(model=str(model), output=str(out_path), platform=plat.id, precision=precision,
                          sites=result.sites, notes=result.notes, verification=check,
                          before=before[1] if before else None, after=after[1] if after else None,
                          layout_note=layout_note, throughput_before=tp_before, throughput_after=tp_after,
                          perf_note=perf_note, written=tuple(str(p) for p in written), calibration=calibration,
                          quant_check=result.extras.get("quant_check"))
    if fmt == "json":
        from ..report.fix_json import render_fix_json
        _emit(render_fix_json(report))
    else:
        from ..report.fix_text import render_fix
        _emit(render_fix(report))
    info(f"wrote {out_path}: {result.changed} site(s) rewritten, outputs match (max |diff| {check.max_abs_diff:.3g})")
    return EXIT_OK


def _emit(text: str) -> None:
    click.echo(text.rstrip("\n"))


def _render_list(selected, fmt: str) -> str:
    if fmt == "json":
        from ..report.fix_json import render_rewrite_list_json
        return render_rewrite_list_json(selected)
    from ..report.fix_text import render_rewrite_list
    return render_rewrite_list(selected)


def _layouts(original, rewritten, plat, config, name):
    """(network, layout) before and after, or a note saying why there are none."""
    from .. import rewrite as rw
    from ..errors import DlaAdvisorError
    try:
        before, after = rw.predicted_layouts(original, rewritten, plat, config, name=name)
    except DlaAdvisorError as e:
        return None, None, f"no before/after layout: {e.one_line()}"
    return before, after, ""


def _throughputs(before, after, config, device, power_mode, plat=None):
    """Modelled images/s of one DLA engine before and after, where the performance model is installed."""
    try:
        from ..perf import EngineSpec, device_for_platform, estimate_engine, load_device
    except ImportError:
        return None, None, ("modelled throughput not shown: the performance model (dla_advisor.perf) is not part "
                            "of this installation")
    if before is None or after is None:
        return None, None, "modelled throughput not shown: no predicted layout"
    from ..rewrite import Throughput
    dev = load_device(device_for_platform(plat, device), power_mode=power_mode)
    batch = next((s[0] for _, s in config.shapes), 1) if config.shapes else 1
    out = []
    for net, layout in (before, after):
        est = estimate_engine(EngineSpec(net, layout, config, device="dla0", batch=batch), dev)
        out.append(Throughput(float(est.images_per_s), est.provenance.label()))
    return out[0], out[1], ""
