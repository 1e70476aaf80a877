"""The Python API gives the CLI's documents, raises the package's errors, and loads lazily."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import onnx
import pytest

import dla_advisor
from dla_advisor.errors import DlaAdvisorError, ModelLoadError, UsageError

from rewrite.models import resnet_like
from support import CORPUS, REPO, RULES, SCHEMAS, run_cli_json
from support import SEED_MODEL as SEED

GN_LOG = CORPUS / "trtexec_orin_trt8.4_cifar_model_gn_dla_placement_excerpt.log"


def validate(doc: dict, schema: str) -> None:
    jsonschema.Draft202012Validator(json.loads((SCHEMAS / schema).read_text())).validate(doc)


def cli_json(capsys, *args) -> dict:
    rc, doc = run_cli_json(capsys, *args, "--format", "json")
    assert rc in (0, 1)
    return doc


def same(result) -> dict:
    """The API's document as the CLI writes it (through the one JSON writer: non-finite → null)."""
    return json.loads(result.to_json())


@pytest.mark.parametrize("precision", ["fp16", "int8"])
def test_advise_gives_the_cli_document(capsys, precision):
    result = dla_advisor.advise(str(SEED), precision=precision, input_formats="fp16:chw")
    doc = same(result)
    validate(doc, "advise-1.json")
    assert doc == cli_json(capsys, "advise", SEED, "--precision", precision, "--inputIOFormats", "fp16:chw")
    assert result.summary == result.layout.summary() == doc["layout"]["summary"]
    assert [f.rule_id for f in result.findings] == [f["rule_id"] for f in doc["findings"]]
    assert result.to_dict()["model"] == str(SEED)


def test_advise_and_check_read_a_calibration_cache_like_the_cli(capsys, tmp_path):
    cache = tmp_path / "seed.cache"
    cache.write_text("TRT-8600-EntropyCalibration2\ninput: 3c00f9f4\noutput: 3c00f9f4\n")
    result = dla_advisor.advise(SEED, precision="int8", calib=cache)
    assert same(result) == cli_json(capsys, "advise", SEED, "--precision", "int8", "--calib", cache)
    assert "DLA401" not in [f.rule_id for f in result.findings]  # INT8 with a calibration cache
    checked = dla_advisor.check([SEED], precision="int8", calib=str(cache))
    assert same(checked) == cli_json(capsys, "check", SEED, "--precision", "int8", "--calib", cache)


def test_advise_takes_the_cli_default_and_python_values(capsys, models_dir):
    model = models_dir / "cifar_gn.onnx"
    assert same(dla_advisor.advise(model)) == cli_json(capsys, "advise", model)
    by_dict = dla_advisor.advise(model, shapes={"input": (2, 3, 32, 32)}, input_formats=["fp16:chw"])
    by_text = dla_advisor.advise(model, shapes="input:2x3x32x32", input_formats="fp16:chw")
    assert by_dict.to_dict() == by_text.to_dict()


def test_estimate_gives_the_cli_document(capsys):
    result = dla_advisor.estimate(SEED, "gpu:bs=2,dla0,dla1", power_mode="MAXN")
    doc = same(result)
    validate(doc, "estimate-1.json")
    assert doc == cli_json(capsys, "estimate", SEED, "--plan", "gpu:bs=2,dla0,dla1", "--power-mode", "MAXN")
    assert result.total_images_per_s == pytest.approx(doc["estimate"]["total_images_per_s"])
    explained = dla_advisor.estimate(SEED, "dla0", platform="xavier-trt8.5", explain=True, cuda_graphs=True)
    assert same(explained) == cli_json(capsys, "estimate", SEED, "--plan", "dla0", "--platform", "xavier-trt8.5",
                                       "--explain", "--cuda-graph")
    assert explained.device.id.startswith("xavier")  # the platform's board when no device is named


def test_check_gives_the_cli_document_for_models_and_artifacts(capsys, models_dir):
    inputs = [SEED, models_dir / "cifar_gn.onnx", GN_LOG]
    result = dla_advisor.check(inputs, fail_on="error", ignore="DLA101")
    doc = same(result)
    validate(doc, "check-1.json")
    assert doc == cli_json(capsys, "check", *inputs, "--fail-on", "error", "--ignore", "DLA101")
    assert result.passed == doc["passed"] and result.counts() == doc["counts"]
    assert "DLA101" not in doc["rules_checked"]


def test_inspect_with_model_gives_the_cli_document(capsys, models_dir):
    model = models_dir / "cifar_gn.onnx"
    result = dla_advisor.inspect(GN_LOG, model=model, precision="int8")
    doc = same(result)
    validate(doc, "inspect-1.json")
    assert doc == cli_json(capsys, "inspect", GN_LOG, "--model", model, "--precision", "int8")
    assert result.layout.summary()["dla_loadables"] == 5 and result.comparison is not None


@pytest.mark.parametrize("board", [
    "orin-agx-32gb",  # one point: the same document, fast
    pytest.param("orin-agx-64gb", marks=pytest.mark.slow),  # every point of the fitted board: ~10 s
])
def test_calibrate_without_fit_gives_the_cli_document(capsys, board):
    data = RULES / "calibration" / f"{board}.yaml"
    result = dla_advisor.calibrate(data, fit=False)
    doc = same(result)
    validate(doc, "calibrate-1.json")
    assert doc == cli_json(capsys, "calibrate", data, "--no-fit")
    assert result.mape_pct == pytest.approx(doc["mape_pct"])


def test_tune_document_validates(tmp_path):
    tuned = dla_advisor.tune([SEED], trials=3, seed=0, storage=f"sqlite:///{tmp_path / 's.db'}", reference=False)
    doc = same(tuned)
    validate(doc, "tune-1.json")
    assert doc["trials"]["total"] == 3 and len(tuned.history) >= 1
    assert tuned.best.result.total_images_per_s == max(ips for _, ips, _ in tuned.history)


@pytest.mark.parametrize("model", [
    "resnet_like",  # two rewrites to make
    pytest.param("seed", marks=pytest.mark.slow),  # nothing to rewrite; onnxruntime at 1024x1024 takes seconds
])
def test_fix_document_validates(tmp_path, model):
    pytest.importorskip("onnxruntime")
    path = SEED
    if model == "resnet_like":
        path = tmp_path / "resnet.onnx"
        onnx.save(resnet_like(), str(path))
    fixed = dla_advisor.fix(path, tmp_path / "fixed.onnx")
    doc = same(fixed)
    validate(doc, "fix-1.json")
    assert bool([r for r in doc["rewrites"] if r["sites"]]) == (model == "resnet_like")
    assert Path(fixed.output).is_file()


def test_errors_are_the_package_exceptions_never_system_exit(tmp_path):
    with pytest.raises(ModelLoadError):
        dla_advisor.advise(tmp_path / "missing.onnx")
    with pytest.raises(UsageError):
        dla_advisor.advise(SEED, precision="int4")
    with pytest.raises(UsageError):
        dla_advisor.advise(SEED, input_formats="fp16")
    with pytest.raises(UsageError):
        dla_advisor.check([SEED], fail_on="sometimes")
    with pytest.raises(DlaAdvisorError):
        dla_advisor.estimate(SEED, "tpu")
    with pytest.raises(DlaAdvisorError):
        dla_advisor.inspect([SEED])  # an ONNX model is not a TensorRT artifact


def test_to_html_is_a_page_of_the_same_result():
    html = dla_advisor.advise(SEED).to_html()
    assert html.startswith("<!DOCTYPE html>") and "Conv_1" in html and "DLA101" in html


def test_import_dla_advisor_loads_no_analysis_until_used():
    code = ("import sys, dla_advisor\n"
            "print(sorted(m for m in sys.modules if m.startswith('dla_advisor.') and m != 'dla_advisor._version'\n"
            "             or m in ('onnx', 'optuna')))\n"
            "dla_advisor.advise\n"
            "print('dla_advisor.api' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO).stdout.splitlines()
    assert out == ["[]", "True"]
