"""A rule that reuses a detector touches exactly two files: its entry and its test cases.

The test writes those two files into an empty folder, and nothing else: the case runner picks up
the cases, ``--rules`` picks up the entry, and ``check``, ``rules`` and every report format work
with it unchanged.
"""

from __future__ import annotations

import textwrap

import onnx

from dla_advisor.advice import load_rules

from support import run_cli, run_cli_json

from .models import islands
from .rule_cases import load_cases, run_case
from .test_rule_cases import check_expectations

RULE = """\
rules:
  - id: ACME101
    name: exp-layer-forbidden
    title: Exp layers are not allowed in our DLA models
    severity: error
    detector: fallback-reason
    params: {reasons: [unsupported-op]}
    message: "{layer}{where} left DLA: {detail}; ACME policy allows no such layer."
    rationale: "Our camera pipeline budgets 0 GPU layers per DLA model (policy 7, revision 2)."
    example: {bad: "x -> Exp -> Conv", good: "x -> Conv"}
    fix:
      summary: "Replace {layer} by a DLA-native layer"
      fix_safety: changes-model
      trtexec_flags: ["--layerDeviceTypes={layer}:GPU"]
    references: ["https://example.org/acme/dla-policy"]
    since: "2024.1"
"""

CASES = """\
rule: ACME101
fail:
  - name: exp-between-convs
    model: islands
    expect:
      layers: [exp0]
      message: "exp0 (Unary) left DLA"
      fix_flags: ["--layerDeviceTypes=exp0:GPU"]
pass:
  - name: convs-only
    model: conv_chain
"""


def test_new_rule_reusing_a_detector_is_two_files(tmp_path, capsys):
    rules_dir, cases_dir = tmp_path / "rules", tmp_path / "cases"
    rules_dir.mkdir()
    cases_dir.mkdir()
    (rules_dir / "acme.yaml").write_text(textwrap.dedent(RULE))
    (cases_dir / "ACME101.yaml").write_text(textwrap.dedent(CASES))
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()) == [
        "cases/ACME101.yaml", "rules/acme.yaml"]

    rules = load_rules([rules_dir])
    cases = load_cases(cases_dir)
    assert [c.id for c in cases] == ["ACME101-fail-exp-between-convs", "ACME101-pass-convs-only"]
    for case in cases:
        findings = run_case(case, rules)
        if case.kind == "pass":
            assert findings == []
        else:
            check_expectations(case, findings)

    # The gate, the rule list and the explanation pick it up with no other change.
    model = tmp_path / "islands.onnx"
    onnx.save(islands(), str(model))
    rc, doc = run_cli_json(capsys, "check", model, "--rules", rules_dir, "--select", "ACME101", "--format", "json")
    assert rc == 1 and doc["rules_checked"] == ["ACME101"]
    assert doc["inputs"][0]["findings"][0]["severity"] == "error"
    rc, out, _ = run_cli(capsys, "rules", "ACME101", "--rules", rules_dir)
    assert rc == 0
    assert out.startswith("ACME101 exp-layer-forbidden (error)")
    model.unlink()
