"""`check` on 20 models against analysing them: the rules must be cheap next to the analysis.

Analysis = load the ONNX model, load the platform, predict the engine layout (what every command
does). Check = the same plus loading and validating the rule files once, evaluating every rule and
rendering the report, as `dla-advisor check MODEL...` does. Both run in this process on the same
20 models (the 3 of models/make_models.py and 17 generated CNNs of 8 to 40 conv blocks, some
with layers that leave DLA); each is timed as the best of several passes.

    python benchmarks/bench_check.py [--repeat 7] [--format text]

Target: check / analysis <= 1.2.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from onnx import TensorProto, helper  # noqa: E402

from dla_advisor.advice import evaluate, load_rules  # noqa: E402
from dla_advisor.graph import load_network  # noqa: E402
from dla_advisor.layout import BuildConfig, predict  # noqa: E402
from dla_advisor.platforms import load_platform  # noqa: E402
from dla_advisor.report import CheckedInput, CheckReport, render_check  # noqa: E402


def _make_models():
    spec = importlib.util.spec_from_file_location("make_models", REPO / "models" / "make_models.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def generated_cnn(mm, depth: int, width: int, size: int, breaks: int, seed: int):
    """Conv+ReLU blocks, a MaxPool every 3 blocks, ``breaks`` Exp layers (GPU), GAP + 1x1 conv head."""
    b = mm.Builder(seed=seed)
    x, cin = "input", 3
    for i in range(depth):
        x = b.node("Relu", [b.conv(x, cin, width, 3, pad=1)])
        cin = width
        if i % 3 == 2:
            x = b.node("MaxPool", [x], kernel_shape=[2, 2], strides=[2, 2])
        if breaks and i % max(1, depth // (breaks + 1)) == 0 and i:
            x = b.node("Exp", [x])
            breaks -= 1
    x = b.node("GlobalAveragePool", [x])
    y = b.conv(x, cin, 10, 1)
    inp = helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, size, size])
    out = helper.make_tensor_value_info(y, TensorProto.FLOAT, [1, 10, 1, 1])
    return b.model([inp], [out], name=f"cnn_d{depth}_w{width}")


def build_models(out: Path) -> list[Path]:
    import onnx

    mm = _make_models()
    paths = []
    for name, fn in mm.MODELS.items():
        p = out / f"{name}.onnx"
        onnx.save(fn(), str(p))
        paths.append(p)
    for k in range(17):
        # 8 to 40 conv blocks: the depth of ResNet-18 ... ResNet-34-sized detectors users gate in CI.
        depth, width, size = 8 + 2 * k, 16 * (1 + k % 4), 64 + 32 * (k % 5)
        p = out / f"cnn_{k:02d}.onnx"
        onnx.save(generated_cnn(mm, depth, width, size, breaks=k % 3, seed=k), str(p))
        paths.append(p)
    return paths


def analyse(paths, platform, config):
    return [(p, net, predict(net, platform, config)) for p in paths
            for net in (load_network(str(p)),)]


def check(paths, platform, config, fmt: str) -> CheckReport:
    rules = load_rules()
    inputs = []
    for p, net, layout in analyse(paths, platform, config):
        findings = evaluate(layout, net, platform, config, rules=rules)
        inputs.append(CheckedInput(str(p), layout.source, platform.id, tuple(findings), layout.summary()))
    report = CheckReport(tuple(inputs), rules.selected(), "warning")
    render_check(report, fmt)
    return report


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--format", default="text")
    args = ap.parse_args()
    platform, config = load_platform(None), BuildConfig(precision="int8")
    with tempfile.TemporaryDirectory() as d:
        paths = build_models(Path(d))
        # Warm both paths (imports, platform cache) before timing.
        report = check(paths, platform, config, args.format)
        t_analyse = best_of(lambda: analyse(paths, platform, config), args.repeat)
        t_check = best_of(lambda: check(paths, platform, config, args.format), args.repeat)
        t_rules = best_of(load_rules, args.repeat)
    n_findings = sum(len(i.findings) for i in report.inputs)
    ratio = t_check / t_analyse
    print(f"models: {len(paths)}; layers: {sum(i.summary['layers'] for i in report.inputs)}; "
          f"findings: {n_findings}; rules: {len(report.rules)}")
    print(f"analysis (load + predict): {t_analyse * 1000:.1f} ms")
    print(f"check (analysis + rules + {args.format} report): {t_check * 1000:.1f} ms, "
          f"of which loading and validating the rule files once: {t_rules * 1000:.1f} ms")
    print(f"ratio check/analysis: {ratio:.3f} (target <= 1.2) -> {'OK' if ratio <= 1.2 else 'TOO SLOW'}")
    return 0 if ratio <= 1.2 else 1


if __name__ == "__main__":
    sys.exit(main())
