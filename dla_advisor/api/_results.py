"""The result objects of the Python API.

Each one holds the analysis's own typed values (``EngineLayout``, ``Finding``, ``Estimate`` ...) as
attributes; ``to_dict()`` is the command's JSON document (the same dict ``--format json`` prints,
built by the same ``report`` functions) and ``to_html()`` the self-contained HTML page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .._words import SEVERITIES, severity_rank


def _rank(severity: str) -> int:
    # A finding built by hand (not from a rule file) may carry another word; it ranks lowest.
    return severity_rank(severity) if severity in SEVERITIES else 0


class Result:
    """Common surface: ``to_dict()``, ``to_json()``, ``to_html()``, ``write_html(path)``."""

    def to_dict(self) -> dict[str, Any]:
        raise NotImplementedError

    def _html_extras(self):
        from ..report import HtmlExtras
        return HtmlExtras()

    def to_json(self) -> str:
        from ..report import dumps
        return dumps(self.to_dict())

    def to_html(self) -> str:
        # report sits below api in the import layers, so this import is a plain downward one.
        from ..report import render_html
        return render_html(self.to_dict(), self._html_extras())

    def write_html(self, path) -> None:
        from .._safe_write import write_text
        write_text(path, self.to_html())


def _graph(title: str, layout, network=None):
    from ..report import graph_input
    return graph_input(title, layout, network)


@dataclass(frozen=True)
class AdviseResult(Result):
    """Predicted layout of one model, the findings with fixes, and modelled throughput scenarios.

    Attributes:
        model: the model path as given.
        layout: the predicted :class:`~dla_advisor.layout.EngineLayout`.
        findings: the rule engine's :class:`~dla_advisor.advice.Finding` list.
        estimates: (scenario label, Estimate) pairs: GPU only, one DLA, GPU + 2 DLA ...
        network / platform / config: the inputs of the prediction.
    """

    model: str
    layout: Any
    findings: tuple[Any, ...] | None
    estimates: tuple[tuple[str, Any], ...] | None
    network: Any = field(repr=False, default=None)
    platform: Any = field(repr=False, default=None)
    config: Any = field(repr=False, default=None)

    @property
    def summary(self) -> dict[str, int]:
        return self.layout.summary()

    def worst_severity(self) -> str | None:
        sev = [f.severity for f in self.findings or ()]
        return max(sev, key=_rank) if sev else None

    def fails(self, fail_on: str) -> bool:
        """True when a finding is at or above ``fail_on`` (``never`` never fails)."""
        worst = self.worst_severity()
        return fail_on != "never" and worst is not None and _rank(worst) >= severity_rank(fail_on)

    def to_dict(self) -> dict[str, Any]:
        from ..report import advise_document

        findings = [f.to_dict() for f in self.findings] if self.findings is not None else None
        estimates = None
        if self.estimates is not None:
            estimates = []
            for label, est in self.estimates:
                d = est.to_dict()
                d["scenario"] = label
                estimates.append(d)
        return advise_document(self.layout, self.model, findings=findings, estimates=estimates)

    def _html_extras(self):
        from ..report import HtmlExtras
        return HtmlExtras(graphs=(_graph(f"{self.model} (predicted)", self.layout, self.network),))


@dataclass(frozen=True)
class InspectResult(Result):
    """What a real engine's artifacts say, and (with ``model``) the prediction next to it.

    Attributes:
        layout: the measured EngineLayout; measurement: its Measurement or None;
        artifacts: (path, kind) of each file read; predicted / comparison: the predicted layout and
        the LayoutDiff when a model was given.
    """

    read: Any = field(repr=False)
    model: str | None = None
    predicted: Any = None
    comparison: Any = None
    network: Any = field(repr=False, default=None)

    @property
    def layout(self):
        return self.read.layout

    @property
    def measurement(self):
        return self.read.measurement

    @property
    def artifacts(self) -> tuple[tuple[str, str], ...]:
        return self.read.artifacts

    def to_dict(self) -> dict[str, Any]:
        from ..report import inspect_document
        return inspect_document(self.read, self.predicted, self.comparison, self.model)

    def _html_extras(self):
        from ..report import HtmlExtras
        graphs = [_graph("measured (" + ", ".join(p for p, _ in self.artifacts) + ")", self.layout)]
        if self.predicted is not None:
            graphs.append(_graph(f"{self.model} (predicted)", self.predicted, self.network))
        return HtmlExtras(graphs=tuple(graphs))


@dataclass(frozen=True)
class CheckResult(Result):
    """The CI gate's verdict: ``passed``, ``counts()``, and per input its findings and layout.

    Attributes:
        report: the CheckReport every check renderer (text, json, sarif, junit ...) takes.
        layouts: input path → (EngineLayout, Network or None) for the HTML graph (the report's).
    """

    report: Any

    @property
    def layouts(self) -> dict[str, tuple[Any, Any]]:
        return self.report.layouts

    @property
    def passed(self) -> bool:
        return self.report.passed

    @property
    def inputs(self):
        return self.report.inputs

    def counts(self) -> dict[str, int]:
        return self.report.counts()

    def to_dict(self) -> dict[str, Any]:
        from ..report import check_document
        return check_document(self.report)

    def _html_extras(self):
        from ..report import HtmlExtras, check_graphs
        return HtmlExtras(graphs=check_graphs(self.layouts))


@dataclass(frozen=True)
class EstimateResult(Result):
    """Modelled throughput of engines running together. ``estimate`` is the ConcurrentEstimate."""

    model: str
    plan: str
    estimate: Any
    device: Any = field(repr=False, default=None)
    explained: Any = None  # per-engine kernels / DLA operations with what bounds each (explain=True)

    @property
    def total_images_per_s(self) -> float:
        return self.estimate.total_images_per_s

    def to_dict(self) -> dict[str, Any]:
        from ..report import estimate_document
        return estimate_document(self.estimate, self.model, self.plan, self.device.id, self.device.mode.name,
                                 self.explained)


@dataclass(frozen=True)
class CalibrateResult(Result):
    """A fit of the performance model: ``calibration.mape_pct``, ``.points``, ``.params``; with
    cross-validation, ``cross_validation.mape_pct`` is the error on a network left out of the fit."""

    calibration: Any
    cross_validation: Any = None

    @property
    def mape_pct(self) -> float:
        return self.calibration.mape_pct

    def to_dict(self) -> dict[str, Any]:
        from ..report import calibration_document
        return calibration_document(self.calibration, self.cross_validation)


@dataclass(frozen=True)
class TuneResult(Result):
    """The search's outcome: ``report`` (TuneReport: best plan, Pareto front, reference, commands),
    ``study`` (the Optuna study), ``history`` ((trial, images/s, makespan ms) of feasible trials)."""

    report: Any
    study: Any = field(repr=False, default=None)
    history: tuple[tuple[int, float | None, float | None], ...] = ()
    ran_now: int = 0

    @property
    def best(self):
        return self.report.summary.best

    @property
    def interrupted(self) -> bool:
        return self.report.interrupted

    def to_dict(self) -> dict[str, Any]:
        from ..report import plan_document
        return plan_document(self.report)

    def _html_extras(self):
        from ..report import HtmlExtras
        return HtmlExtras(history=self.history)


@dataclass(frozen=True)
class FixResult(Result):
    """A verified rewrite: ``report`` (FixReport: sites, verification, before/after), ``output`` path."""

    report: Any

    @property
    def output(self) -> str:
        return self.report.output

    def to_dict(self) -> dict[str, Any]:
        from ..report import fix_document
        return fix_document(self.report)
