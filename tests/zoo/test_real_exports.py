"""The models users put on DLA, as their exporters write them, through every platform and precision.

``tests/data/zoo`` holds weight-free skeletons of real exports (``models/make_zoo.py``; its
``MANIFEST.md`` says which package, version and command made each). The analysis must never crash on
them: every layer gets a device, every GPU layer a sourced reason from the vocabulary, the segments
partition the layers, and the commands exit 0 or 1. The layout over every platform and precision and
the CLI on the default platform run unmarked; the CLI over every platform and precision is slow.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import onnx
import pytest
import yaml
from onnx import TensorProto, helper

from dla_advisor.graph import load_network
from dla_advisor.layout import GPU, BuildConfig, predict
from dla_advisor.platforms import list_platforms, load_platform

from support import RULES, ZOO, load_script, run_cli

REASON_IDS = set(yaml.safe_load((RULES / "reasons.yaml").read_text())["reasons"])
PRECISIONS = ["int8", "fp16"]
EXPECTED = {
    "yolov5n", "yolov8n", "yolo11n", "yolo11s", "yolo11m", "yolo11l", "yolo11x", "yolo26n", "rtdetr-l", "yolov8n_dynamic", "yolov8n_nms", "yolov8n-seg",
    "yolov8n-pose", "yolo11n-obb", "ssdlite320_mobilenet_v3_large",
    "retinanet_resnet50_fpn", "fasterrcnn_resnet50_fpn", "deeplabv3_mobilenet_v3_large", "fcn_resnet50",
    "vit_b_16", "swin_t", "resnet18", "mobilenet_v2", "resnet18_dynamo", "vit_b_16_dynamo",
}
MODELS = sorted(p.stem for p in ZOO.glob("*.onnx"))
NODES = {name: row["nodes"] for name, row in json.loads((ZOO / "manifest.json").read_text()).items()}
# Up to ~400 ONNX nodes the CLI, rich text rendering included, takes well under a second a model.
SMALL = [m for m in MODELS if NODES.get(m, 0) <= 400]
PLATFORMS = [p.id for p in list_platforms()]  # what `dla-advisor platforms` lists
# Exports with dynamic image sizes are analysed at the size the engine is built for, as with trtexec.
SHAPES = {"yolov8n_dynamic": {"images": (1, 3, 640, 640)}}


def _shape_opts(name: str) -> list[str]:
    given = SHAPES.get(name)
    return ["--shapes", ",".join(f"{k}:{'x'.join(map(str, v))}" for k, v in given.items())] if given else []


@lru_cache(maxsize=None)
def _net(name: str):
    return load_network(ZOO / f"{name}.onnx", shapes=SHAPES.get(name))


def test_the_zoo_has_every_family_and_the_manifest_describes_each_file():
    assert set(MODELS) == EXPECTED
    manifest = json.loads((ZOO / "manifest.json").read_text())
    text = (ZOO / "MANIFEST.md").read_text()
    assert set(manifest) == EXPECTED
    for name in MODELS:
        model = onnx.load(str(ZOO / f"{name}.onnx"), load_external_data=False)
        opset = max(i.version for i in model.opset_import if i.domain in ("", "ai.onnx"))
        assert manifest[name]["opset"] == opset and manifest[name]["nodes"] == len(model.graph.node)
        assert f"`{name}.onnx`" in text
    assert manifest["yolov5n"]["opset"] == 12 and "v7.0" in manifest["yolov5n"]["source"]


def _external(model: onnx.ModelProto):
    """(tensor, offset, length) of every tensor whose data the skeleton left in the weights file."""
    for t in load_script("models/make_zoo.py", "make_zoo").graph_tensors(model.graph):
        if t.data_location == TensorProto.EXTERNAL:
            d = {e.key: e.value for e in t.external_data}
            yield t, int(d["offset"]), int(d["length"])


def _external_end(model: onnx.ModelProto) -> int:
    return max((off + n for _, off, n in _external(model)), default=0)


def _with_random_weights(tmp_path: Path, name: str) -> Path:
    """A copy of the skeleton beside a weights file of seeded random floats (integer tensors zero).

    Scaled by 1/sqrt(fan-in), as initialisers do, so activations keep their size through deep nets.
    """
    model = onnx.load(str(ZOO / f"{name}.onnx"), load_external_data=False)
    path = tmp_path / f"{name}.onnx"
    path.write_bytes((ZOO / f"{name}.onnx").read_bytes())
    rng = np.random.default_rng(0)
    with open(tmp_path / f"{name}.weights", "wb") as f:
        f.truncate(_external_end(model))
        for t, off, n in _external(model):
            dtype = np.dtype(helper.tensor_dtype_to_np_dtype(t.data_type))
            if dtype.kind == "f":
                f.seek(off)
                fan_in = int(np.prod(t.dims[1:])) if len(t.dims) > 1 else 1
                f.write((rng.standard_normal(n // dtype.itemsize) / np.sqrt(fan_in)).astype(dtype).tobytes())
    return path


@pytest.mark.parametrize("name", ["yolov5n", "yolov8n", "resnet18", "resnet18_dynamo", "rtdetr-l"])
def test_a_skeleton_is_a_valid_model_once_its_weights_file_exists(tmp_path, name):
    # The skeleton drops only data: with a (sparse, all-zero) weights file of the recorded length
    # beside it, onnx's full checker, shape inference included, accepts it.
    model = onnx.load(str(ZOO / f"{name}.onnx"), load_external_data=False)
    (tmp_path / f"{name}.onnx").write_bytes((ZOO / f"{name}.onnx").read_bytes())
    with open(tmp_path / f"{name}.weights", "wb") as f:
        f.truncate(_external_end(model))
    onnx.checker.check_model(str(tmp_path / f"{name}.onnx"), full_check=True)
    big = [t for t in model.graph.initializer if t.data_location == TensorProto.EXTERNAL]
    assert big and all(len(t.dims) and not t.raw_data for t in big)


def test_yolov5_layer_named_like_a_split_slice_is_its_own_node():
    # The stock v7.0 export has /model.24/Split then a node of its own named /model.24/Split_1; the
    # slice's made-up name must not take that name (it crashed the layout before).
    net = _net("yolov5n")
    assert net.layers["/model.24/Split_1"].onnx_nodes == ["/model.24/Split_1"]
    assert [layer.inputs for layer in net if layer.onnx_nodes == ["/model.24/Split_1"]][0] == \
        [t for layer in net if layer.name == "/model.24/Sigmoid_1" for t in layer.outputs]


def test_a_dynamic_image_size_without_shapes_is_a_usage_error_naming_the_fix(capsys):
    rc, out, err = run_cli(capsys, "advise", str(ZOO / "yolov8n_dynamic.onnx"))
    assert rc == 2 and out == ""
    assert err.strip().splitlines() == [
        "error: input 'images' has dynamic dims ['batch', 3, 'height', 'width'] besides the batch. "
        "Pass the shape the engine is built for: --shapes images:1x3x<height>x<width>."]
    # The same export at its built size places exactly like the static export.
    static, dynamic = (predict(_net(n), load_platform("orin-trt10"), BuildConfig(precision="fp16"))
                       for n in ("yolov8n", "yolov8n_dynamic"))
    assert static.summary() == dynamic.summary()


def _layout_is_complete(name: str, platforms) -> None:
    net = _net(name)
    for platform in platforms:
        target = load_platform(platform)
        for precision in PRECISIONS:
            layout = predict(net, target, BuildConfig(precision=precision))
            where = (name, platform, precision)
            assert {p.name for p in layout.placements} == set(net.layers), where
            for p in layout.placements:
                if p.device == GPU:
                    assert p.reasons, (*where, p.name)
                    assert all(r.id in REASON_IDS and r.source.startswith("https://") for r in p.reasons), \
                        (*where, p.name, [r.id for r in p.reasons])
            covered = [n for seg in layout.segments for n in seg.layers]
            assert sorted(covered) == sorted(net.layers), where
            assert len(layout.dla_loadables) <= target.loadables_per_core, where


# The large exports (thousands of nodes) on every platform are slow; in the inner loop they run on the
# newest Orin target and on Xavier (another DLA generation), the small ones on every platform.
@pytest.mark.parametrize("name", [m if m in SMALL else pytest.param(m, marks=pytest.mark.slow) for m in MODELS])
def test_layout_on_every_platform_and_precision_is_complete_and_every_gpu_layer_has_a_reason(name):
    _layout_is_complete(name, PLATFORMS)


@pytest.mark.parametrize("name", [m for m in MODELS if m not in SMALL])
def test_layout_of_a_large_export_on_two_generations_is_complete_and_every_gpu_layer_has_a_reason(name):
    _layout_is_complete(name, ["orin-trt10", "xavier-trt8.5"])


def _advise_and_check(name: str, platform: str, precision: str, capsys, fmt: str) -> None:
    model = str(ZOO / f"{name}.onnx")
    opts = ["--platform", platform, "--precision", precision, *_shape_opts(name)]
    rc, out, err = run_cli(capsys, "advise", model, *opts, "--format", fmt)
    assert rc == 0, err  # a report: findings do not change the exit code without --fail-on
    if fmt == "json":
        layout = json.loads(out)["layout"]
        assert layout["platform"] == platform and layout["summary"]["layers"] == len(_net(name).layers)
        gpu = [layer for layer in layout["layers"] if layer["device"] == "GPU"]
        assert len(gpu) == layout["summary"]["gpu_layers"]
        assert all(layer["reasons"] and {r["id"] for r in layer["reasons"]} <= REASON_IDS for layer in gpu)
    else:
        assert "DLA loadable" in out + err
    rc, out, err = run_cli(capsys, "check", model, *opts, "--format", "json")
    report = json.loads(out)
    assert rc in (0, 1) and "Traceback" not in err
    failing = int(err.rsplit(";", 1)[1].split()[0])
    assert rc == (1 if failing else 0), err
    assert isinstance(report, dict)


@pytest.mark.parametrize("precision", PRECISIONS)
@pytest.mark.parametrize("name", SMALL)
def test_cli_on_the_default_platform(name, precision, capsys):
    _advise_and_check(name, "orin-trt10", precision, capsys, "text")
    rc, out, _ = run_cli(capsys, "fix", "--list")
    assert rc == 0 and "split" in out.lower()


# The torchvision detectors, ViT and Swin (~2,000+ nodes) take seconds per command (findings for every
# GPU layer), so the CLI runs them on one target of each DLA generation, one precision each; the layout
# test above covers every platform and precision.
BIG = {m for m in MODELS if NODES.get(m, 0) > 1900}
GENERATIONS = {("orin-trt10", "fp16"), ("xavier-trt8.5", "int8")}


def _fix(name: str, tmp_path: Path, capsys) -> None:
    # The skeleton with random weights is a real model again, so fix's rewrites run and are verified
    # with onnxruntime on the graphs exporters really write.
    model = _with_random_weights(tmp_path, name)
    before = model.read_bytes()
    rc, out, err = run_cli(capsys, "fix", str(model), "-o", str(tmp_path / "fixed.onnx"), *_shape_opts(name))
    assert rc == 0, err
    assert "outputs match" in out + err and (tmp_path / "fixed.onnx").stat().st_size > 0
    assert model.read_bytes() == before


@pytest.mark.parametrize("name", ["yolov5n", pytest.param("yolo26n", marks=pytest.mark.slow)])
def test_fix_rewrites_a_real_export_and_proves_the_outputs_unchanged(name, tmp_path, capsys):
    _fix(name, tmp_path, capsys)


@pytest.mark.slow
# fcn_resnet50 has nothing to rewrite and costs ~50 s of onnxruntime at 520x520; it is left out.
@pytest.mark.parametrize("name", [m for m in SMALL if m not in ("yolov5n", "yolo26n", "fcn_resnet50")])
def test_fix_on_every_small_export(name, tmp_path, capsys):
    _fix(name, tmp_path, capsys)


@pytest.mark.slow
@pytest.mark.parametrize("precision", PRECISIONS)
@pytest.mark.parametrize("platform", PLATFORMS)
def test_cli_on_every_platform_and_precision(platform, precision, capsys):
    for name in MODELS:
        if name in BIG and (platform, precision) not in GENERATIONS:
            continue
        _advise_and_check(name, platform, precision, capsys, "json")
