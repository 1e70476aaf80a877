"""Renderers: turn analysis results (plain data) into text, JSON, HTML and the CI formats. No analysis here.

The public face of the package; the modules behind it are its own business.

Formats
    :data:`FORMATS` holds each command's format registry; :func:`formats` gives one (``formats("advise")``)
    and :func:`render` renders in one of them: ``render(command, fmt, subject, **view)``, an unknown
    name answered with the closest. A format of your own for any command is a function
    ``(subject, **view) -> str`` registered with ``@formats("advise").register("name")``; the subject is
    the API result (the :class:`CheckReport` for ``check``). :data:`CHECK_FORMATS` is ``check``'s
    (text, json, sarif, junit, github, markdown, html) and :func:`render_check` its shorthand.
Documents
    The JSON document of each command, as plain data: ``advise_document``, ``check_document``,
    ``inspect_document``, ``estimate_document``, ``calibration_document``, ``plan_document``,
    ``fix_document``, ``split_document``; :func:`dumps` writes one (NaN and infinity as null); each starts with :func:`envelope`
    (``schema_version``, ``tool``, ``command``), its schema published at :func:`schema_id`.
Text
    ``render_layout``, ``render_findings``, ``render_inspect_text``, ``render_fix``,
    ``render_rewrite_list``, ``render_split``, ``render_plan_text``, ``render_concurrent``,
    ``render_breakdown``, ``render_explain``, ``render_scenarios``, ``render_calibration``,
    ``render_cross_validation``, and ``to_text`` (rich renderables to plain text).
The page
    ``render_html(document, HtmlExtras(...))``: one self-contained HTML page of any document.

The format registries fill when the package loads (importing a format module registers it); every
renderer loads what it needs when it runs, and every other name loads on first use, so importing the
package does not load rich or the page's assets.
"""

from __future__ import annotations

import importlib
from typing import Any

from ._findings import CheckedInput, CheckReport, counts_text, fix_lines
from ._registry import CHECK_FORMATS, FORMATS, formats

# The plug-in modules of FORMATS: importing one registers its formats.
from . import command_formats, findings_json, findings_text, github, junit, listings, markdown, sarif  # noqa: E402,F401,I001

# Public name -> (module, attribute), imported on first use.
_LAZY = {
    "dumps": ("_json", "dumps"),
    "envelope": ("_json", "envelope"),
    "schema_id": ("_json", "schema_id"),
    "to_text": ("_rich", "to_text"),
    "advise_document": ("advise_json", "advise_document"),
    "check_document": ("findings_json", "check_document"),
    "inspect_document": ("inspect_json", "inspect_document"),
    "estimate_document": ("estimate_json", "estimate_document"),
    "calibration_document": ("estimate_json", "calibration_document"),
    "plan_document": ("plan_json", "plan_document"),
    "render_plan_json": ("plan_json", "render_plan_json"),
    "render_plan_yaml": ("plan_json", "render_plan_yaml"),
    "fix_document": ("fix_json", "fix_document"),
    "render_rewrite_list_json": ("fix_json", "render_rewrite_list_json"),
    "split_document": ("split_report", "split_document"),
    "render_layout": ("layout_text", "render_layout"),
    "render_findings": ("findings_text", "render"),
    "render_inspect_text": ("inspect_text", "render_inspect_text"),
    "render_fix": ("fix_text", "render_fix"),
    "render_rewrite_list": ("fix_text", "render_rewrite_list"),
    "render_split": ("split_report", "render_split"),
    "render_plan_text": ("plan_text", "render_plan_text"),
    "render_concurrent": ("estimate_text", "render_concurrent"),
    "render_breakdown": ("estimate_text", "render_breakdown"),
    "render_explain": ("estimate_text", "render_explain"),
    "render_scenarios": ("estimate_text", "render_scenarios"),
    "render_calibration": ("estimate_text", "render_calibration"),
    "render_cross_validation": ("estimate_text", "render_cross_validation"),
    "render_html": ("html", "render_html"),
    "HtmlExtras": ("html", "HtmlExtras"),
    "GraphInput": ("html", "GraphInput"),
    "graph_input": ("html", "graph_input"),
    "check_graphs": ("html", "check_graphs"),
    "require_plotly": ("plan_plots", "require_plotly"),
    "write_plots": ("plan_plots", "write_plots"),
}


def render(command: str, fmt: str, subject: Any, **view: Any) -> str:
    """``subject`` (what ``command`` renders) in that command's format ``fmt``.

    Raises:
        UnknownName: ``command`` or ``fmt`` is not registered (a ``KeyError`` whose message names the
            closest).
    """
    return FORMATS[command][fmt](subject, **view)


def render_check(report: CheckReport, fmt: str = "text") -> str:
    """``report`` in the ``check`` format ``fmt`` (see :func:`render`)."""
    return render("check", fmt, report)


def __getattr__(name: str) -> Any:
    try:
        module, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f"{__name__}.{module}"), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = ["CHECK_FORMATS", "FORMATS", "CheckReport", "CheckedInput", "counts_text", "fix_lines", "formats", "render",
           "render_check", *_LAZY]
