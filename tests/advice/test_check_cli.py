"""The `check` gate and `rules` command end to end, through the CLI entry point."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import jsonschema

from dla_advisor.advice import load_rules

from support import REPO, TEST_DATA, run_cli

# Every shipped rule is checked; counted from the rule files so adding a rule does not edit this file.
N_RULES = len(load_rules().selected((), ()))

DATA = TEST_DATA / "advice"
INT8 = ["--precision", "int8"]


def test_seed_io_rule_fires_and_its_fix_applied_as_advised_makes_check_pass(capsys, seed_model):
    rc, out, _ = run_cli(capsys, "check", seed_model, *INT8, "--format", "json")
    assert rc == 1
    doc = json.loads(out)
    findings = doc["inputs"][0]["findings"]
    io = [f for f in findings if f["rule_id"] == "DLA101"]
    assert len(io) == 1 and io[0]["severity"] == "warning"
    flags = io[0]["fixes"][0]["trtexec_flags"]
    assert flags == ["--inputIOFormats=int8:dla_linear", "--outputIOFormats=int8:dla_linear"]

    rc, out, _ = run_cli(capsys, "check", seed_model, *INT8, *flags, "--format", "json")
    assert rc == 0
    after = json.loads(out)
    assert after["passed"] is True
    assert [f["rule_id"] for f in after["inputs"][0]["findings"]] == ["DLA401"]  # info: INT8 without calibration


def test_fail_on_threshold_and_ignore(capsys, seed_model):
    assert run_cli(capsys, "check", seed_model, *INT8, "--fail-on", "error")[0] == 0
    assert run_cli(capsys, "check", seed_model, *INT8, "--fail-on", "info",
               "--inputIOFormats=int8:dla_linear", "--outputIOFormats=int8:dla_linear")[0] == 1
    assert run_cli(capsys, "check", seed_model, *INT8, "--ignore", "DLA101")[0] == 0
    rc, out, _ = run_cli(capsys, "check", seed_model, *INT8, "--select", "DLA4", "--format", "json")
    assert rc == 0 and json.loads(out)["rules_checked"] == ["DLA401", "DLA402", "DLA403", "DLA404", "DLA405"]


def test_budgets(capsys, seed_model):
    flags = ["--inputIOFormats=int8:dla_linear", "--outputIOFormats=int8:dla_linear"]
    assert run_cli(capsys, "check", seed_model, *INT8, *flags, "--max-reformats", "0", "--max-gpu-layers", "0",
               "--max-loadables", "1")[0] == 0
    rc, out, _ = run_cli(capsys, "check", seed_model, *INT8, "--ignore", "DLA101", "--max-reformats", "1")
    assert rc == 1 and "DLA307 reformats-over-budget: 2 Reformat layer(s), above the budget of 1" in out


def test_sarif_validates_against_the_official_schema(capsys, seed_model, tmp_path):
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())
    assert schema["id"].endswith("/sarif-schema-2.1.0.json")
    out_file = tmp_path / "report.sarif"
    rc, _, _ = run_cli(capsys, "check", seed_model, *INT8, "--format", "sarif", "-o", out_file)
    assert rc == 1
    doc = json.loads(out_file.read_text())
    jsonschema.Draft4Validator(schema).validate(doc)
    run0 = doc["runs"][0]
    assert len(run0["tool"]["driver"]["rules"]) == N_RULES
    levels = {r["ruleId"]: r["level"] for r in run0["results"]}
    assert levels == {"DLA101": "warning", "DLA401": "note"}
    result = next(r for r in run0["results"] if r["ruleId"] == "DLA101")
    assert run0["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "DLA101"
    assert result["locations"][0]["logicalLocations"][0]["name"] == "Conv_1"


def test_junit_has_one_testcase_per_rule_checked(capsys, seed_model, models_dir):
    rc, out, _ = run_cli(capsys, "check", seed_model, models_dir / "cifar_bn.onnx", *INT8, "--format", "junit")
    assert rc == 1
    root = ET.fromstring(out)
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [str(seed_model), str(models_dir / "cifar_bn.onnx")]
    for suite in suites:
        cases = suite.findall("testcase")
        assert len(cases) == N_RULES == int(suite.get("tests"))
        assert len({c.get("name") for c in cases}) == N_RULES
    failed = [c.get("name") for c in suites[0].findall("testcase") if c.find("failure") is not None]
    assert failed == ["DLA101 fp32-io-on-dla-engine"]
    info_case = next(c for c in suites[0].findall("testcase") if c.get("name").startswith("DLA401"))
    assert info_case.find("failure") is None and "INT8 without a calibration" in info_case.find("system-out").text


def test_github_annotations(capsys, seed_model):
    rc, out, _ = run_cli(capsys, "check", seed_model, *INT8, "--format", "github")
    assert rc == 1
    lines = out.splitlines()
    assert lines[0].startswith(f"::warning file={seed_model},title=DLA101 fp32-io-on-dla-engine::2 network binding(s)")
    assert "%0AFix: Bind the network I/O" in lines[0]
    assert lines[1].startswith(f"::notice file={seed_model},title=DLA401 int8-without-calibration::")


def test_github_error_annotation_and_escaping(capsys, seed_model):
    rc, out, _ = run_cli(capsys, "check", seed_model, *INT8, "--ignore", "DLA101", "--max-reformats", "0", "--format", "github")
    assert rc == 1
    line = next(x for x in out.splitlines() if "DLA307" in x)
    assert line.startswith(f"::error file={seed_model},title=DLA307 reformats-over-budget::2 Reformat layer(s)")


def test_markdown_and_text(capsys, seed_model):
    rc, out, _ = run_cli(capsys, "check", seed_model, *INT8, "--format", "markdown")
    assert rc == 1 and out.startswith("## dla-advisor check failed")
    assert "| warning | DLA101 `fp32-io-on-dla-engine` |" in out
    rc, out, err = run_cli(capsys, "check", seed_model, *INT8)
    assert "trtexec --inputIOFormats=int8:dla_linear --outputIOFormats=int8:dla_linear" in out
    assert out.rstrip().splitlines()[-1].startswith("FAIL: 2 finding(s) (0 error, 1 warning, 1 info)")
    assert "1 at or above --fail-on warning" in err


def test_bad_input_exits_2(capsys, tmp_path, seed_model):
    assert run_cli(capsys, "check", tmp_path / "missing.onnx")[0] == 2
    assert run_cli(capsys, "check", seed_model, "--select", "DLA999")[0] == 2
    assert run_cli(capsys, "check", seed_model, "--rules", tmp_path / "none")[0] == 2
    junk = tmp_path / "junk.txt"
    junk.write_text("hello\n")
    rc, _, err = run_cli(capsys, "check", junk)
    assert rc == 2 and err.startswith("error: ")
    rc, _, err = run_cli(capsys, "check", seed_model, "-o", seed_model)
    assert rc == 2 and "inputs are never overwritten" in err


def test_defaults_from_pyproject(capsys, tmp_path, seed_model, monkeypatch):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.dla-advisor]\nprecision = "int8"\nfail-on = "info"\nignore = ["DLA101"]\nformat = "json"\n')
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    rc, out, _ = run_cli(capsys, "check", seed_model)
    doc = json.loads(out)
    assert rc == 1 and doc["fail_on"] == "info" and "DLA101" not in doc["rules_checked"]
    assert [f["rule_id"] for f in doc["inputs"][0]["findings"]] == ["DLA401"]
    rc, out, _ = run_cli(capsys, "check", seed_model, "--fail-on", "warning", "--format", "text")
    assert rc == 0 and out.startswith(str(seed_model))
    (tmp_path / "pyproject.toml").write_text('[tool.dla-advisor]\nfail_on = "info"\n')
    rc, _, err = run_cli(capsys, "check", seed_model)
    assert rc == 2 and "unknown key 'fail_on'" in err


def test_measured_artifact_from_the_corpus(capsys, corpus):
    log = corpus / "trtexec_orin_trt8.4_cifar_model_gn_dla_placement_excerpt.log"
    rc, out, _ = run_cli(capsys, "check", log, "--format", "json")
    doc = json.loads(out)
    assert rc == 1 and doc["inputs"][0]["source"].startswith("measured from")
    ids = [f["rule_id"] for f in doc["inputs"][0]["findings"]]
    assert ids == ["DLA302"]
    assert "5 DLA islands" in doc["inputs"][0]["findings"][0]["message"]


def test_rules_list_and_explain(capsys):
    rc, out, _ = run_cli(capsys, "rules")
    lines = out.splitlines()
    assert rc == 0 and lines[0].startswith("DLA101  warning  fp32-io-on-dla-engine")
    assert f"{N_RULES} rules." in out
    rc, out, _ = run_cli(capsys, "rules", "DLA101")
    assert rc == 0 and out.startswith("DLA101 fp32-io-on-dla-engine (warning)")
    assert "trtexec: --inputIOFormats=<dla_input_formats> --outputIOFormats=<dla_output_formats>" in out
    assert "https://forums.developer.nvidia.com/t/run-pure-conv2d-node-on-dla-makes-gpu-get-slower/219770" in out
    rc, out, _ = run_cli(capsys, "rules", "fp16-conv-on-orin-dla")
    assert "On TensorRT >=11.4.1:" in out and "On TensorRT 8.4-10.7:" in out
    assert run_cli(capsys, "rules", "DLA999")[0] == 2


def test_pre_commit_hook_runs_check():
    import yaml

    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "dla-advisor-check")
    assert hook["entry"] == "dla-advisor check" and hook["language"] == "python"
    assert re.search(hook["files"], "models/net.onnx") and not re.search(hook["files"], "models/net.py")


def test_pyproject_rules_folder_is_relative_to_the_file(capsys, tmp_path, seed_model, monkeypatch):
    from .test_two_file_rule import RULE

    (tmp_path / "dla-rules").mkdir()
    (tmp_path / "dla-rules" / "acme.yaml").write_text(RULE)
    (tmp_path / "pyproject.toml").write_text('[tool.dla-advisor]\nrules = ["dla-rules"]\nselect = "ACME101"\n')
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    rc, out, _ = run_cli(capsys, "check", seed_model, "--format", "json")
    assert rc == 0 and json.loads(out)["rules_checked"] == ["ACME101"]
