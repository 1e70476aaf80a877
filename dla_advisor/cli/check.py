"""CI gate: check models (ONNX) or TensorRT artifacts (logs, layer-info JSON) against the DLA rules.

ONNX models are analysed statically for the --platform and build options given; artifacts are read
as the real engine TensorRT built. Exit code 0 when clean, 1 when a finding is at or above --fail-on,
2 on bad input. Defaults can be set in [tool.dla-advisor] of pyproject.toml. Explain a rule with
`dla-advisor rules ID`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click
from click.core import ParameterSource

from .. import __version__
from ..errors import EXIT_FINDINGS, EXIT_OK, UsageError
from ..report._findings import RENDERERS, CheckedInput, CheckReport, get_renderer
from ._common import info, output_option, write_report
from ._config import load_tool_config, split_ids
from ._model_options import build_config, model_options, with_calibration_cache

MODEL_SUFFIXES = (".onnx",)


@dataclass(frozen=True)
class Options:
    """Resolved options: command line over [tool.dla-advisor] over built-in defaults."""

    inputs: tuple[str, ...]
    platform: str | None
    fail_on: str
    select: tuple[str, ...]
    ignore: tuple[str, ...]
    budgets: tuple[tuple[str, int | None], ...]
    rule_dirs: tuple[str, ...]
    fmt: str
    output: str
    model_opts: dict


@click.command("check", help=__doc__)
@click.argument("inputs", nargs=-1, required=True, type=click.Path(dir_okay=False), metavar="MODEL_OR_ARTIFACT...")
@model_options
@click.option("--calib", default=None, metavar="FILE", help="INT8 calibration cache the build uses (trtexec --calib).")
@click.option("--useCudaGraph", "use_cuda_graph", is_flag=True, help="The engine will run with trtexec --useCudaGraph.")
@click.option("--directIO", "direct_io", is_flag=True, help="The build uses trtexec --directIO.")
@click.option("--buildDLAStandalone", "standalone", is_flag=True, help="Check readiness for a cuDLA standalone loadable.")
@click.option("--fail-on", type=click.Choice(["info", "warning", "error"]), default="warning", show_default=True,
              help="Exit 1 when a finding has this severity or higher.")
@click.option("--select", multiple=True, metavar="IDS", help="Only these rules (ids, names, aliases or id prefixes like DLA2; comma-separated).")
@click.option("--ignore", multiple=True, metavar="IDS", help="Skip these rules (same forms as --select).")
@click.option("--max-gpu-layers", type=click.IntRange(min=0), default=None, help="Fail when more layers than this run on the GPU.")
@click.option("--max-loadables", type=click.IntRange(min=0), default=None, help="Fail when the engine needs more DLA loadables than this.")
@click.option("--max-reformats", type=click.IntRange(min=0), default=None, help="Fail when TensorRT inserts more Reformat layers than this.")
@click.option("--rules", "rule_dirs", multiple=True, type=click.Path(file_okay=False), metavar="DIR",
              help="Also load the rule files (*.yaml) in DIR; repeatable.")
@click.option("--format", "fmt", type=click.Choice(list(RENDERERS)), default="text", show_default=True, help="Report format.")
@output_option
@click.pass_context
def command(ctx, **kw) -> int:
    opts = resolve_options(ctx, kw)
    report = run(opts)
    text = get_renderer(opts.fmt)(report)
    write_report(text, opts.output, inputs=list(opts.inputs))
    c = report.counts()
    info(f"dla-advisor check: {c['error']} error, {c['warning']} warning, {c['info']} info; "
         f"{len(report.failing)} at or above --fail-on {report.fail_on}")
    return EXIT_OK if report.passed else EXIT_FINDINGS


def resolve_options(ctx: click.Context, kw: dict) -> Options:
    """Merge the command line with [tool.dla-advisor]; the file only fills options left at default."""
    cfg = load_tool_config()

    def pick(param: str, key: str):
        if ctx.get_parameter_source(param) in (ParameterSource.DEFAULT, None) and key in cfg.values:
            return cfg.values[key]
        return kw[param]

    model_opts = {k: kw[k] for k in ("precision", "shapes", "batch", "input_io_formats", "output_io_formats",
                                     "gpu_fallback", "dla_core", "layer_device_types")}
    for param, key in (("precision", "precision"), ("shapes", "shapes"), ("input_io_formats", "inputIOFormats"),
                       ("output_io_formats", "outputIOFormats"), ("gpu_fallback", "gpu-fallback")):
        model_opts[param] = pick(param, key)
    if model_opts["precision"] not in ("int8", "fp16"):
        raise UsageError(f"precision '{model_opts['precision']}' in {cfg.path}", "Use int8 or fp16.")
    extra = []
    if kw["calib"]:
        extra.append(("calib", kw["calib"]))
    for flag, on in (("useCudaGraph", kw["use_cuda_graph"]), ("directIO", kw["direct_io"]),
                     ("buildDLAStandalone", kw["standalone"])):
        if on:
            extra.append((flag, ""))
    model_opts["extra"] = tuple(extra)
    model_opts["calibrated"] = bool(kw["calib"])
    fail_on = pick("fail_on", "fail-on")
    if fail_on not in ("info", "warning", "error"):
        raise UsageError(f"fail-on '{fail_on}' in {cfg.path}", "Use info, warning or error.")
    fmt = pick("fmt", "format")
    if fmt not in RENDERERS:
        raise UsageError(f"format '{fmt}' in {cfg.path}", f"Use one of: {', '.join(RENDERERS)}.")
    rule_dirs = list(kw["rule_dirs"]) or cfg.rule_dirs()
    return Options(
        inputs=tuple(kw["inputs"]), platform=pick("platform", "platform"), fail_on=fail_on,
        select=tuple(split_ids(kw["select"]) or split_ids(cfg.get("select"))),
        ignore=tuple(split_ids(kw["ignore"]) or split_ids(cfg.get("ignore"))),
        budgets=(("gpu_layers", pick("max_gpu_layers", "max-gpu-layers")),
                 ("dla_loadables", pick("max_loadables", "max-loadables")),
                 ("reformats", pick("max_reformats", "max-reformats"))),
        rule_dirs=tuple(rule_dirs), fmt=fmt, output=kw["output"], model_opts=model_opts,
    )


def run(opts: Options) -> CheckReport:
    """Analyse every input and evaluate the selected rules; raises DlaAdvisorError on bad input."""
    from ..advice import load_rules

    rules = load_rules(opts.rule_dirs)
    for metric, limit in opts.budgets:
        rules = rules.with_budget(metric, limit)
    selected = rules.selected(opts.select, opts.ignore)
    config = _build_config(opts.model_opts)
    checked = []
    for path in opts.inputs:
        if not Path(path).is_file():
            raise UsageError(f"{path}: no such file", "Pass ONNX models or TensorRT artifacts (trtexec logs, layer-info JSON).")
        checked.append(_check_one(path, opts, config, rules))
    return CheckReport(inputs=tuple(checked), rules=selected, fail_on=opts.fail_on, version=__version__)


def _build_config(model_opts: dict):
    extra, calibrated = model_opts["extra"], model_opts["calibrated"]
    base = {k: v for k, v in model_opts.items() if k not in ("extra", "calibrated")}
    config = build_config(**base).with_(extra=extra, calibrated=calibrated)
    return with_calibration_cache(config, dict(extra).get("calib"))


def _check_one(path: str, opts: Options, config, rules) -> CheckedInput:
    from ..advice import evaluate
    from ..platforms import load_platform

    if path.lower().endswith(MODEL_SUFFIXES):
        from ..graph import load_network
        from ..layout import predict

        platform = load_platform(opts.platform)
        network = load_network(path, shapes=config.shapes_dict() or None, batch=config.batch)
        layout = predict(network, platform, config)
        findings = evaluate(layout, network, platform, config, rules=rules, select=opts.select, ignore=opts.ignore)
        return CheckedInput(path, layout.source, platform.id, tuple(findings), layout.summary())
    result = _read_artifact(path)
    layout = result.layout
    # An artifact is the engine TensorRT really built: its own build settings apply, not this
    # command's model options; the platform only when the user names one.
    platform = load_platform(opts.platform) if opts.platform else None
    findings = evaluate(layout, None, platform, layout.config, rules=rules, select=opts.select, ignore=opts.ignore)
    from ..artifacts import summary_shown

    # Counts the artifact does not show are None, not 0 (schema 1.1).
    return CheckedInput(path, layout.source, platform.id if platform else (layout.platform or ""), tuple(findings),
                        summary_shown(layout.summary(), result.counts))


def _read_artifact(path: str):
    try:
        from ..artifacts import read
    except ImportError:
        raise UsageError(f"{path}: reading TensorRT artifacts is not available in this installation",
                         "Check the ONNX model instead.") from None
    return read([path])
