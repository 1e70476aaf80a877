"""`dla-advisor split`: a DLA part (one loadable, no GPU layer) and a GPU part that reproduce the model."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import numpy as np
import onnx
import pytest
from onnx import helper

from dla_advisor.graph import load_network
from dla_advisor.layout import BuildConfig, predict
from dla_advisor.platforms import load_platform

from .conftest import sha256

from onnx_builder import array, conv, model, vi
from support import SCHEMAS, ZOO, run_cli

SCHEMA = json.loads((SCHEMAS / "split-1.json").read_text())


def _conv(name, x, y, cin, cout, rng, k=3):
    return conv(name, x, y, cin, cout, k=k, weight=rng.standard_normal((cout, cin, k, k)).astype(np.float32) * 0.1)


def head_model(skip_input: bool = False) -> onnx.ModelProto:
    """stem -> SiLU -> 3 head convs -> Reshape to 3-D -> Concat(axis 2) -> Sigmoid (a decode-head tail).

    ``skip_input``: the tail also reads the network input directly (a tensor that skips the cut).
    """
    rng = np.random.default_rng(1)
    nodes, inits, parts = [], [], []
    n, w = _conv("stem", "images", "s0", 3, 16, rng)
    nodes += [n, helper.make_node("Sigmoid", ["s0"], ["sg"], name="stem_sig"),
              helper.make_node("Mul", ["s0", "sg"], ["s"], name="stem_silu")]
    inits.append(w)
    for b in range(3):
        n, w = _conv(f"head{b}", "s", f"h{b}", 16, 8, rng, k=1)
        nodes.append(n)
        inits += [w, array(f"shape{b}", [1, 8, -1], np.int64)]
        nodes.append(helper.make_node("Reshape", [f"h{b}", f"shape{b}"], [f"r{b}"], name=f"reshape{b}"))
        parts.append(f"r{b}")
    if skip_input:
        inits.append(array("shape_in", [1, 8, -1], np.int64))
        nodes.append(helper.make_node("Reshape", ["images", "shape_in"], ["rin"], name="reshape_in"))
        parts.append("rin")
        # the stem reads 8 channels so the input can be reshaped like the heads
        inits[0] = array("stem.w", rng.standard_normal((16, 8, 3, 3)).astype(np.float32) * 0.1)
    nodes.append(helper.make_node("Concat", parts, ["cat"], name="concat", axis=2))
    nodes.append(helper.make_node("Sigmoid", ["cat"], ["output0"], name="decode"))
    return model(nodes, [vi("images", [1, 8, 16, 16] if skip_input else [1, 3, 16, 16])], [vi("output0", None)], inits,
                 opset=17, name="head")


def _split(capsys, model_path, out_dir, *args):
    rc, out, err = run_cli(capsys, "split", model_path, "-o", out_dir, "--format", "json", *args)
    return rc, (json.loads(out) if rc == 0 else None), err


def test_split_writes_a_clean_dla_part_and_a_gpu_part_that_reproduce_the_model(tmp_path, capsys):
    src = tmp_path / "det.onnx"
    onnx.save(head_model(), src)
    before = sha256(src)
    rc, doc, _ = _split(capsys, src, tmp_path / "out", "--precision", "int8,fp16")
    assert rc == 0 and sha256(src) == before
    jsonschema.Draft202012Validator(SCHEMA).validate(doc)
    dla, gpu = doc["parts"]["dla"], doc["parts"]["gpu"]
    assert dla["summary"]["dla_loadables"] == 1 and dla["summary"]["gpu_layers"] == 0 and dla["summary"]["reformats"] == 0
    assert [c["tensor"] for c in doc["cut"]] == ["h0", "h1", "h2"]
    assert {c["format"] for c in doc["cut"]} == {"int8:chw32"}  # INT8 convolutions hand over in DLA's INT8 format
    assert doc["verification"] == [{"output": "output0", "shape": [1, 8, 768], "match": True, "max_abs_diff": 0.0,
                                     "detail": ""}]
    assert "--useDLACore=0" in dla["trtexec"] and "--allowGPUFallback" not in dla["trtexec"]
    assert "--int8 --fp16" in dla["trtexec"] and "--outputIOFormats=int8:chw32,int8:chw32,int8:chw32" in dla["trtexec"]
    assert "--useDLACore" not in gpu["trtexec"] and "--inputIOFormats=int8:chw32,int8:chw32,int8:chw32" in gpu["trtexec"]
    assert doc["throughput"]["provenance"].startswith("modelled (")
    assert doc["throughput"]["pipeline_images_per_s"] == min(doc["throughput"]["stages"].values())

    dla_model = onnx.load(dla["path"])
    gpu_model = onnx.load(gpu["path"])
    assert [o.name for o in dla_model.graph.output] == ["h0", "h1", "h2"]
    assert [i.name for i in gpu_model.graph.input] == ["h0", "h1", "h2"]
    assert not {n.op_type for n in gpu_model.graph.node} & {"Conv"}
    # The DLA part on its own: one loadable, nothing on the GPU, as the report says.
    layout = predict(load_network(dla["path"]), load_platform("orin-trt10"), BuildConfig(precision="int8,fp16", gpu_fallback=False))
    assert len(layout.dla_loadables) == 1 and not layout.gpu_layers


def test_input_read_by_the_tail_becomes_a_gpu_input(tmp_path, capsys):
    src = tmp_path / "skip.onnx"
    onnx.save(head_model(skip_input=True), src)
    rc, doc, _ = _split(capsys, src, tmp_path / "out")
    assert rc == 0
    assert doc["skip_inputs"] == ["images"]
    gpu_inputs = [i.name for i in onnx.load(doc["parts"]["gpu"]["path"]).graph.input]
    assert gpu_inputs == ["h0", "h1", "h2", "images"]
    assert doc["verification"][0]["match"] is True
    assert "fp32:chw" in doc["parts"]["gpu"]["trtexec"]  # the skipped input keeps its own format


def test_weight_free_model_is_verified_with_random_weights_and_stays_weight_free(tmp_path, capsys):
    src = tmp_path / "skel.onnx"
    m = head_model()
    onnx.save(m, src, save_as_external_data=True, all_tensors_to_one_file=True, location="skel.weights", size_threshold=64)
    (tmp_path / "skel.weights").unlink()  # as shipped: the weight file is not there
    rc, doc, _ = _split(capsys, src, tmp_path / "out")
    assert rc == 0 and doc["random_weights"] >= 1
    assert any("weights are absent" in n for n in doc["notes"])
    assert all(v["match"] for v in doc["verification"])
    part = onnx.load(doc["parts"]["dla"]["path"], load_external_data=False)
    refs = {e.value for t in part.graph.initializer for e in t.external_data if e.key == "location"}
    assert refs == {"../skel.weights"}


def test_cut_at_named_tensors_and_bad_names(tmp_path, capsys):
    src = tmp_path / "det.onnx"
    onnx.save(head_model(), src)
    rc, doc, _ = _split(capsys, src, tmp_path / "out", "--at", "s")
    assert rc == 0 and [c["tensor"] for c in doc["cut"]] == ["s"] and doc["verification"][0]["match"]
    assert doc["parts"]["dla"]["summary"]["layers"] < 5
    rc, _, err = _split(capsys, src, tmp_path / "out2", "--at", "nope")
    assert rc == 2 and "--at names tensor(s) no layer produces: nope" in err and "Traceback" not in err


def test_refuses_a_file_as_output_folder_and_never_touches_the_input(tmp_path, capsys):
    src = tmp_path / "det.onnx"
    onnx.save(head_model(), src)
    before = sha256(src)
    rc, _, err = _split(capsys, src, src)
    assert rc == 2 and "is a file" in err
    assert sha256(src) == before




@pytest.mark.parametrize("family", ["yolov5", "yolov8", "yolo11"])
def test_yolo_families_split_into_one_clean_loadable_with_matching_outputs(family, tmp_path, capsys):
    # The nano export: the family's structure at its smallest width (the s/m/l/x exports only widen it,
    # and the first of them by name, yolo11l, takes several times as long to verify).
    model = ZOO / f"{family}n.onnx"
    if not model.exists():
        pytest.skip(f"no {family}n export in tests/data/zoo")
    rc, doc, err = _split(capsys, model, tmp_path, "--precision", "int8,fp16")
    assert rc == 0, err
    s = doc["parts"]["dla"]["summary"]
    assert s["dla_loadables"] == 1 and s["gpu_layers"] == 0 and s["dla_layers"] >= 50
    assert doc["verification"] and all(v["match"] for v in doc["verification"])


def test_dynamic_spatial_dims_need_shapes(tmp_path, capsys):
    m = head_model()
    dims = m.graph.input[0].type.tensor_type.shape.dim
    dims[2].dim_param, dims[3].dim_param = "height", "width"
    src = tmp_path / "dyn.onnx"
    onnx.save(m, src)
    rc, _, err = _split(capsys, src, tmp_path / "out")
    assert rc == 2 and "--shapes images:1x3x" in err and "Traceback" not in err
    rc, doc, _ = _split(capsys, src, tmp_path / "out", "--shapes", "images:1x3x16x16")
    assert rc == 0 and doc["verification"][0]["match"]
    dims = onnx.load(doc["parts"]["dla"]["path"]).graph.input[0].type.tensor_type.shape.dim
    assert [d.dim_value for d in dims] == [1, 3, 16, 16]  # the part is static: no --shapes needed to build it


def test_an_output_computed_on_dla_comes_from_the_dla_engine(tmp_path, capsys):
    m = head_model()
    m.graph.output.append(vi("h0", None))  # e.g. a mask prototype
    src = tmp_path / "two_out.onnx"
    onnx.save(m, src)
    rc, doc, _ = _split(capsys, src, tmp_path / "out")
    assert rc == 0 and [v["output"] for v in doc["verification"]] == ["output0", "h0"]
    assert all(v["match"] for v in doc["verification"])
    assert "h0" in [o.name for o in onnx.load(doc["parts"]["dla"]["path"]).graph.output]
    assert "h0" in [i.name for i in onnx.load(doc["parts"]["gpu"]["path"]).graph.input]  # the head still reads it


def test_api_split_gives_the_cli_document_and_a_page(tmp_path, capsys):
    import dla_advisor

    src = tmp_path / "det.onnx"
    onnx.save(head_model(), src)
    rc, doc, _ = _split(capsys, src, tmp_path / "cli", "--precision", "int8,fp16")
    result = dla_advisor.split(src, tmp_path / "api", precision="int8,fp16")
    api_doc = json.loads(result.to_json())
    jsonschema.Draft202012Validator(SCHEMA).validate(api_doc)
    # Same document apart from where the parts were written.
    for d in (doc, api_doc):
        for part in d["parts"].values():
            part.pop("path")
            part["trtexec"] = part["trtexec"].replace(str(tmp_path / "cli"), "OUT").replace(str(tmp_path / "api"), "OUT")
    assert rc == 0 and api_doc == doc
    assert Path(result.dla_path).is_file() and Path(result.gpu_path).is_file()
    page = result.to_html()
    assert "DLA part" in page and "GPU part" in page and "<script src=" not in page
