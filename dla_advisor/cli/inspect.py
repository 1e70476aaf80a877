"""Read what TensorRT produced for ONE engine and show its real layout and numbers.

FILE... is any mix of a trtexec or builder log, --exportLayerInfo JSON, --exportProfile JSON,
--exportTimes JSON, a --dumpProfile table, or (with TensorRT installed) the serialized engine. Shows
the DLA loadables, the GPU layers with TensorRT's own reasons (as dla-advisor reason ids), the
Reformat layers by kind, and the measurements (throughput, latency percentiles, per-layer time, DLA
vs GPU share). With --model, the prediction for that model is shown next to reality, layer by layer,
with the layers where the prediction was wrong.

Exit code 0, or 2 on bad input (a file that is no TensorRT artifact names the kinds accepted).
"""

from __future__ import annotations

import click

from ..errors import EXIT_OK
from ..report import render
from ._common import format_option, info, output_option, write_report
from ._model_options import model_kwargs, model_options


@click.command("inspect", help=__doc__)
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--model", "model", default=None, type=click.Path(dir_okay=False),
              help="The ONNX model the engine was built from: compare the prediction with the artifacts.")
@model_options
@format_option("inspect", help="Report format (html: one self-contained page with the layout graphs; use -o FILE).")
@output_option
def command(files, model, platform, fmt, output, **opts) -> int:
    from .. import api

    result = api.inspect(list(files), model=model, platform=platform, **model_kwargs(**opts))
    text = render("inspect", fmt, result)
    write_report(text, output, inputs=[*files, *([model] if model else [])])
    c = result.read.counts
    shown = lambda v: "not shown" if v is None else str(v)  # noqa: E731
    summary = (f"DLA loadables {shown(c['dla_loadables'])}, GPU layers {shown(c['gpu_layers'])}, "
               f"Reformats {shown(c['reformats'])} read")
    if len(result.read.builds) > 1:
        summary += f" (first of {len(result.read.builds)} builds in the log)"
    diff = result.comparison
    if diff is not None:
        summary += "; prediction matches" if diff.matches else f"; prediction wrong for {len(diff.wrong)} layer(s)"
    info(summary)
    return EXIT_OK
