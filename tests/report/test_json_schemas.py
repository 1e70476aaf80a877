"""Every ``--format json`` document validates against its published schema in dla_advisor/report/schemas/.

Each command runs in-process and its output is validated twice: against the schema as published (open to
fields a later 1.x adds), and against a closed copy that rejects any key the schema does not describe, so
a field added to a renderer without documenting it fails here. Each test also checks values the command
must produce, so a document that is valid but wrong fails too.
"""

from __future__ import annotations

import copy
import json
import re
from functools import lru_cache
from pathlib import Path

import jsonschema
import pytest

from dla_advisor.advice import load_rules
from dla_advisor.rewrite import all_rewrites

# Counted from the rule files and the rewrite registry, so adding one does not edit this file.
N_RULES = len(load_rules().selected((), ()))
N_REWRITES = len(all_rewrites())

from support import CORPUS, RULES, SCHEMAS, run_cli_json
GN_LOG = "trtexec_orin_trt8.4_cifar_model_gn_dla_placement_excerpt.log"


@lru_cache(maxsize=None)
def schema(name: str) -> dict:
    return json.loads((SCHEMAS / name).read_text())


def _closed(node):
    """A copy of a schema in which every object that lists ``properties`` allows no other key."""
    if isinstance(node, list):
        return [_closed(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _closed(v) for k, v in node.items()}
    # A node combining branches (fix's run-or-list) is closed by its branches, not by itself.
    if "properties" in node and "additionalProperties" not in node and not {"oneOf", "anyOf", "allOf", "if"} & set(node):
        out["additionalProperties"] = False
    return out


def validate(doc, name: str) -> None:
    published = schema(name)
    jsonschema.Draft202012Validator(published).validate(doc)
    jsonschema.Draft202012Validator(_closed(copy.deepcopy(published))).validate(doc)


# --- the schema files themselves -------------------------------------------------------------------------

def schema_files() -> list[Path]:
    return sorted(SCHEMAS.glob("*-1.json"))


def test_every_command_with_json_output_has_a_schema():
    names = {p.name for p in schema_files()}
    assert names == {f"{c}-1.json" for c in ("advise", "calibrate", "check", "estimate", "fix", "inspect",
                                               "platforms", "rules", "split", "tune")}


@pytest.mark.parametrize("path", schema_files(), ids=lambda p: p.name)
def test_schema_file_is_a_valid_versioned_draft_2020_12_schema(path):
    doc = json.loads(path.read_text())
    jsonschema.Draft202012Validator.check_schema(doc)
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert doc["$id"] == f"https://dla-advisor.invalid/schemas/{path.name}"
    command = path.name.removesuffix("-1.json")
    assert f"{command}-2.json" in doc["description"], "the description states the compatibility promise"
    version = doc["properties"]["schema_version"]
    patterns = [version.get("pattern")] + [alt.get("pattern") for alt in version.get("anyOf", ())]
    assert r"^1\.[0-9]+$" in patterns
    assert doc["properties"]["command"] == {"const": command}
    assert {"schema_version", "tool", "command"} <= set(doc["required"])


def test_schema_version_pattern_accepts_minor_versions_only():
    validator = jsonschema.Draft202012Validator(schema("check-1.json")["properties"]["schema_version"])
    assert validator.is_valid("1.0") and validator.is_valid("1.12")
    assert not validator.is_valid("2.0") and not validator.is_valid("1") and not validator.is_valid(1)


def test_closed_copy_rejects_an_undocumented_field(seed_model, capsys):
    rc, doc = run_cli_json(capsys, "estimate", seed_model, "--plan", "dla0", "--format", "json")
    assert rc == 0
    validate(doc, "estimate-1.json")
    doc["estimate"]["engines"][0]["undocumented"] = 1
    jsonschema.Draft202012Validator(schema("estimate-1.json")).validate(doc)  # published: open for 1.x
    with pytest.raises(jsonschema.ValidationError, match="undocumented"):
        validate(doc, "estimate-1.json")


# --- check -----------------------------------------------------------------------------------------------

def test_check_json_on_a_model_and_a_log(models_dir, corpus, capsys):
    rc, doc = run_cli_json(capsys, "check", models_dir / "cifar_gn.onnx", corpus / GN_LOG, "--platform", "orin-trt8.4",
                       "--precision", "int8", "--shapes", "input:32x3x32x32", "--format", "json")
    validate(doc, "check-1.json")
    assert rc == 1 and doc["passed"] is False
    model, log = doc["inputs"]
    assert model["source"] == "predicted" and model["summary"]["dla_loadables"] == 5
    assert log["source"].startswith("measured from ") and log["summary"]["gpu_layers"] == 6
    findings = model["findings"] + log["findings"]
    counts = {s: sum(f["severity"] == s for f in findings) for s in ("info", "warning", "error")}
    assert doc["counts"] == counts
    assert "DLA301" in {f["rule_id"] for f in model["findings"]}
    assert len(doc["rules_checked"]) == N_RULES


def test_check_json_clean_model_has_no_findings_at_error(seed_model, capsys):
    rc, doc = run_cli_json(capsys, "check", seed_model, "--precision", "int8", "--fail-on", "error", "--format", "json")
    validate(doc, "check-1.json")
    assert rc == 0 and doc["passed"] is True and doc["counts"]["error"] == 0
    assert [i["summary"]["dla_loadables"] for i in doc["inputs"]] == [1]


# --- inspect ---------------------------------------------------------------------------------------------

def test_inspect_json_with_model_compares_prediction_and_log(models_dir, corpus, capsys):
    rc, doc = run_cli_json(capsys, "inspect", corpus / GN_LOG, "--model", models_dir / "cifar_gn.onnx", "--platform",
                       "orin-trt8.4", "--precision", "int8", "--shapes", "input:32x3x32x32", "--format", "json")
    assert rc == 0
    validate(doc, "inspect-1.json")
    assert doc["command"] == "inspect"
    assert [a["kind"] for a in doc["artifacts"]] == ["trtexec-log"]
    assert doc["layout"]["summary"]["dla_loadables"] == 5 and doc["layout"]["summary"]["gpu_layers"] == 6
    assert doc["measurement"]["throughput_qps"] == pytest.approx(305.926)
    assert doc["measurement"]["label"] == "measured (trtexec)"
    assert doc["comparison"]["loadables"] == {"predicted": 5, "measured": 5}
    assert doc["predicted"]["source"] == "predicted"


def _corpus_artifacts() -> list[str]:
    corpus = CORPUS
    return sorted(p.name for p in corpus.glob("*") if p.suffix in (".log", ".json")) if corpus.is_dir() else []


@pytest.mark.parametrize("name", _corpus_artifacts())
def test_inspect_json_of_every_corpus_artifact(name, corpus, capsys):
    rc, doc = run_cli_json(capsys, "inspect", corpus / name, "--format", "json")
    assert rc == 0
    validate(doc, "inspect-1.json")
    layout = doc["layout"]
    devices = [layer["device"] for layer in layout["layers"]]
    summary, counts = layout["summary"], doc["counts"]
    # A count is either what the listed layers add up to, or null where the artifact does not show it.
    assert summary["layers"] in (len(devices), None)
    assert summary["gpu_layers"] == counts["gpu_layers"] and summary["gpu_layers"] in (devices.count("GPU"), None)
    assert summary["dla_loadables"] == counts["dla_loadables"] and summary["dla_loadables"] in (len(layout["loadables"]), None)
    if counts["reformats"] is None:
        assert doc["reformats_by_kind"] is None and summary["reformats"] is None
    else:
        assert sum(doc["reformats_by_kind"].values()) == summary["reformats"] == counts["reformats"]
    assert "comparison" not in doc and "model" not in doc
    if doc["measurement"] is not None:
        assert doc["measurement"]["provenance"]["kind"] == "measured"


# --- estimate and calibrate ------------------------------------------------------------------------------

def test_estimate_json_one_entry_per_engine_all_modelled(seed_model, capsys):
    rc, doc = run_cli_json(capsys, "estimate", seed_model, "--plan", "gpu:bs=2,dla0,dla1", "--format", "json")
    assert rc == 0
    validate(doc, "estimate-1.json")
    engines = doc["estimate"]["engines"]
    assert [(e["device"], e["batch"]) for e in engines] == [("gpu", 2), ("dla0", 1), ("dla1", 1)]
    assert doc["estimate"]["total_images_per_s"] == pytest.approx(sum(e["images_per_s"] for e in engines))
    assert {e["provenance"]["label"] for e in engines} == {doc["estimate"]["provenance"]["label"]}
    assert doc["estimate"]["provenance"]["label"].startswith("modelled (orin-agx-64gb")


def test_calibrate_json_reports_every_point(capsys):
    # The smallest shipped file (one point) keeps this fast; the large ones build big detectors.
    rules = RULES / "calibration" / "orin-agx-32gb.yaml"
    rc, doc = run_cli_json(capsys, "calibrate", rules, "--no-fit", "--format", "json")
    assert rc == 0
    validate(doc, "calibrate-1.json")
    assert len(doc["points"]) == 1
    mape = sum(abs(p["error_pct"]) for p in doc["points"]) / len(doc["points"])
    assert doc["mape_pct"] == pytest.approx(mape)


def test_estimate_schema_rejects_a_measured_number(seed_model, capsys):
    _, doc = run_cli_json(capsys, "estimate", seed_model, "--plan", "dla0", "--format", "json")
    doc["estimate"]["engines"][0]["provenance"]["kind"] = "measured"
    with pytest.raises(jsonschema.ValidationError):
        validate(doc, "estimate-1.json")


# --- tune ------------------------------------------------------------------------------------------------

def test_tune_json_sim_backend(seed_model, tmp_path, capsys):
    rc, doc = run_cli_json(capsys, "tune", seed_model, "--backend", "sim", "--trials", "3", "--seed", "1",
                       "--storage", f"sqlite:///{tmp_path / 's.db'}", "--format", "json")
    assert rc == 0
    validate(doc, "tune-1.json")
    assert doc["trials"]["total"] == 3 and doc["trials"]["this_run"] == 3
    assert sum(doc["trials"]["states"].values()) == 3
    assert (doc["backend"]["name"], doc["backend"]["kind"]) == ("sim", "modelled")
    best = doc["best"]
    assert best["engines"] and len(best["engines"]) == len(best["plan"]["engines"])
    assert all(e["provenance"]["kind"] == "modelled" for e in best["engines"])
    assert doc["comparison"]["ratio"] == pytest.approx(best["total_images_per_s"] / doc["reference"]["total_images_per_s"])
    assert any(c.startswith("trtexec --onnx=") for c in doc["commands"])


# --- fix -------------------------------------------------------------------------------------------------

def _gap_model(path: Path) -> Path:
    import numpy as np
    import onnx
    from onnx import helper

    from onnx_builder import array, model, vi

    weight = array("w", np.random.default_rng(0).standard_normal((8, 3, 3, 3)).astype(np.float32))
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv", pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["r"], name="relu"),
             helper.make_node("GlobalAveragePool", ["r"], ["y"], name="gap")]
    onnx.save(model(nodes, [vi("x", [1, 3, 16, 16])], [vi("y", [1, 8, 1, 1])], [weight], name="gap"), path)
    return path


def test_fix_json_rewrites_the_global_average_pool(tmp_path, capsys):
    pytest.importorskip("onnxruntime")
    model = _gap_model(tmp_path / "gap.onnx")
    rc, doc = run_cli_json(capsys, "fix", model, "-o", tmp_path / "fixed.onnx", "--format", "json")
    assert rc == 0
    validate(doc, "fix-1.json")
    applied = {r["name"]: r["sites"] for r in doc["rewrites"] if r["sites"]}
    assert applied == {"gap-to-avgpool": 1}
    assert doc["verification"]["ok"] is True and doc["written"] == [str(tmp_path / "fixed.onnx")]
    assert (doc["layout"]["before"]["gpu_layers"], doc["layout"]["after"]["gpu_layers"]) == (1, 0)
    assert doc["throughput"]["after"]["provenance"].startswith("modelled (")


def test_fix_list_json(capsys):
    rc, doc = run_cli_json(capsys, "fix", "--list", "--format", "json")
    assert rc == 0
    validate(doc, "fix-1.json")
    assert (doc["tool"], doc["command"]) == ("dla-advisor", "fix")
    assert len(doc["rewrites"]) == N_REWRITES and "gap-to-avgpool" in {r["name"] for r in doc["rewrites"]}


def test_fix_schema_tells_a_run_from_a_list(capsys):
    _, listing = run_cli_json(capsys, "fix", "--list", "--format", "json")
    listing["model"] = "m.onnx"  # half a run report is neither document
    listing["rewrites"] = [{"name": "gap-to-avgpool", "sites": 1}]
    with pytest.raises(jsonschema.ValidationError):
        validate(listing, "fix-1.json")


# --- platforms and rules ---------------------------------------------------------------------------------

def test_platforms_json(capsys):
    rc, doc = run_cli_json(capsys, "platforms", "--format", "json")
    assert rc == 0
    validate(doc, "platforms-1.json")
    plats = doc["platforms"]
    assert len(plats) == 7 and {p["soc"] for p in plats} == {"orin", "xavier", "woa"}
    rc, one = run_cli_json(capsys, "platforms", "xavier-trt8.5", "--format", "json")
    validate(one, "platforms-1.json")
    assert [(p["id"], p["trt"]) for p in one["platforms"]] == [("xavier-trt8.5", ["8.4", "8.5"])]


def test_rules_json_list_and_one(capsys):
    rc, rules = run_cli_json(capsys, "rules", "--format", "json")
    assert rc == 0
    validate(rules, "rules-1.json")
    assert rules["command"] == "rules" and "rule" not in rules
    assert len(rules["rules"]) == N_RULES and len({r["id"] for r in rules["rules"]}) == N_RULES
    rc, one = run_cli_json(capsys, "rules", "DLA101", "--format", "json")
    validate(one, "rules-1.json")
    rule = one["rule"]
    assert rule["name"] == "fp32-io-on-dla-engine" and rule["fix"]["fix_safety"] == "changes-numerics"


def test_published_rule_schema_agrees_with_the_loader_on_severities_and_safety():
    from dla_advisor.advice._schema import FIX_SAFETY, RULE_SCHEMA

    rule = schema("rules-1.json")["$defs"]["rule"]
    assert rule["properties"]["severity"]["enum"] == RULE_SCHEMA["properties"]["severity"]["enum"]
    assert rule["properties"]["fix"]["properties"]["fix_safety"]["enum"] == list(FIX_SAFETY)
    assert set(rule["required"]) == set(RULE_SCHEMA["required"])
    assert set(rule["properties"]) == set(RULE_SCHEMA["properties"])
    assert re.fullmatch(rule["properties"]["id"]["pattern"], "DLA101")


def test_reports_write_strict_json_even_for_non_finite_numbers():
    # A modelled engine with zero throughput has an infinite latency; Python would write `Infinity`.
    from dla_advisor.report._json import dumps

    assert json.loads(dumps({"latency_ms": float("inf"), "xs": [1.0, float("nan")]})) == {"latency_ms": None, "xs": [1.0, None]}
