"""Plain-text findings: what is wrong, where, and the exact change that fixes it."""

from __future__ import annotations

from .._words import SEVERITIES
from ._findings import CheckReport, counts_text, fix_lines
from ._registry import CHECK_FORMATS

_MARK_WIDTH = max(map(len, SEVERITIES))  # severities line up in a column
# A grouped finding lists this many ONNX nodes; the rest are counted (all are in --format json/sarif).
_SHOWN_NODES = 5


def render(findings, model_path: str = "MODEL") -> str:
    """Render a flat list of findings (used by ``advise``)."""
    if not findings:
        return "Findings: none\n"
    out = [f"Findings ({len(findings)})"]
    for f in findings:
        out.extend(_finding(f, model_path))
    return "\n".join(out) + "\n"


@CHECK_FORMATS.register("text", order=0)
def render_check(report: CheckReport) -> str:
    """Render a ``check`` report, one block per input, then the verdict."""
    out = []
    for inp in report.inputs:
        head = f"{inp.path}  [{inp.source}{', ' + inp.platform if inp.platform else ''}]"
        out.append(head)
        if not inp.findings:
            out.append("  no findings")
        for f in inp.findings:
            out.extend(_finding(f, inp.path))
        out.append("")
    c = report.counts()
    total = sum(c.values())
    verdict = "PASS" if report.passed else "FAIL"
    out.append(f"{verdict}: {total} finding(s) ({counts_text(c)}) in "
               f"{len(report.inputs)} input(s), {len(report.rules)} rule(s) checked; failing at --fail-on {report.fail_on}: "
               f"{len(report.failing)}")
    return "\n".join(out) + "\n"


def _finding(f, model_path: str) -> list[str]:
    lines = [f"  {f.severity:<{_MARK_WIDTH}} {f.rule_id} {f.name}: {f.message}"]
    if f.onnx_nodes and list(f.onnx_nodes) != list(f.layers):
        nodes = list(f.onnx_nodes)
        more = f" and {len(nodes) - _SHOWN_NODES} more" if len(nodes) > _SHOWN_NODES else ""
        lines.append(f"          ONNX nodes: {', '.join(nodes[:_SHOWN_NODES])}{more}")
    if len(f.sites) > 1:
        lines.append(f"          {len(f.layers)} layers at {len(f.sites)} sites, one cause (every site: --format json or sarif)")
    for i, fix in enumerate(f.fixes):
        label = "fix" if i == 0 else "or"
        version = f" (TensorRT {fix.trt})" if fix.trt not in ("*", "") else ""
        lines.append(f"          {label}{version}: {fix.summary} [{fix.safety}]")
        lines.extend(f"            {x}" for x in fix_lines(fix, model_path))
    lines.append(f"          see: dla-advisor rules {f.rule_id}")
    return lines
