"""Speed and memory of `dla-advisor advise` against baselines measured in the same run.

(a) A ResNet-50-size model (ResNet-50's real layer structure and channel counts at 224x224, ~100 MB of
    embedded FP32 weights): wall time of the whole `advise` process against a process that only runs
    `onnx.load` on the same file (target <= 2.5x), and the advise process's peak RSS against
    2 x file size + 150 MB.
(b) A synthetic Conv/Relu chain of 10,000 and of 100,000 layers: in-process `load_network` + `predict`
    time for 10k (target < 10 s) and the 100k/10k ratio (target <= 12x, i.e. near-linear).

Run: python benchmarks/bench_advise.py [--reps 3] [--skip-100k]. Prints a PASS/FAIL table; exit 1 on FAIL.
Pass --profile to write a cProfile listing of the 100k-layer run to stderr.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

# Runs one command as a child and reports its wall time and peak RSS (ru_maxrss of that child only).
_MEASURE = r"""
import json, resource, subprocess, sys, time
t0 = time.perf_counter()
rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE).returncode
wall = time.perf_counter() - t0
print(json.dumps({"rc": rc, "wall_s": wall, "maxrss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
"""


def resnet50(path: Path) -> None:
    """ResNet-50 v1.5 as exported with BN folded: 53 Conv (+bias), 49 ReLU-fused, 16 Add, GAP, Flatten, Gemm."""
    rng = np.random.default_rng(0)
    nodes, inits = [], []
    count = [0]

    def w(shape):
        name = f"onnx::Conv_{len(inits)}"
        inits.append(numpy_helper.from_array(rng.standard_normal(shape, dtype=np.float32) * 0.01, name))
        return name

    def node(op, ins, **attrs):
        count[0] += 1
        name = f"/{op}_{count[0]}"
        nodes.append(helper.make_node(op, ins, [name + "_output_0"], name=name, **attrs))
        return name + "_output_0"

    def conv(x, cin, cout, k, s=1, relu=True):
        y = node("Conv", [x, w((cout, cin, k, k)), w((cout,))], kernel_shape=[k, k], strides=[s, s],
                 pads=[k // 2] * 4)
        return node("Relu", [y]) if relu else y

    x = conv("input", 3, 64, 7, 2)
    x = node("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    cin = 64
    for width, blocks, stride in ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)):
        for b in range(blocks):
            s = stride if b == 0 else 1
            y = conv(x, cin, width, 1)
            y = conv(y, width, width, 3, s)
            y = conv(y, width, width * 4, 1, relu=False)
            short = conv(x, cin, width * 4, 1, s, relu=False) if b == 0 else x
            x = node("Relu", [node("Add", [y, short])])
            cin = width * 4
    x = node("Flatten", [node("GlobalAveragePool", [x])], axis=1)
    nodes.append(helper.make_node("Gemm", [x, w((1000, 2048)), w((1000,))], ["output"], name="/fc/Gemm", transB=1))
    g = helper.make_graph(nodes, "resnet50",
                          [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch_size", 3, 224, 224])],
                          [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch_size", 1000])], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 8
    onnx.save(m, str(path))


def chain(path: Path, layers: int) -> None:
    """Conv(1x1, 2 channels)/Relu alternating, ``layers`` nodes in all; one shared tiny weight."""
    nodes = []
    x = "input"
    for i in range(layers):
        out = "output" if i == layers - 1 else f"t{i}"
        if i % 2 == 0:
            nodes.append(helper.make_node("Conv", [x, "w"], [out], name=f"Conv_{i}", kernel_shape=[1, 1]))
        else:
            nodes.append(helper.make_node("Relu", [x], [out], name=f"Relu_{i}"))
        x = out
    g = helper.make_graph(nodes, f"chain{layers}",
                          [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 2, 8, 8])],
                          [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 2, 8, 8])],
                          [numpy_helper.from_array(np.ones((2, 2, 1, 1), np.float32), "w")])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 8
    onnx.save(m, str(path))


def measure(cmd: list[str]) -> dict:
    out = subprocess.run([sys.executable, "-c", _MEASURE, *cmd], capture_output=True, text=True, check=True)
    res = json.loads(out.stdout.strip().splitlines()[-1])
    if res["rc"] != 0:
        raise SystemExit(f"command failed ({res['rc']}): {' '.join(cmd)}\n{out.stderr}")
    return res


def in_process(path: Path, profile: bool = False) -> float:
    from dla_advisor.graph import load_network
    from dla_advisor.layout import BuildConfig, predict
    from dla_advisor.platforms import load_platform

    platform = load_platform(None)
    prof = None
    if profile:
        import cProfile
        prof = cProfile.Profile()
        prof.enable()
    t0 = time.perf_counter()
    net = load_network(path)
    layout = predict(net, platform, BuildConfig(precision="int8"))
    dt = time.perf_counter() - t0
    if prof is not None:
        import pstats
        prof.disable()
        pstats.Stats(prof, stream=sys.stderr).sort_stats("cumulative").print_stats(25)
    assert len(layout.placements) == len(net.layers)
    return dt


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--skip-100k", action="store_true")
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        model = tmp / "resnet50.onnx"
        resnet50(model)
        size_mb = model.stat().st_size / 2**20
        load_cmd = [sys.executable, "-c", f"import onnx; onnx.load({str(model)!r})"]
        # The report goes to stdout, which _MEASURE discards: -o writes regular files only, not /dev/null.
        advise_cmd = [sys.executable, "-m", "dla_advisor", "advise", str(model), "--precision", "int8", "-o", "-"]
        loads, advises = [], []
        for _ in range(args.reps):  # interleaved so drift in the machine hits both alike
            loads.append(measure(load_cmd))
            advises.append(measure(advise_cmd))
        t_load = min(r["wall_s"] for r in loads)
        t_adv = min(r["wall_s"] for r in advises)
        rss_mb = max(r["maxrss_kib"] for r in advises) / 1024
        rows.append(("resnet50 advise / onnx.load wall time", f"{t_adv:.2f} s / {t_load:.2f} s = {t_adv / t_load:.2f}x",
                     "<= 2.5x", t_adv / t_load <= 2.5))
        limit = 2 * size_mb + 150
        rows.append(("resnet50 advise peak RSS", f"{rss_mb:.0f} MB (file {size_mb:.0f} MB)", f"<= {limit:.0f} MB",
                     rss_mb <= limit))

        c10 = tmp / "chain10k.onnx"
        chain(c10, 10_000)
        t10 = min(in_process(c10) for _ in range(args.reps))
        rows.append(("10k-layer chain load_network + predict", f"{t10:.2f} s", "< 10 s", t10 < 10))
        if not args.skip_100k:
            c100 = tmp / "chain100k.onnx"
            chain(c100, 100_000)
            # Same statistic as the 10k run (best of --reps), so the ratio compares like with like.
            t100 = min(in_process(c100, profile=args.profile and i == 0) for i in range(args.reps))
            rows.append(("100k / 10k layers time ratio", f"{t100:.2f} s / {t10:.2f} s = {t100 / t10:.1f}x", "<= 12x",
                         t100 / t10 <= 12))

    width = max(len(r[0]) for r in rows)
    print(f"{'check':{width}}  {'measured':42}  {'target':12}  result")
    for name, got, target, ok in rows:
        print(f"{name:{width}}  {got:42}  {target:12}  {'PASS' if ok else 'FAIL'}")
    return 0 if all(r[3] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
