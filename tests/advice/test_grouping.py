"""One finding per (rule, cause): JSON keeps every site, text counts them, SARIF has a location each."""

from __future__ import annotations

import json

import onnx


from support import ZOO, run_cli

from .models import islands, reshape_head


def _check(capsys, tmp_path, model, fmt):
    path = tmp_path / "m.onnx"
    onnx.save(model, path)
    rc, out, _ = run_cli(capsys, "check", path, "--format", fmt)
    return rc, out


def test_many_sites_of_one_cause_are_one_finding_in_every_format(capsys, tmp_path):
    rc, out = _check(capsys, tmp_path, islands(splits=6), "json")
    assert rc == 1
    doc = json.loads(out)
    grouped = [f for f in doc["inputs"][0]["findings"] if f["rule_id"] == "DLA201"]
    assert len(grouped) == 1
    f = grouped[0]
    assert f["layers"] == [f"exp{i}" for i in range(6)]
    assert [s["layers"] for s in f["sites"]] == [[f"exp{i}"] for i in range(6)]
    assert all(s["message"].startswith(s["layers"][0] + " (Unary) runs on the GPU") for s in f["sites"])
    assert f["message"].startswith("6 layers (6 Unary) run on the GPU") and "exp0, exp1, exp2 and 3 more" in f["message"]

    _, text = _check(capsys, tmp_path, islands(splits=6), "text")
    line = next(x for x in text.splitlines() if "DLA201" in x)
    assert "exp5" not in line and "and 3 more" in line
    assert "6 layers at 6 sites, one cause" in text

    _, sarif = _check(capsys, tmp_path, islands(splits=6), "sarif")
    result = next(r for r in json.loads(sarif)["runs"][0]["results"] if r["ruleId"] == "DLA201")
    names = [loc["logicalLocations"][0]["name"] for loc in result["locations"]]
    assert names == [f"exp{i}" for i in range(6)]
    assert result["locations"][3]["message"]["text"].startswith("exp3 (Unary)")


def test_different_constraints_stay_different_findings(capsys, tmp_path):
    # The head's reshapes break the 4-D rule and DLA validation: two causes, two rules; the concat's
    # axis is its own rule. None of the 3-D layers is a Flatten + Gemm, so fc-to-conv is not offered.
    _, out = _check(capsys, tmp_path, reshape_head(branches=4), "json")
    findings = json.loads(out)["inputs"][0]["findings"]
    by_rule = {}
    for f in findings:
        by_rule.setdefault(f["rule_id"], []).append(f)
    assert len(by_rule["DLA205"]) == 1 and len(by_rule["DLA205"][0]["layers"]) == 6
    assert not any(x["rewrite"] for f in findings for x in f["fixes"] if x["rewrite"] == "fc-to-conv")
    assert all(len(v) == 1 for v in by_rule.values())


def _models():
    from .models import BUILDERS

    out = [(n, b()) for n, b in BUILDERS.items()]
    out += [(p.name, onnx.load(p, load_external_data=False)) for p in sorted(ZOO.glob("yolo*.onnx"))]
    return out


def test_no_fix_places_a_layer_on_the_gpu_that_is_already_there():
    from dla_advisor.advice import evaluate
    from dla_advisor.graph import network_from_model
    from dla_advisor.layout import BuildConfig, predict
    from dla_advisor.platforms import load_platform


    platform = load_platform("orin-trt10")
    checked = 0
    from .test_precision_modes import _export_shapes

    for name, model in _models():
        zoo_file = ZOO / name
        net = network_from_model(model, batch=1, shapes=_export_shapes(zoo_file) if zoo_file.is_file() else None)
        layout = predict(net, platform, BuildConfig(precision="int8,fp16"))
        on_gpu = {n for p in layout.gpu_layers for n in (p.name, *p.onnx_nodes)}
        for f in evaluate(layout, net, platform):
            for fix in f.fixes:
                for flag in fix.trtexec_flags:
                    if flag.startswith("--layerDeviceTypes="):
                        placed = [e.rpartition(":")[0] for e in flag.split("=", 1)[1].split(",") if e.endswith(":GPU")]
                        assert not set(placed) & on_gpu, (name, f.rule_id, sorted(set(placed) & on_gpu)[:3])
                        checked += 1
    assert checked >= 1  # island_then_head gets the one-engine --layerDeviceTypes alternative
