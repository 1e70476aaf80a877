"""CI gate: check models (ONNX) or TensorRT artifacts (logs, layer-info JSON) against the DLA rules.

ONNX models are analysed statically for the --platform and build options given; artifacts are read
as the real engine TensorRT built. Exit code 0 when clean, 1 when a finding is at or above --fail-on,
2 on bad input. Defaults can be set in [tool.dla-advisor] of pyproject.toml. Explain a rule with
`dla-advisor rules ID`.
"""

from __future__ import annotations

from dataclasses import dataclass

import click
from click.core import ParameterSource

from .._words import SEVERITIES, one_of
from ..errors import EXIT_FINDINGS, EXIT_OK, UsageError
from ..layout import parse_precision
from .._registry import did_you_mean
from ..report import CHECK_FORMATS, counts_text, render_check
from ._types import COUNT, RegistryChoice
from ._common import info, output_option, write_report
from ._config import load_tool_config, split_ids
from ._model_options import model_kwargs, model_options

FORMAT = RegistryChoice(CHECK_FORMATS)


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
@click.option("--fail-on", type=click.Choice(SEVERITIES), default="warning", show_default=True,
              help="Exit 1 when a finding has this severity or higher.")
@click.option("--select", multiple=True, metavar="IDS", help="Only these rules (ids, names, aliases or id prefixes like DLA2; comma-separated).")
@click.option("--ignore", multiple=True, metavar="IDS", help="Skip these rules (same forms as --select).")
@click.option("--max-gpu-layers", type=COUNT, default=None, help="Fail when more layers than this run on the GPU.")
@click.option("--max-loadables", type=COUNT, default=None, help="Fail when the engine needs more DLA loadables than this.")
@click.option("--max-reformats", type=COUNT, default=None, help="Fail when TensorRT inserts more Reformat layers than this.")
@click.option("--rules", "rule_dirs", multiple=True, type=click.Path(file_okay=False), metavar="DIR",
              help="Also load the rule files (*.yaml) in DIR; repeatable.")
@click.option("--format", "fmt", type=FORMAT, default="text", show_default=True,
              help="Report format (html: one self-contained page with the layout graphs; use -o FILE).")
@output_option
@click.pass_context
def command(ctx, **kw) -> int:
    opts = resolve_options(ctx, kw)
    result = run(opts)
    report = result.report
    text = render_check(report, opts.fmt)
    write_report(text, opts.output, inputs=list(opts.inputs))
    c = report.counts()
    info(f"dla-advisor check: {counts_text(c)}; "
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
    try:
        parse_precision(model_opts["precision"])
    except UsageError as e:
        raise UsageError(f"{e.message} in {cfg.path}", e.hint) from None
    for flag in ("calib", "use_cuda_graph", "direct_io", "standalone"):
        model_opts[flag] = kw[flag]
    fail_on = pick("fail_on", "fail-on")
    if fail_on not in SEVERITIES:
        raise UsageError(f"fail-on '{fail_on}' in {cfg.path}", f"Use {one_of(SEVERITIES)}.")
    fmt = pick("fmt", "format")
    if fmt not in FORMAT.choices:
        raise UsageError(f"format '{fmt}' in {cfg.path}{did_you_mean(fmt, FORMAT.choices)}",
                         f"Use one of: {', '.join(FORMAT.choices)}.")
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


def run(opts: Options):
    """Analyse every input and evaluate the selected rules (the API's check); raises DlaAdvisorError on bad input."""
    from .. import api

    m = opts.model_opts
    budgets = dict(opts.budgets)
    return api.check(list(opts.inputs), platform=opts.platform, fail_on=opts.fail_on, select=opts.select,
                     ignore=opts.ignore, max_gpu_layers=budgets.get("gpu_layers"),
                     max_loadables=budgets.get("dla_loadables"), max_reformats=budgets.get("reformats"),
                     rules=list(opts.rule_dirs), calib=m["calib"], use_cuda_graph=m["use_cuda_graph"],
                     direct_io=m["direct_io"], standalone=m["standalone"], **model_kwargs(**m))
