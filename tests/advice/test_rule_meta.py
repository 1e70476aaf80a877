"""Conventions every rule must keep (they fail when a rule or case file breaks one)."""

from __future__ import annotations

import re

import pytest

from dla_advisor.advice import explain_rule, load_rules
from dla_advisor.advice._reasons import reason_classes

from .rule_cases import CASES_DIR, case_rules, load_cases

RULES = load_rules()

# Reasons that record a deliberate placement, not a problem a rule should flag.
NOT_PROBLEMS = {"layer-override", "gpu-only-build"}
# Reasons owned by a dedicated detector rather than by fallback-reason.
DEDICATED = {"loadable-limit": "loadable-limit", "no-dla": "no-dla"}


def test_at_least_twenty_rules_with_unique_ids_and_names():
    assert len(RULES) >= 20
    assert len({r.id for r in RULES}) == len(RULES)
    assert len({r.name for r in RULES}) == len(RULES)


@pytest.mark.parametrize("rule", list(RULES), ids=lambda r: r.id)
def test_every_rule_has_a_fail_and_a_pass_case(rule):
    counts = case_rules().get(rule.id)
    assert counts is not None, f"tests/rules/{rule.id}.yaml is missing"
    assert counts["fail"] >= 1 and counts["pass"] >= 1, counts


def test_every_case_file_names_a_known_rule_and_matches_its_file_name():
    for case in load_cases():
        assert RULES.get(case.rule) is not None, f"{case.path.name} names unknown rule {case.rule}"
        assert case.path.stem == case.rule
    assert sorted(p.stem for p in CASES_DIR.glob("*.yaml")) == sorted({c.rule for c in load_cases()})


def test_every_problem_reason_is_owned_by_exactly_one_rule():
    owners: dict[str, list[str]] = {}
    for r in RULES:
        if r.detector == "fallback-reason":
            for reason in r.params["reasons"]:
                owners.setdefault(reason, []).append(r.id)
        for reason, det in DEDICATED.items():
            if r.detector == det:
                owners.setdefault(reason, []).append(r.id)
    expected = set(reason_classes()) - NOT_PROBLEMS
    assert set(owners) == expected
    assert {k: v for k, v in owners.items() if len(v) != 1} == {}


@pytest.mark.parametrize("rule", list(RULES), ids=lambda r: r.id)
def test_rationale_has_a_number_and_references_are_urls(rule):
    assert re.search(r"\d", rule.entry["rationale"]), rule.id
    assert all(u.startswith(("https://", "http://")) for u in rule.references)


def test_rewrite_names_are_registered_rewrites():
    rewrite = pytest.importorskip("dla_advisor.rewrite")
    known = {r.name for r in rewrite.all_rewrites()}
    named = set()
    for r in RULES:
        fix = r.entry["fix"]
        for body in [fix, *fix.get("versions", ()), *fix.get("alternatives", ())]:
            if body.get("rewrite"):
                named.update(n.strip() for n in body["rewrite"].split(",") if "{" not in n)
        # A rewrite chosen per site from the detector's params must be a registered one too.
        named.update((r.params.get("rewrites") or {}).values())
    assert named and named <= known, named - known


@pytest.mark.parametrize("rule", list(RULES), ids=lambda r: r.id)
def test_explanation_is_rendered_from_the_entry(rule):
    text = explain_rule(rule)
    assert text.startswith(f"{rule.id} {rule.name} ({rule.severity})\n")
    for section in ("Why it matters", "Example", "Fix", "References"):
        assert f"\n{section}" in text
    assert rule.entry["example"]["bad"] in text and rule.entry["references"][0] in text
    fix_section = text.split("\nFix")[1].split("\nReferences")[0]
    assert not re.search(r"\{[a-z_0-9]+\}", fix_section), "fix placeholders are shown as <name>"
