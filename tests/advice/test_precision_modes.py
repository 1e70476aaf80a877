"""--precision like trtexec: fp16, int8, int8,fp16 (--int8 --fp16), best (--best), predicted per layer."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import helper

from dla_advisor.errors import UsageError
from dla_advisor.graph import load_network, network_from_model
from dla_advisor.layout import BuildConfig, predict
from dla_advisor.platforms import load_platform

from onnx_builder import array, conv, model, vi
from support import ZOO, load_script, run_cli, run_cli_json

from .models import BUILDERS
ORIN = load_platform("orin-trt10")


@pytest.mark.parametrize("spec, primary, flags", [
    ("fp16", "fp16", ["--fp16"]), ("int8", "int8", ["--int8"]), ("int8,fp16", "int8", ["--int8", "--fp16"]),
    ("fp16,int8", "int8", ["--int8", "--fp16"]), ("best", "int8", ["--best"]),
])
def test_precision_specs_map_to_trtexec_flags(spec, primary, flags):
    c = BuildConfig(precision=spec)
    assert c.precision == primary and c.precision_flags() == flags
    assert c.trtexec_flags("m.onnx")[1:1 + len(flags)] == flags
    assert BuildConfig(precision=c.precision_spec) == c


def test_unknown_precision_is_a_usage_error(capsys, tmp_path):
    with pytest.raises(UsageError):
        BuildConfig(precision="int4")
    path = tmp_path / "m.onnx"
    onnx.save(BUILDERS["conv_chain"](), path)
    rc, _, err = run_cli(capsys, "check", path, "--precision", "int4")
    assert rc == 2
    assert "int8,fp16" in err and "Traceback" not in err


def _slice_between_convs():
    """conv -> Slice (DLA: FP16 only) -> conv -> Sigmoid: INT8 alone cuts the DLA region at the slice."""
    n0, w0 = conv("conv0", "input", "c0", 3, 16)
    starts, ends, axes = array("starts", [0], np.int64), array("ends", [8], np.int64), array("axes", [1], np.int64)
    sl = helper.make_node("Slice", ["c0", "starts", "ends", "axes"], ["s"], name="slice")
    n1, w1 = conv("conv1", "s", "c1", 8, 8)
    sig = helper.make_node("Sigmoid", ["c1"], ["output"], name="sigmoid")
    return model([n0, sl, n1, sig], [vi("input", [1, 3, 16, 16])], [vi("output", None)], [w0, w1, starts, ends, axes])


def test_mixed_precision_runs_fp16_only_layers_in_fp16_on_dla():
    net = network_from_model(_slice_between_convs())
    int8 = predict(net, ORIN, BuildConfig(precision="int8"))
    mixed = predict(net, ORIN, BuildConfig(precision="int8,fp16"))
    assert int8.placement("slice").device == "GPU" and len(int8.dla_loadables) == 2
    assert [r.id for r in int8.placement("slice").reasons] == ["precision-not-enabled"]
    assert mixed.placement("slice").device == "DLA" and len(mixed.dla_loadables) == 1 and not mixed.gpu_layers
    prec = {p.name: p.precision for p in mixed.placements}
    assert prec["slice"] == "fp16" and prec["sigmoid"] == "fp16"  # INT8 Sigmoid runs as FP16 inside DLA
    assert prec["conv0"] == "int8" and prec["conv1"] == "int8"
    assert {p.precision for p in predict(net, ORIN, BuildConfig(precision="fp16")).placements} == {"fp16"}


def _script_models(*scripts):
    return [(name, fn()) for script in scripts for name, fn in load_script(f"models/{script}").MODELS.items()]


def _export_shapes(path):
    """Fixed shapes for an export with dynamic H/W: the size it was exported at (640 for the YOLO exports)."""
    m = onnx.load(str(path), load_external_data=False)
    inits = {t.name for t in m.graph.initializer}
    out = {}
    for inp in m.graph.input:
        dims = [d.dim_value if d.HasField("dim_value") else None for d in inp.type.tensor_type.shape.dim]
        if inp.name not in inits and any(d is None for d in dims[1:]):
            out[inp.name] = tuple([1] + [d or 640 for d in dims[1:]])
    return out


def _mixed_never_worse(nets, platforms) -> int:
    """Assert INT8+FP16 never gives more DLA loadables or GPU layers than FP16 alone; the cases checked."""
    checked = 0
    for plat in platforms:
        platform = load_platform(plat)
        for name, net in nets:
            fp16 = predict(net, platform, BuildConfig(precision="fp16"))
            mixed = predict(net, platform, BuildConfig(precision="int8,fp16"))
            assert len(mixed.dla_loadables) <= len(fp16.dla_loadables), (plat, name)
            assert len(mixed.gpu_layers) <= len(fp16.gpu_layers), (plat, name)
            checked += 1
    return checked


PLATFORMS = ("orin-trt10", "orin-trt8.5", "xavier-trt8.5")


def test_int8_fp16_never_gives_more_loadables_or_gpu_layers_than_fp16_alone():
    models = [(name, fn()) for name, fn in BUILDERS.items()] + _script_models("make_models.py", "make_holdout_models.py")
    nets = [(n, network_from_model(m, batch=1)) for n, m in models]
    assert _mixed_never_worse(nets, PLATFORMS) == 3 * len(models)
    # Two real exports (a detector, a classifier) stand for the zoo; the slow test takes every one.
    real = [(p.name, load_network(p, batch=1, shapes=_export_shapes(p))) for p in (ZOO / "yolov8n.onnx", ZOO / "resnet18.onnx")]
    assert _mixed_never_worse(real, ("orin-trt10",)) == 2


@pytest.mark.slow  # building the reference networks' random weights alone takes ~10 s
def test_int8_fp16_is_never_worse_on_the_reference_networks_and_the_real_exports():
    models = _script_models("make_perf_models.py")
    nets = [(n, network_from_model(m, batch=1)) for n, m in models]
    assert _mixed_never_worse(nets, PLATFORMS) == 3 * len(models)
    # The real exports are large: they run against the default target only.
    zoo = sorted(ZOO.glob("*.onnx"))
    real = [(p.name, load_network(p, batch=1, shapes=_export_shapes(p))) for p in zoo]
    assert _mixed_never_worse(real, ("orin-trt10",)) == len(zoo)


def test_check_reports_the_build_it_was_given(capsys, tmp_path):
    path = tmp_path / "m.onnx"
    onnx.save(_slice_between_convs(), path)
    _, doc = run_cli_json(capsys, "advise", path, "--precision", "int8,fp16", "--format", "json")
    assert doc["layout"]["summary"]["dla_loadables"] == 1
    assert doc["layout"]["build_config"]["trtexec_flags"][1:3] == ["--int8", "--fp16"]
    assert {x["name"]: x["precision"] for x in doc["layout"]["layers"]}["slice"] == "fp16"


def test_advise_text_says_how_dla_layers_split_between_int8_and_fp16(capsys, tmp_path):
    path = tmp_path / "m.onnx"
    onnx.save(_slice_between_convs(), path)
    _, out, _ = run_cli(capsys, "advise", path, "--precision", "int8,fp16")
    assert "DLA precision: 2 layer(s) in INT8, 2 in FP16" in out
    _, out, _ = run_cli(capsys, "advise", path, "--precision", "fp16")
    assert "DLA precision" not in out
