"""Speed of one concurrent estimate (GPU + 2 DLA) of a ResNet-50-size model once it is analysed.

Run: python benchmarks/bench_estimate.py. The baseline is the first call of the same run, which
analyses the network and builds the per-layer cost arrays; later calls must each stay under 20 ms
because tuning evaluates thousands of plans. Exits 1 if the target is missed.
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
import time
from pathlib import Path

import onnx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from dla_advisor.graph import load_network  # noqa: E402
from dla_advisor.layout import BuildConfig  # noqa: E402
from dla_advisor.perf import estimate_concurrent, load_device, parse_plan, plan_specs  # noqa: E402
from dla_advisor.platforms import load_platform  # noqa: E402

TARGET_MS = 20.0


def main() -> int:
    spec = importlib.util.spec_from_file_location("make_perf_models", REPO / "models" / "make_perf_models.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "resnet50.onnx"
        onnx.save(gen.resnet50(), str(path))
        net = load_network(str(path), batch=8)
    dev = load_device("orin-agx-64gb")
    specs = plan_specs(net, load_platform(None), BuildConfig(precision="int8"), parse_plan("gpu:bs=8,dla0:bs=8,dla1:bs=8"))
    t0 = time.perf_counter()
    estimate_concurrent(specs, dev)
    first = (time.perf_counter() - t0) * 1e3
    runs = 200
    t0 = time.perf_counter()
    for _ in range(runs):
        est = estimate_concurrent(specs, dev)
    each = (time.perf_counter() - t0) * 1e3 / runs
    print(f"ResNet-50 ({len(net.layers)} layers), GPU + 2xDLA, bs 8: first call {first:.1f} ms (analysis), "
          f"then {each:.2f} ms per estimate ({first / each:.0f}x faster), {est.total_images_per_s:.0f} images/s "
          f"[{est.provenance.label()}]; target < {TARGET_MS:.0f} ms")
    return 0 if each < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
