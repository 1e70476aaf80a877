"""One source for each shared word: severities, SoCs, engine devices, default targets and power mode, I/O
formats and the JSON envelope are spelled once in code (``dla_advisor/_words.py``, ``layout/_config.py``), and the
data that must repeat them (JSON schemas, rule and device YAML, the HTML stylesheet) agrees with it.

The last test reads every module's source: a second copy of one of these words written into code fails
here, naming the file and line, instead of drifting until one copy is changed alone.
"""

from __future__ import annotations

import ast
import json
import re
from itertools import product
from pathlib import Path

import click
import pytest
import yaml

import dla_advisor
from dla_advisor import _words
from dla_advisor._words import (DEFAULT_DEVICE, DEFAULT_PLATFORM, DEFAULT_POWER_MODE, ENGINE_DEVICES, SCHEMA_URL,
                                SEVERITIES, SOCS, TOOL, one_of, severity_rank)
from dla_advisor.advice import Finding
from dla_advisor.layout import DEFAULT_IO_FORMAT, DLA, DLA_FEATURE_LAYOUT, GPU
from dla_advisor.layout._types import REFORMAT_LOCATIONS
from dla_advisor.report import findings_json, findings_text, github, markdown, sarif
from dla_advisor.report._findings import CheckedInput, CheckReport, counts_text
from dla_advisor.report._json import envelope, schema_id

from support import REPO, SCHEMAS, SEED_MODEL, run_cli

PACKAGE = Path(dla_advisor.__file__).resolve().parent


def _report(fail_on: str) -> CheckReport:
    """One input with one finding of each severity, mildest first."""
    findings = tuple(Finding(rule_id=f"DLA90{i}", name=f"rule-{s}", title=s, severity=s, message=f"a {s}")
                     for i, s in enumerate(SEVERITIES))
    return CheckReport(inputs=(CheckedInput(path="m.onnx", source="predicted", platform=DEFAULT_PLATFORM,
                                            summary={}, findings=findings),),
                       rules=(), fail_on=fail_on, version="0")


def _option_choices(command, name: str) -> list[str]:
    return list(next(p for p in command.params if p.name == name).type.choices)


# --- severities ------------------------------------------------------------------------------------------

def test_fail_on_choices_rule_schema_and_api_read_the_one_severity_list():
    from dla_advisor.advice._schema import RULE_SCHEMA
    from dla_advisor.api._analyse import FAIL_ON
    from dla_advisor.cli.advise import command as advise
    from dla_advisor.cli.check import command as check

    assert _option_choices(check, "fail_on") == list(SEVERITIES)
    assert _option_choices(advise, "fail_on") == ["never", *SEVERITIES]
    assert RULE_SCHEMA["properties"]["severity"]["enum"] == list(SEVERITIES)
    assert FAIL_ON == SEVERITIES


@pytest.mark.parametrize("fail_on", SEVERITIES)
def test_every_renderer_fails_exactly_the_findings_at_or_above_the_threshold(fail_on):
    report = _report(fail_on)
    expected = [s for s in SEVERITIES if severity_rank(s) >= severity_rank(fail_on)]
    assert [f.severity for _, f in report.failing] == expected
    assert report.counts() == dict.fromkeys(SEVERITIES, 1)

    doc = json.loads(findings_json.render_check(report))
    assert doc["counts"] == report.counts() and doc["passed"] is False

    # SARIF's levels and GitHub's commands are other vocabularies; the mapping must keep the order.
    sarif_order, github_order = ("none", "note", "warning", "error"), ("notice", "warning", "error")
    levels = [r["level"] for r in json.loads(sarif.render_check(report))["runs"][0]["results"]]
    assert [sarif_order.index(x) for x in levels] == sorted({sarif_order.index(x) for x in levels})
    assert len(set(levels)) == len(SEVERITIES)
    commands = re.findall(r"^::(\w+) ", github.render_check(report), flags=re.MULTILINE)
    assert [github_order.index(x) for x in commands] == sorted({github_order.index(x) for x in commands})
    assert len(set(commands)) == len(SEVERITIES)

    text = findings_text.render_check(report)
    assert f"({counts_text(report.counts())})" in text
    assert f"failing at --fail-on {fail_on}: {len(expected)}" in text
    # The severity column is as wide as the longest severity, so every rule id starts in one column.
    columns = {line.index(" DLA90") for line in text.splitlines() if line.strip().split(" ")[0] in SEVERITIES}
    assert len(columns) == 1 and len([line for line in text.splitlines() if " DLA90" in line and "see:" not in line]) == 3
    assert counts_text(report.counts()) in markdown.render_check(report)


def test_counts_text_names_the_worst_first():
    counts = {s: severity_rank(s) + 10 for s in SEVERITIES}
    parts = counts_text(counts).split(", ")
    assert parts == [f"{counts[s]} {s}" for s in sorted(SEVERITIES, key=severity_rank, reverse=True)]


def test_api_results_rank_findings_by_the_same_order():
    from dla_advisor.api._results import AdviseResult

    for worst in SEVERITIES:
        findings = tuple(Finding(rule_id="DLA900", name="x", title="x", severity=s, message="m")
                         for s in SEVERITIES if severity_rank(s) <= severity_rank(worst))
        result = AdviseResult(model="m.onnx", layout=None, findings=findings, estimates=None)
        assert result.worst_severity() == worst
        assert [result.fails(t) for t in SEVERITIES] == [severity_rank(t) <= severity_rank(worst) for t in SEVERITIES]
        assert result.fails("never") is False


def test_a_config_file_fail_on_typo_lists_the_severities(tmp_path, monkeypatch, capsys):
    (tmp_path / "pyproject.toml").write_text('[tool.dla-advisor]\nfail-on = "warn"\n')
    monkeypatch.chdir(tmp_path)
    rc, _, err = run_cli(capsys, "check", SEED_MODEL)
    assert rc == 2 and f"Use {one_of(SEVERITIES)}." in err


def test_the_html_stylesheet_colours_every_severity():
    css = (PACKAGE / "report" / "html_assets" / "report.css").read_text()
    assert {s for s in SEVERITIES if f".sev-{s} " in css} == set(SEVERITIES)


# --- SoCs, default targets, devices, I/O formats in the data files ---------------------------------------

def test_default_platform_and_device_are_shipped():
    from dla_advisor.perf._device import list_devices
    from dla_advisor.platforms import list_platforms

    assert DEFAULT_PLATFORM in {p.id for p in list_platforms()}
    assert DEFAULT_DEVICE in list_devices()


def test_every_shipped_device_defaults_to_the_one_power_mode():
    # Commands that record a power mode (tune, the backends) use the constant; the device files say it too.
    for path in sorted((REPO / "rules" / "devices").glob("*.yaml")):
        raw = yaml.safe_load(path.read_text())
        assert raw["default_power_mode"] == DEFAULT_POWER_MODE and DEFAULT_POWER_MODE in raw["power_modes"], path.name


def test_error_hints_point_to_shipped_example_files():
    from dla_advisor.perf._calibrate import EXAMPLE_MEASUREMENTS_FILE
    from dla_advisor.perf._device import EXAMPLE_DEVICE_FILE

    assert (REPO / EXAMPLE_MEASUREMENTS_FILE).is_file()
    assert "holdout" in yaml.safe_load((REPO / EXAMPLE_DEVICE_FILE).read_text())  # one hint cites its holdout block


def test_estimate_help_lists_the_shipped_devices_and_power_modes():
    from dla_advisor.cli.estimate import command as estimate
    from dla_advisor.perf import list_devices, load_device

    # Only options carry help text on every click 8.x; arguments gained a `help` attribute later.
    helps = {p.name: p.help or "" for p in estimate.params if isinstance(p, click.Option)}
    assert all(d in helps["device"] for d in list_devices()) and len(list_devices()) >= 2
    assert all(m in helps["power_mode"] for m in load_device(DEFAULT_DEVICE).power_modes)


def test_device_files_name_only_known_socs():
    # Device files are not schema-checked for their SoC, so this is where a typo would hide.
    for path in sorted((REPO / "rules" / "devices").glob("*.yaml")):
        raw = yaml.safe_load(path.read_text())
        assert raw.get("soc", SOCS[0]) in SOCS, path.name
        assert set(raw.get("default_for_soc") or ()) <= set(SOCS), path.name


def test_platform_files_use_every_soc_and_no_other():
    from dla_advisor.platforms import list_platforms

    assert {p.soc for p in list_platforms()} == set(SOCS)


def test_dla_feature_layouts_and_the_detectors_fallback_agree_with_the_base_platform():
    from dla_advisor.advice.detectors._util import DEFAULT_NATIVE

    base = yaml.safe_load((REPO / "rules" / "platforms" / "_dla_base.yaml").read_text())["io_formats"]
    assert {d: {p: tuple(v) for p, v in base[d].items() if p != "source"} for d in ("input", "output")} == DEFAULT_NATIVE
    for direction, precision in product(("input", "output"), DLA_FEATURE_LAYOUT):
        assert DLA_FEATURE_LAYOUT[precision] in base[direction][precision]


def test_default_io_format_is_what_the_parser_reads_from_its_own_text():
    from dla_advisor.layout import parse_io_formats

    assert parse_io_formats(str(DEFAULT_IO_FORMAT)) == (DEFAULT_IO_FORMAT,)


def test_tuning_plans_and_perf_read_the_one_engine_device_list():
    from dla_advisor.perf._plan import parse_plan
    from dla_advisor.tuning import DEVICES

    assert DEVICES is ENGINE_DEVICES
    assert [e.device for e in parse_plan(",".join(ENGINE_DEVICES))] == list(ENGINE_DEVICES)


# --- the JSON schemas are data: their enums must equal the code's words ----------------------------------

def _properties(node, path=""):
    """(path, property name, its schema) for every property anywhere in a JSON schema."""
    if isinstance(node, dict):
        for name, sub in (node.get("properties") or {}).items():
            yield f"{path}/{name}", name, sub
        for key, sub in node.items():
            yield from _properties(sub, f"{path}/{key}")
    elif isinstance(node, list):
        for i, sub in enumerate(node):
            yield from _properties(sub, f"{path}/{i}")


def _enum(prop: dict) -> list | None:
    if "enum" in prop:
        return prop["enum"]
    items = prop.get("items")
    return items.get("enum") if isinstance(items, dict) else None


def _schemas():
    return sorted(SCHEMAS.glob("*.json"))


@pytest.mark.parametrize("path", _schemas(), ids=lambda p: p.name)
def test_schema_enums_equal_the_code_words(path):
    doc = json.loads(path.read_text())
    expected = {"severity": list(SEVERITIES), "fail_on": list(SEVERITIES), "soc": list(SOCS),
                "location": list(REFORMAT_LOCATIONS)}
    for where, name, prop in _properties(doc):
        values = _enum(prop)
        if values is None:
            continue
        if name in expected:
            assert values == expected[name], f"{path.name}{where}"
        elif name == "device" and set(values) & set(ENGINE_DEVICES):
            assert values == list(ENGINE_DEVICES), f"{path.name}{where}"
        elif name == "device":
            assert set(values) - {"", None} == {DLA, GPU}, f"{path.name}{where}"  # "": the artifacts do not say


@pytest.mark.parametrize("path", _schemas(), ids=lambda p: p.name)
def test_schema_envelope_is_the_one_the_renderers_write(path):
    doc = json.loads(path.read_text())
    command = doc["properties"]["command"]["const"]
    assert doc["$id"] == schema_id(command, "1.0") and doc["$id"].startswith(SCHEMA_URL + "/")
    tool = doc["properties"]["tool"]
    assert tool.get("const") == TOOL or TOOL in tool.get("enum", ()), path.name
    assert set(envelope(command, "1.0")) <= set(doc["required"])


@pytest.mark.parametrize("path", _schemas(), ids=lambda p: p.name)
def test_schema_descriptions_of_the_envelope_say_what_the_renderer_writes(path):
    doc = json.loads(path.read_text())
    command = doc["properties"]["command"]["const"]
    written = envelope(command, "1.0")
    said = {key: doc["properties"][key].get("description", "") for key in ("tool", "schema_version")}
    assert set(re.findall(rf"{command} writes '([^']*)'", said["tool"])) <= {written["tool"]}, path.name
    assert isinstance(written["schema_version"], str) and "writes the integer" not in said["schema_version"], path.name


# --- no second spelling in code --------------------------------------------------------------------------

# A mapping from a shared word to another vocabulary has to list each word; these may, and the tests
# above hold their keys and order to the one list.
MAPPINGS = {("report/sarif.py", "_LEVEL"), ("report/github.py", "_COMMAND")}
WORD_SETS = {"severities": set(SEVERITIES), "SoCs": set(SOCS), "engine devices": set(ENGINE_DEVICES)}
WORD_STRINGS = {str(DEFAULT_IO_FORMAT): "the default I/O format", DEFAULT_PLATFORM: "the default platform",
                DEFAULT_DEVICE: "the default device", DEFAULT_POWER_MODE: "the default power mode"}
# Shipped rule files named inside a longer text (an error's hint), and the shipped device ids listed by hand.
SHIPPED_FILES = (f"{DEFAULT_DEVICE}.yaml", f"{DEFAULT_PLATFORM}.yaml")
SHIPPED_DEVICES = tuple(sorted(p.stem for p in (REPO / "rules" / "devices").glob("*.yaml") if not p.name.startswith("_")))


def _docstrings(tree) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def _strings(node) -> list[str] | None:
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        elts = node.elts
    elif isinstance(node, ast.Dict):
        elts = node.keys
    else:
        return None
    if elts and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in elts):
        return [e.value for e in elts]
    return None


def _second_spellings(source: str, rel: str) -> list[str]:
    tree = ast.parse(source, rel)
    skip = _docstrings(tree)
    assigned = {id(n.value): t.id for n in ast.walk(tree) if isinstance(n, ast.Assign)
                for t in n.targets if isinstance(t, ast.Name)}
    found = []
    for node in ast.walk(tree):
        where = f"{rel}:{getattr(node, 'lineno', '?')}"
        values = _strings(node)
        if values is not None and (rel, assigned.get(id(node))) not in MAPPINGS:
            found += [f"{where} spells the {what}" for what, words in WORD_SETS.items() if words <= set(values)]
        if isinstance(node, ast.Dict) and any(isinstance(k, ast.Constant) and k.value == "schema_version" for k in node.keys):
            found.append(f"{where} builds a JSON envelope by hand")
        if isinstance(node, ast.Dict) and values is not None and len(values) == len(DLA_FEATURE_LAYOUT):
            pairs = {k.value: v.value for k, v in zip(node.keys, node.values) if isinstance(v, ast.Constant)}
            if pairs == DLA_FEATURE_LAYOUT:
                found.append(f"{where} spells DLA's feature layouts")
        if isinstance(node, ast.Constant) and id(node) not in skip and node.value in WORD_STRINGS:
            found.append(f"{where} spells {WORD_STRINGS[node.value]}")
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith(SCHEMA_URL):
            found.append(f"{where} spells the schema URL")
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            if any(name in node.value for name in SHIPPED_FILES):
                found.append(f"{where} names a shipped rule file by hand")
            if sum(device in node.value for device in SHIPPED_DEVICES) >= 2:
                found.append(f"{where} lists the shipped devices by hand")
    return found


def test_no_module_spells_a_shared_word_a_second_time():
    homes = {PACKAGE / "_words.py", PACKAGE / "report" / "_json.py", PACKAGE / "layout" / "_config.py"}
    found = [hit for path in sorted(PACKAGE.rglob("*.py")) if path not in homes
             for hit in _second_spellings(path.read_text(), path.relative_to(PACKAGE).as_posix())]
    assert found == []


def test_the_drift_check_sees_a_second_spelling():
    # The check above passing means nothing unless it can fail: each kind of copy is caught.
    sample = ('"""Doc mentions fp32:chw and orin-trt10, which is fine."""\n'
              'ORDER = ("info", "warning", "error")\n'
              'MARKS = {"error": "E", "warning": "W", "info": "I"}\n'
              'SOC = ["xavier", "orin", "woa"]\n'
              'DEVS = ("gpu", "dla0", "dla1")\n'
              'DEFAULT = "fp32:chw"\n'
              'DOC = {"schema_version": "1.0", "tool": "dla-advisor"}\n'
              'FEATURE = {"int8": "chw32", "fp16": "chw16"}\n'
              'URL = "https://dla-advisor.invalid/schemas/x-1.json"\n'
              'def f(device="orin-agx-64gb", platform="orin-trt10", mode="MAXN"):\n    pass\n'
              'HINT = "See rules/devices/orin-agx-64gb.yaml."\n'
              'HELP = "Device model (orin-nx-16gb, xavier-agx)"\n')
    found = _second_spellings(sample, "sample.py")
    kinds = [hit.split(" ", 1)[1] for hit in found]
    assert sorted(kinds) == sorted([
        "spells the severities", "spells the severities", "spells the SoCs", "spells the engine devices",
        "spells the default I/O format", "builds a JSON envelope by hand", "spells DLA's feature layouts",
        "spells the schema URL", "spells the default device", "spells the default platform",
        "spells the default power mode", "names a shipped rule file by hand", "lists the shipped devices by hand"])


def test_words_module_is_a_leaf():
    tree = ast.parse(Path(_words.__file__).read_text())
    imports = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert all(isinstance(n, ast.ImportFrom) and n.module == "__future__" for n in imports)
