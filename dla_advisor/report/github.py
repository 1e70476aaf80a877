"""GitHub Actions workflow commands: one ``::error``/``::warning``/``::notice`` annotation per finding."""

from __future__ import annotations

from ._findings import CheckReport
from ._registry import CHECK_FORMATS

_COMMAND = {"error": "error", "warning": "warning", "info": "notice"}


@CHECK_FORMATS.register("github", order=4)
def render_check(report: CheckReport) -> str:
    lines = []
    for inp in report.inputs:
        for f in inp.findings:
            text = f.message
            if f.fixes:
                fix = f.fixes[0]
                text += f"\nFix: {fix.summary}"
                if fix.trtexec_flags:
                    text += "\ntrtexec " + " ".join(fix.trtexec_flags)
            props = f"file={_prop(inp.path)},title={_prop(f'{f.rule_id} {f.name}')}"
            lines.append(f"::{_COMMAND[f.severity]} {props}::{_data(text)}")
    verdict = "passed" if report.passed else "failed"
    lines.append(f"dla-advisor check {verdict}: {len(report.failing)} finding(s) at or above {report.fail_on}")
    return "\n".join(lines) + "\n"


def _data(s: str) -> str:
    # Escaping as the Actions runner decodes workflow command data.
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(s: str) -> str:
    return _data(s).replace(":", "%3A").replace(",", "%2C")
