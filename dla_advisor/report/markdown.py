"""Markdown for ``check`` (pull-request comments, job summaries)."""

from __future__ import annotations

from ._findings import CheckReport, counts_text, fix_lines
from ._registry import CHECK_FORMATS


@CHECK_FORMATS.register("markdown", order=5)
def render_check(report: CheckReport) -> str:
    c = report.counts()
    verdict = "passed" if report.passed else "failed"
    out = [f"## dla-advisor check {verdict}", "",
           f"{counts_text(c)} in {len(report.inputs)} input(s); "
           f"{len(report.rules)} rule(s) checked; fail on `{report.fail_on}` and above.", ""]
    for inp in report.inputs:
        out += [f"### `{inp.path}`", "", f"Layout: {inp.source}" + (f", platform `{inp.platform}`" if inp.platform else ""), ""]
        if not inp.findings:
            out += ["No findings.", ""]
            continue
        out += ["| severity | rule | finding | fix |", "| --- | --- | --- | --- |"]
        for f in inp.findings:
            fix = f.fixes[0] if f.fixes else None
            cmd = "<br>".join(f"`{_cell(x)}`" for x in fix_lines(fix, inp.path)) if fix else ""
            fix_text = _cell(fix.summary) + (f"<br>{cmd}" if cmd else "") if fix else ""
            out.append(f"| {f.severity} | {f.rule_id} `{f.name}` | {_cell(f.message)} | {fix_text} |")
        out.append("")
    return "\n".join(out) + "\n"


def _cell(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")
