"""JSON for ``check``: a versioned document with every finding and its fixes."""

from __future__ import annotations


from ._findings import CheckReport
from ._registry import CHECK_FORMATS
from ._json import dumps, envelope

SCHEMA_VERSION = "1.1"  # 1.1: an artifact's counts it does not show are null; grouped findings have sites


def check_document(report: CheckReport) -> dict:
    """The ``check`` report as plain data."""
    # check's document has led with the tool since 1.0: the key order is kept so its bytes do not change.
    head = dict.fromkeys(("tool", "command", "schema_version")) | envelope("check", SCHEMA_VERSION)
    return {
        **head,
        "version": report.version,
        "fail_on": report.fail_on,
        "passed": report.passed,
        "counts": report.counts(),
        "rules_checked": [r.id for r in report.rules],
        "inputs": [
            {"path": i.path, "source": i.source, "platform": i.platform, "summary": i.summary,
             "findings": [f.to_dict() for f in i.findings]}
            for i in report.inputs
        ],
    }


@CHECK_FORMATS.register("json", order=1)
def render_check(report: CheckReport) -> str:
    return dumps(check_document(report))
