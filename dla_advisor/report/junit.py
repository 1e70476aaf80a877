"""JUnit XML for ``check``: per input one test suite, per rule checked one test case.

A rule with a finding at or above ``--fail-on`` is a failed test case; findings below the threshold
are reported in the case's ``system-out`` so CI dashboards show them without failing.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ._findings import CheckReport
from ._registry import CHECK_FORMATS


@CHECK_FORMATS.register("junit", order=3)
def render_check(report: CheckReport) -> str:
    root = ET.Element("testsuites", name="dla-advisor check")
    total = failures = 0
    for inp in report.inputs:
        suite = ET.SubElement(root, "testsuite", name=inp.path)
        by_rule: dict[str, list] = {}
        for f in inp.findings:
            by_rule.setdefault(f.rule_id, []).append(f)
        n_fail = 0
        for rule in report.rules:
            case = ET.SubElement(suite, "testcase", classname=f"dla-advisor.{inp.path}", name=f"{rule.id} {rule.name}")
            found = by_rule.get(rule.id, [])
            failing = [f for f in found if report.at_or_above(f.severity)]
            if failing:
                n_fail += 1
                fail = ET.SubElement(case, "failure", type=failing[0].severity,
                                     message=f"{len(failing)} finding(s): {failing[0].message}")
                fail.text = "\n".join(_details(f) for f in failing)
            below = [f for f in found if f not in failing]
            if below:
                ET.SubElement(case, "system-out").text = "\n".join(_details(f) for f in below)
        suite.set("tests", str(len(report.rules)))
        suite.set("failures", str(n_fail))
        suite.set("errors", "0")
        total += len(report.rules)
        failures += n_fail
    root.set("tests", str(total))
    root.set("failures", str(failures))
    root.set("errors", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def _details(f) -> str:
    lines = [f"[{f.severity}] {f.message}"]
    for fix in f.fixes[:1]:
        lines.append(f"fix: {fix.summary}")
        if fix.trtexec_flags:
            lines.append("trtexec " + " ".join(fix.trtexec_flags))
    return "\n".join(lines)
