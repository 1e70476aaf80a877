"""Rule files are validated at load: every error names the file, the line and the key."""

from __future__ import annotations

import textwrap

import pytest

from dla_advisor.advice import evaluate, load_rules, parse_range, platform_range
from dla_advisor.errors import RuleFileError, UsageError

from .rule_cases import make_layout

GOOD = """\
rules:
  - id: USR001
    name: user-exp-layer
    title: Exp layers on the GPU
    severity: error
    detector: fallback-reason
    params: {reasons: [unsupported-op]}
    message: "{layer} is on the GPU"
    rationale: "Our board budget allows 0 GPU layers."
    example: {bad: "Exp", good: "no Exp"}
    fix: {summary: "Remove it", fix_safety: manual}
    references: ["https://example.org/policy"]
    since: "1.0"
"""


def _write(tmp_path, text):
    d = tmp_path / "myrules"
    d.mkdir(exist_ok=True)
    (d / "mine.yaml").write_text(textwrap.dedent(text))
    return d


def _error(tmp_path, text) -> RuleFileError:
    with pytest.raises(RuleFileError) as e:
        load_rules([_write(tmp_path, text)])
    return e.value


def test_good_user_rule_loads_next_to_the_builtin_ones(tmp_path):
    rules = load_rules([_write(tmp_path, GOOD)])
    assert rules.get("USR001").name == "user-exp-layer"
    assert rules.get("user-exp-layer").line == 2


def test_unknown_detector_names_file_line_and_key(tmp_path):
    err = _error(tmp_path, GOOD.replace("detector: fallback-reason", "detector: no-such-check"))
    assert (err.line, err.key) == (6, "rules[0].detector")
    assert err.path.endswith("mine.yaml")
    assert "mine.yaml:6: rules[0].detector: unknown detector 'no-such-check'" in err.one_line()


def test_unknown_reason_id_points_at_the_list_item(tmp_path):
    err = _error(tmp_path, GOOD.replace("params: {reasons: [unsupported-op]}",
                                        "params:\n      reasons:\n        - unsupported-op\n        - not-a-reason"))
    assert (err.line, err.key) == (10, "rules[0].params.reasons[1]")


def test_missing_required_key(tmp_path):
    err = _error(tmp_path, GOOD.replace('    rationale: "Our board budget allows 0 GPU layers."\n', ""))
    assert err.key == "rules[0].rationale" and err.line == 2
    assert "missing required key 'rationale'" in err.message


def test_misspelt_key_is_an_error_not_ignored(tmp_path):
    err = _error(tmp_path, GOOD.replace("    since:", "    sinse:"))
    assert (err.line, err.key) == (13, "rules[0].sinse")


def test_bad_severity_and_bad_version_range(tmp_path):
    assert _error(tmp_path, GOOD.replace("severity: error", "severity: fatal")).key == "rules[0].severity"
    err = _error(tmp_path, GOOD.replace('    since: "1.0"\n', '    since: "1.0"\n    applies_to: {trt: "ten"}\n'))
    assert err.key == "rules[0].applies_to.trt" and "cannot read" in err.message


def test_yaml_syntax_error_has_a_line(tmp_path):
    err = _error(tmp_path, GOOD.replace("title: Exp layers on the GPU", "title: [unclosed"))
    assert err.line == 5 and "not valid YAML" in err.message


def test_reusing_a_builtin_id_or_name_is_refused(tmp_path):
    err = _error(tmp_path, GOOD.replace("USR001", "DLA101"))
    assert err.key == "id" and "already used by DLA101" in err.message
    err = _error(tmp_path, GOOD.replace("user-exp-layer", "fp32-io-on-dla-engine"))
    assert err.key == "name"


def test_missing_rules_folder(tmp_path):
    with pytest.raises(RuleFileError, match="not a folder"):
        load_rules([tmp_path / "nope"])


def test_placeholder_the_detector_does_not_provide_is_a_rule_file_error(tmp_path):
    rules = load_rules([_write(tmp_path, GOOD.replace('"{layer} is on the GPU"', '"{layr} is on the GPU"'))])
    layout = make_layout({"layers": [{"name": "exp0", "kind": "Unary", "device": "GPU", "reasons": ["unsupported-op"]}]},
                         None, None)
    with pytest.raises(RuleFileError) as e:
        evaluate(layout, rules=rules, select=["USR001"])
    assert e.value.key == "message" and "'{layr}'" in e.value.message


def test_select_by_prefix_alias_and_name_and_unknown_selector():
    rules = load_rules()
    assert [r.id for r in rules.selected(["DLA10"])] == ["DLA101", "DLA102"]
    assert [r.id for r in rules.selected(["io-format"])] == ["DLA101"]
    assert "DLA101" not in [r.id for r in rules.selected(ignore=["fp32-io-on-dla-engine"])]
    with pytest.raises(UsageError, match="matches no rule"):
        rules.selected(["DLA999"])


@pytest.mark.parametrize("text,platform,expected", [
    ("8.4-10.7", ("10.0", "10.7"), True),
    ("8.4-10.7", ("11.4.1", "11.99"), False),
    (">=11.4.1", ("11.4.1", "11.99"), True),
    (">=11.4.1", ("10.0", "10.7"), False),
    ("<11", ("10.0", "10.7"), True),
    ("<11", ("11.4.1", "11.99"), False),
    ("<11.4.1", ("8.5", "8.5"), True),
    (">10.7", ("10.7", "10.7"), False),
    ("10.7", ("10.7.0", "10.7.0"), True),
    ("*", ("8.4", "8.4"), True),
])
def test_version_ranges(text, platform, expected):
    assert parse_range(text).overlaps(platform_range(*platform)) is expected


def test_bad_range_text():
    with pytest.raises(ValueError):
        parse_range("10.7-8.4")
