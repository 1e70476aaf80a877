"""The built-in formats of the commands that render an API result (advise, inspect, estimate, fix,
split, tune, calibrate), and check's page.

Registering is all that happens at import: each function imports its renderer when it runs, so the
registry is complete for ``--format`` while rich and the page's assets load only when used. ``json``
and ``html`` are the result's own document (``to_json()``, ``to_html()``), built by this package.
"""

from __future__ import annotations

from ._registry import CHECK_FORMATS, formats


def _json(result, **_) -> str:
    return result.to_json()


def _html(result, **_) -> str:
    return result.to_html()


def _register(command: str, text, *, html: bool) -> None:
    registry = formats(command)
    registry.add("text", text, order=0)
    registry.add("json", _json, order=1)
    if html:
        registry.add("html", _html, order=2)


def advise_text(result, *, verbose: bool = False, **_) -> str:
    from .findings_text import render
    from .estimate_text import render_scenarios
    from .layout_text import render_layout

    text = render_layout(result.layout, verbose=verbose, model_path=result.model)
    if result.findings is not None:
        text += "\n" + render(result.findings)
    if result.estimates is not None:
        text += "\n" + render_scenarios(result.estimates)
    return text


def inspect_text(result, **_) -> str:
    from .inspect_text import render_inspect_text

    return render_inspect_text(result.read, result.predicted, result.comparison, result.model)


def estimate_text(result, *, one_process: bool = False, verbose: bool = False, **_) -> str:
    from .estimate_text import render_breakdown, render_concurrent, render_explain

    est, dev = result.estimate, result.device
    text = render_concurrent(est, f"{result.model} on {dev.name}, {dev.mode.name}, plan {result.plan}"
                                  + (", one process" if one_process else ""))
    if verbose:
        text += render_breakdown(est)
    if result.explained is not None:
        text += render_explain(result.explained)
    return text


def fix_text(result, **_) -> str:
    from .fix_text import render_fix

    return render_fix(result.report)


def split_text(result, **_) -> str:
    from .split_report import render_split

    return render_split(result.report, result.throughput, result.platform)


def calibrate_text(result, *, written: str | None = None, **_) -> str:
    from .estimate_text import render_calibration, render_cross_validation

    text = render_calibration(result.calibration, written)
    if result.cross_validation is not None:
        text += render_cross_validation(result.cross_validation)
    return text


def tune_text(result, **_) -> str:
    from .plan_text import render_plan_text

    return render_plan_text(result.report)


def tune_yaml(result, **_) -> str:
    from .plan_json import render_plan_yaml

    return render_plan_yaml(result.report)


def rewrites_text(rewrites, **_) -> str:
    from .fix_text import render_rewrite_list

    return render_rewrite_list(rewrites)


def rewrites_json(rewrites, **_) -> str:
    from .fix_json import render_rewrite_list_json

    return render_rewrite_list_json(rewrites)


def check_html(report, **_) -> str:
    """The page needs the layouts as well: the report carries them for it."""
    from .findings_json import check_document
    from .html import HtmlExtras, check_graphs, render_html

    return render_html(check_document(report), HtmlExtras(graphs=check_graphs(report.layouts)))


_register("advise", advise_text, html=True)
_register("inspect", inspect_text, html=True)
_register("estimate", estimate_text, html=True)
_register("fix", fix_text, html=False)
_register("split", split_text, html=False)
_register("tune", tune_text, html=True)
formats("tune").add("yaml", tune_yaml, order=3)
_register("calibrate", calibrate_text, html=False)
formats("rewrites").add("text", rewrites_text, order=0)
formats("rewrites").add("json", rewrites_json, order=1)
CHECK_FORMATS.add("html", check_html, order=6)
