"""Reading a 50 MB verbose trtexec log: time against a plain line loop, and bounded memory.

Generates the log from real verbose lines (corpus file 9's tactic timing lines, the seed's Reformat
autotuning lines) with a DLA placement block, fallback warnings, Engine Layer Information and a
profile table spread through it, then reads it with LayoutFromTrtexecLog.

    python benchmarks/bench_log_reading.py [--mb 50] [--keep PATH]

Target: under 5 s, and peak traced memory of the reader far below the file size.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dla_advisor.artifacts import LayoutFromTrtexecLog  # noqa: E402

VERBOSE = [
    "[01/10/2022-05:13:50] [V] [TRT] *************** Autotuning Reformat: Float(786432,262144,512,1) -> Half(262144,1:8,512,1) ***************",
    "[01/10/2022-05:13:50] [V] [TRT] --------------- Timing Runner: Optimizer Reformat(input -> <out>) (Reformat)",
    "[01/10/2022-05:13:50] [V] [TRT] Setting a default quantization params because quantization data is missing for ",
    "[01/10/2022-05:13:50] [V] [TRT] Tactic: 1002 Time: 0.0747223",
    "[01/10/2022-05:13:50] [V] [TRT] Fastest Tactic: 0 Time: 0.0516206",
    "[07/06/2022-16:20:44] [V] [TRT] --------------- Timing Runner: Optimizer Reformat(input to nvm -> <out>) (Reformat)",
    "[01/10/2022-05:13:49] [V] [TRT] Setting dynamic range for (Unnamed Layer* 3) [Constant]_output to [-4,4]",
]
SPECIAL = [
    "[03/31/2022-14:34:54] [W] [TRT] Layer '/model.24/Constant_{i}_output_0' (CONSTANT): Unsupported on DLA. Switching this layer's device type to GPU.",
    "[03/31/2022-14:34:54] [I] [TRT] [GpuLayer] SHUFFLE: Reshape_{i} + (Unnamed Layer* 7) [Shuffle]",
    "[03/31/2022-14:34:54] [I] [TRT] [DlaLayer] {{ForeignNode[Relu_{i}...Conv_{i}1]}}",
]


def generate(path: Path, megabytes: int) -> int:
    target = megabytes * 1024 * 1024
    written = 0
    block = "\n".join(VERBOSE * 40) + "\n"
    i = 0
    with open(path, "w", encoding="utf-8") as f:
        f.write("&&&& RUNNING TensorRT.trtexec [TensorRT v8410] # trtexec --onnx=m.onnx --useDLACore=0 --allowGPUFallback --verbose\n")
        f.write("[03/31/2022-14:34:54] [I] [TRT] ---------- Layers Running on DLA ----------\n")
        while written < target:
            f.write(block)
            f.write("\n".join(s.format(i=i) for s in SPECIAL) + "\n")
            written += len(block) + 300
            i += 1
        f.write("[03/31/2022-15:12:38] [I] === Performance summary ===\n[03/31/2022-15:12:38] [I] Throughput: 305.926 qps\n")
    return os.path.getsize(path)


def baseline(path: Path) -> float:
    t = time.perf_counter()
    with open(path, encoding="utf-8") as f:
        for _line in f:
            pass
    return time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=50)
    ap.add_argument("--keep", default=None)
    args = ap.parse_args()
    tmp = tempfile.TemporaryDirectory()
    path = Path(args.keep or Path(tmp.name) / "verbose.log")
    size = generate(path, args.mb)
    base = baseline(path)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter()
    obs = LayoutFromTrtexecLog(str(path)).observe()
    took = time.perf_counter() - t
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    LayoutFromTrtexecLog(str(path)).observe()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"log: {size / 1e6:.1f} MB, {len(obs.dla_block)} DLA loadables, {len(obs.gpu_block)} GPU layers, "
          f"{len(obs.fallbacks)} fallbacks, throughput {obs.throughput_qps} qps")
    print(f"baseline 'for line in f: pass': {base:.2f} s")
    print(f"LayoutFromTrtexecLog:           {took:.2f} s ({took / base:.1f}x baseline), target < 5 s: "
          f"{'ok' if took < 5 else 'MISSED'}")
    print(f"peak traced Python memory while reading: {peak / 1e6:.1f} MB (file {size / 1e6:.0f} MB)")
    print(f"process peak RSS: {rss_after / 1024:.1f} MB (before reading {rss_before / 1024:.1f} MB)")
    return 0 if took < 5 else 1


if __name__ == "__main__":
    raise SystemExit(main())
