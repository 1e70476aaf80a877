"""Every rule's fail/pass cases from tests/rules/<ID>.yaml, collected by one hook."""

from __future__ import annotations

import pytest

from dla_advisor.advice import load_rules

from .rule_cases import load_cases, run_case


def pytest_generate_tests(metafunc):
    if "rule_case" in metafunc.fixturenames:
        cases = load_cases()
        metafunc.parametrize("rule_case", cases, ids=[c.id for c in cases])


@pytest.fixture(scope="module")
def rules():
    return load_rules()


def test_rule_case(rule_case, rules):
    findings = run_case(rule_case, rules)
    if rule_case.kind == "pass":
        assert findings == [], f"{rule_case.rule} fired on a pass case: {[f.message for f in findings]}"
        return
    check_expectations(rule_case, findings)


def check_expectations(rule_case, findings) -> None:
    """Assert a fail case's findings match its ``expect:`` block exactly where given."""
    expect = rule_case.spec.get("expect", {})
    assert len(findings) == expect.get("count", 1), [f.message for f in findings]
    f = findings[0]
    assert f.rule_id == rule_case.rule
    if "layers" in expect:
        assert list(f.layers) == expect["layers"]
    if "tensors" in expect:
        assert list(f.tensors) == expect["tensors"]
    if "message" in expect:
        assert expect["message"] in f.message, f.message
    if "fix_count" in expect:
        assert len(f.fixes) == expect["fix_count"], f.fixes
    if "fix_flags" in expect:
        assert list(f.fixes[0].trtexec_flags) == expect["fix_flags"]
    if "fix_summary" in expect:
        assert expect["fix_summary"] in f.fixes[0].summary, f.fixes[0].summary
    if "fix_rewrite" in expect:
        assert f.fixes[0].rewrite == expect["fix_rewrite"]
