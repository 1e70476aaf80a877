"""`estimate --explain`: per-kernel time and what bounds it; CUDA graphs; advise following the platform."""

import json

import jsonschema

import pytest

from dla_advisor.graph import load_network
from dla_advisor.perf import estimate_engine, explain_concurrent

from support import SCHEMAS, SEED_MODEL, run_cli

from .conftest import specs_for

SEED = str(SEED_MODEL)


def test_explain_splits_each_engine_into_kernels_that_add_up(seed_net, dev):
    specs = specs_for(seed_net, "gpu,dla0")
    gpu, dla = explain_concurrent(specs, dev)
    # The 3->10 9x9 conv is compute-bound on both engines; the GPU reformats around the DLA
    # engine only move bytes, so memory bounds them.
    conv = next(k for k in gpu.kernels if k.layers.startswith("Conv_1"))
    assert conv.bound == "compute" and conv.unit == "GPU"
    assert next(k for k in dla.kernels if k.unit == "DLA").bound == "compute"
    reformats = [k for k in dla.kernels if k.layers.startswith("reformat")]
    assert len(reformats) == 2 and all(k.bound == "memory" and k.unit == "GPU" for k in reformats)
    for ex in (gpu, dla):
        assert [k.time_ms for k in ex.kernels] == sorted((k.time_ms for k in ex.kernels), reverse=True)
        assert sum(ex.share(b) for b in ("compute", "memory", "overhead")) == pytest.approx(1.0)
        for k in ex.kernels:
            assert k.time_ms >= max(k.compute_ms, k.memory_ms)


def test_many_small_kernels_are_overhead_bound_and_cuda_graphs_cut_it(model_dir, dev):
    net = load_network(str(model_dir / "resnet50.onnx"), batch=1)
    spec = specs_for(net, "gpu:bs=1", io="int8:chw4")[0]
    plain, = explain_concurrent([spec], dev)
    graphs, = explain_concurrent([spec], dev, cuda_graphs=True)
    assert len(plain.kernels) > 40
    assert graphs.share("overhead") < plain.share("overhead")
    assert estimate_engine(spec, dev, cuda_graphs=True).latency_ms < estimate_engine(spec, dev).latency_ms


def test_small_channel_input_packs_the_first_convolution(model_dir, dev):
    # int8 chw4 input lets the first conv pack its 7x7 window into the reduction (MLPerf's input format).
    net = load_network(str(model_dir / "resnet50.onnx"), batch=64)
    t = {io: explain_concurrent(specs_for(net, "gpu:bs=64", io=io), dev)[0] for io in ("int8:chw4", "int8:chw32")}
    stem = {io: next(k for k in ex.kernels if k.layers.startswith("Conv_0")).compute_ms for io, ex in t.items()}
    assert stem["int8:chw4"] < stem["int8:chw32"] / 3


def test_estimate_explain_cli_text_and_json(capsys, tmp_path):
    rc, out, _ = run_cli(capsys, "estimate", SEED, "--plan", "gpu,dla0", "--explain")
    assert rc == 0
    assert "where the time goes" in out and "bound" in out and "reformat" in out
    path = tmp_path / "e.json"
    assert run_cli(capsys, "estimate", SEED, "--plan", "gpu,dla0", "--explain", "--format", "json", "-o", path)[0] == 0
    doc = json.loads(path.read_text())
    schema = json.loads((SCHEMAS / "estimate-1.json").read_text())
    jsonschema.validate(doc, schema)
    assert [e["name"] for e in doc["explain"]] == ["gpu", "dla0"]
    assert {k["bound"] for e in doc["explain"] for k in e["kernels"]} <= {"compute", "memory", "overhead"}


def test_estimate_and_advise_follow_the_platform_board(capsys):
    rc, out, _ = run_cli(capsys, "estimate", SEED, "--plan", "gpu", "--platform", "xavier-trt8.5")
    assert rc == 0
    assert "xavier-agx-maxn" in out
    rc, out, _ = run_cli(capsys, "estimate", SEED, "--plan", "gpu", "--platform", "xavier-trt8.5",
                         "--device", "orin-nx-16gb")
    assert rc == 0
    assert "orin-nx-16gb-maxn" in out
    rc, out, _ = run_cli(capsys, "advise", SEED, "--platform", "xavier-trt8.5")
    assert rc == 0
    assert "xavier-agx-maxn" in out and "orin-agx-64gb" not in out
