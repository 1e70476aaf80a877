"""`dla-advisor inspect`, in-process through run_cli and once as a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys

from support import REPO, SEED_MODEL, TEST_DATA, corpus_file, run_cli, run_cli_json

DATA = TEST_DATA / "artifacts"
SEED = DATA / "seed_conv2d_1024_int8_dla_verbose_excerpt.log"
EDITED = DATA / "seed_conv2d_1024_edited_conv_on_gpu.log"
MODEL = SEED_MODEL


def test_seed_prediction_equals_reality(capsys):
    rc, doc = run_cli_json(capsys, "inspect", SEED, "--model", MODEL, "--precision", "int8", "--format", "json")
    assert rc == 0
    assert doc["schema_version"] == "1.1" and doc["tool"] == "dla-advisor" and doc["command"] == "inspect"
    cmp = doc["comparison"]
    assert cmp["matches"] is True
    assert cmp["loadables"] == {"predicted": 1, "measured": 1}
    assert (cmp["reformats"]["predicted"], cmp["reformats"]["measured"]) == (2, 2)
    assert cmp["reformats"]["measured_by_location"] == {"network_input": 1, "network_output": 1}
    assert cmp["wrong"] == []
    assert [(d["layer"], d["predicted"], d["measured"], d["measured_layer"]) for d in cmp["layers"]] == [
        ("Conv_1", "DLA", "DLA", "{ForeignNode[Conv_1]}")]
    assert doc["reformats_by_kind"] == {"to_nvm": 1, "from_nvm": 1}


def test_seed_text_report(capsys):
    rc, out, err = run_cli(capsys, "inspect", SEED, "--model", MODEL, "--precision", "int8")
    assert rc == 0
    assert "Prediction vs reality" in out and "MATCH" in out and "MISMATCH" not in out
    assert "1 × to nvm" in out and "1 × from nvm" in out
    assert "prediction matches" in err


def test_mismatch_names_the_layer(capsys):
    rc, out, err = run_cli(capsys, "inspect", EDITED, "--model", MODEL, "--precision", "int8")
    assert rc == 0
    assert "MISMATCH" in out
    assert "Prediction was wrong for: Conv_1" in out
    assert "prediction wrong for 1 layer(s)" in err


def test_not_an_artifact_exits_2_naming_kinds(tmp_path, capsys):
    p = tmp_path / "notes.txt"
    p.write_text("shopping list\neggs\nmilk\n")
    rc, _, err = run_cli(capsys, "inspect", p)
    assert rc == 2
    assert "not a TensorRT artifact" in err
    for kind in ("trtexec or TensorRT builder log", "--exportLayerInfo JSON", "--exportProfile JSON",
                 "--exportTimes JSON", "--dumpProfile table", "serialized TensorRT engine"):
        assert kind in err
    assert "Traceback" not in err


def test_engine_without_tensorrt_is_a_clear_error(tmp_path, capsys, monkeypatch):
    from dla_advisor.artifacts import READERS

    monkeypatch.setitem(sys.modules, "tensorrt", None)  # absent, even on a board that has it
    p = tmp_path / "model.engine"
    p.write_bytes(b"\x00\x01ftrt" + bytes(range(256)))
    rc, _, err = run_cli(capsys, "inspect", p)
    assert rc == 2
    assert "needs the tensorrt Python package" in err and err.count("\n") == 1
    # The engine is a registered reader like the others, found by its kind.
    assert READERS["engine"].__name__ == "LayoutFromEngine"


def test_output_file_and_several_artifacts(tmp_path, capsys):
    out = tmp_path / "r.json"
    rc, _, _ = run_cli(capsys, "inspect", corpus_file("layerinfo_gpu_a100_resnet50_qat_detailed.json"),
                       corpus_file("exportprofile_gpu_a100_resnet50_qat.json"), "--format", "json", "-o", out)
    assert rc == 0
    doc = json.loads(out.read_text())
    assert [a["kind"] for a in doc["artifacts"]] == ["layer-info-json", "profile-json"]
    assert doc["layout"]["summary"]["reformats"] == 12
    assert doc["measurement"]["label"] == "measured (trtexec)"


def test_refuses_to_overwrite_input(capsys):
    rc, _, err = run_cli(capsys, "inspect", SEED, "-o", SEED)
    assert rc == 2
    assert "one of the input files" in err


def test_subprocess_module_entry_point():
    proc = subprocess.run([sys.executable, "-m", "dla_advisor", "inspect",
                           str(corpus_file("trtexec_orin_trt8.4_cifar_model_gn_dla_placement_excerpt.log"))],
                          capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "DLA loadables: 5" in proc.stdout
    assert "GPU layers: 6" in proc.stdout
    assert "throughput: 305.926 qps" in proc.stdout
    assert "InstanceNormalization_5" in proc.stdout
