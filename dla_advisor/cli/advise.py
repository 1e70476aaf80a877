"""Predict the engine layout of an ONNX model on a DLA target, with findings, fixes and estimates.

Prints every layer's device (DLA or GPU) and, for GPU layers, the constraint each breaks (platform
file key and source URL); the DLA loadables; the Reformat layers TensorRT will insert. Where the rule
engine and the performance model are installed, also the findings with exact fixes and modelled
throughput for GPU-only, one DLA and GPU + 2 DLA.

Exit code 0 (it is a report); use --fail-on to exit 1 on findings, or `dla-advisor check` as a gate.
"""

from __future__ import annotations

import importlib.util

import click

from ..errors import EXIT_FINDINGS, EXIT_OK
from ..graph import load_network
from ..layout import predict
from ..platforms import load_platform
from ._common import info, output_option, write_report
from ._model_options import build_config, model_options, with_calibration_cache

_SEVERITY = {"info": 0, "warning": 1, "error": 2}


@click.command("advise", help=__doc__)
@click.argument("model", type=click.Path(dir_okay=False))
@model_options
@click.option("--calib", default=None, metavar="CACHE",
              help="INT8 calibration cache the build uses (trtexec --calib); INT8 analysis then knows which tensors have scales.")
@click.option("--device", default=None,
              help="Device model for modelled throughput (default: the platform's board, e.g. xavier-agx for xavier-trt8.5).")
@click.option("--power-mode", default="MAXN", show_default=True, help="Power mode of --device.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Report format.")
@click.option("-v", "--verbose", is_flag=True, help="Also list every layer with its ONNX nodes.")
@click.option("--fail-on", type=click.Choice(["never", "info", "warning", "error"]), default="never", show_default=True,
              help="Exit 1 when a finding of this severity or higher is reported.")
@output_option
def command(model, platform, fmt, verbose, output, device, power_mode, fail_on, calib, **opts) -> int:
    config = with_calibration_cache(build_config(**opts), calib)
    plat = load_platform(platform)
    net = load_network(model, shapes=config.shapes_dict(), batch=config.batch)
    layout = predict(net, plat, config)
    findings = _findings(layout, net, plat, config)
    estimates = _estimates(net, plat, config, device, power_mode)

    if fmt == "json":
        from ..report.advise_json import advise_document, render_advise_json
        text = render_advise_json(advise_document(
            layout, model, findings=[_finding_dict(f) for f in findings] if findings is not None else None,
            estimates=[_estimate_dict(label, e) for label, e in estimates] if estimates is not None else None))
    else:
        from ..report.layout_text import render_layout
        text = render_layout(layout, verbose=verbose, model_path=model)
        if findings is not None:
            text += _render_findings_text(findings)
        if estimates is not None:
            text += _render_estimates_text(estimates)
    write_report(text, output, inputs=[model])
    s = layout.summary()
    info(f"{s['dla_loadables']} DLA loadable(s), {s['gpu_layers']} GPU layer(s), {s['reformats']} Reformat(s)"
         + (f", {len(findings)} finding(s)" if findings else ""))
    if fail_on != "never" and findings:
        worst = max(_SEVERITY.get(getattr(f, "severity", "info"), 0) for f in findings)
        if worst >= _SEVERITY[fail_on]:
            return EXIT_FINDINGS
    return EXIT_OK


def _findings(layout, net, plat, config):
    """Findings from the rule engine, or None where it is not part of this installation."""
    if importlib.util.find_spec("dla_advisor.advice") is None:
        return None
    from .. import advice
    if not hasattr(advice, "evaluate"):
        return None
    return advice.evaluate(layout, net, plat, config)


def _estimates(net, plat, config, device, power_mode):
    if importlib.util.find_spec("dla_advisor.perf") is None:
        return None
    from .. import perf
    if not hasattr(perf, "standard_scenarios"):
        return None
    dev = perf.load_device(perf.device_for_platform(plat, device), power_mode=power_mode)
    return perf.standard_scenarios(net, plat, config, dev)


def _finding_dict(f) -> dict:
    return f.to_dict() if hasattr(f, "to_dict") else dict(vars(f))


def _estimate_dict(label, est) -> dict:
    d = est.to_dict() if hasattr(est, "to_dict") else {"total_images_per_s": getattr(est, "total_images_per_s", None)}
    d["scenario"] = label
    return d


def _render_findings_text(findings) -> str:
    from ..report import findings_text
    return "\n" + findings_text.render(findings)


def _render_estimates_text(estimates) -> str:
    from ..report import estimate_text
    return "\n" + estimate_text.render_scenarios(estimates)
