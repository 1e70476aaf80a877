#!/usr/bin/env python3
"""Stand-in for NVIDIA's trtexec, for tests only: replays real trtexec output from the in-repo corpus.

It is not a simulator. Building (``--onnx``) prints the build part of a real TensorRT 10.3 log from
an AGX Orin (``trtexec_orin_trt10.3_yolo11n_dla_only_fp16.log`` when ``--useDLACore`` is given,
``trtexec_orin_trt10.3_yolo11n_gpu_fp16.log`` otherwise) and writes a small engine file for
``--saveEngine``; running (``--loadEngine``) sleeps for ``--duration`` seconds and prints the
inference part of the same log, so the reported throughput is 36.9222 qps (DLA) or 286.781 qps (GPU).

Environment:
    TRTEXEC_STANDIN_CORPUS      the corpus folder (default: tests/corpus in the repository).
    TRTEXEC_STANDIN_FAIL        ``build``, ``run`` or ``crash`` (SIGSEGV mid-run), optionally
                                ``:dla`` or ``:gpu`` to hit only engines on that device.
    TRTEXEC_STANDIN_TIME_SCALE  multiplies the sleep of ``--duration`` (default 1).
    TRTEXEC_STANDIN_CALLS       file to which every call appends its arguments, one JSON line each.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path

# Run as a program (the trtexec stand-in), so it finds the corpus beside itself, not through the tests' support module.
CORPUS = Path(__file__).resolve().parents[1] / "corpus"
DLA_LOG = "trtexec_orin_trt10.3_yolo11n_dla_only_fp16.log"
GPU_LOG = "trtexec_orin_trt10.3_yolo11n_gpu_fp16.log"


def parse(argv):
    opts = {}
    for a in argv:
        key, sep, value = a.partition("=")
        opts[key] = value if sep else True
    return opts


def corpus_lines(name):
    folder = Path(os.environ.get("TRTEXEC_STANDIN_CORPUS") or CORPUS)
    return (folder / name).read_text(encoding="utf-8").splitlines()


def split_log(lines):
    """(build part, inference part, final PASSED line) of a complete trtexec log."""
    body = [l for l in lines if l.startswith("[")]
    cut = next(i for i, l in enumerate(body) if "Engine deserialized" in l or "Loaded engine size" in l)
    return body[:cut], body[cut:]


def failing(phase, device):
    spec = os.environ.get("TRTEXEC_STANDIN_FAIL", "")
    if not spec:
        return False
    want, _, only = spec.partition(":")
    return want == phase and (not only or only == device)


def main(argv):
    opts = parse(argv)
    command = "trtexec " + " ".join(argv)
    calls = os.environ.get("TRTEXEC_STANDIN_CALLS")
    if calls:
        with open(calls, "a", encoding="utf-8") as f:
            f.write(json.dumps(argv) + "\n")
    out = sys.stdout
    out.write(f"&&&& RUNNING TensorRT.trtexec [TensorRT v100300] # {command}\n")

    if "--loadEngine" in opts:
        path = Path(opts["--loadEngine"])
        if not path.is_file():
            out.write(f"[E] Error opening engine file: {path}\n")
            out.write(f"&&&& FAILED TensorRT.trtexec [TensorRT v100300] # {command}\n")
            return 1
        engine = json.loads(path.read_text())
        device = "dla" if engine.get("dla_core") is not None else "gpu"
        return run_inference(out, opts, device, command)

    device = "dla" if "--useDLACore" in opts else "gpu"
    onnx = opts.get("--onnx")
    build, _ = split_log(corpus_lines(DLA_LOG if device == "dla" else GPU_LOG))
    if not onnx or not Path(onnx).is_file() or failing("build", device):
        out.write(f"[E] [TRT] ModelImporter.cpp:914: Failed to parse ONNX model from file: {onnx}\n")
        out.write("[E] Failed to parse onnx file\n")
        out.write("[E] Engine set up failed\n")
        out.write(f"&&&& FAILED TensorRT.trtexec [TensorRT v100300] # {command}\n")
        return 1
    out.write("\n".join(build) + "\n")
    if "--saveEngine" in opts:
        engine = {"dla_core": int(opts["--useDLACore"]) if device == "dla" else None, "build_args": argv}
        Path(opts["--saveEngine"]).write_text(json.dumps(engine))
    if "--skipInference" in opts or "--buildOnly" in opts:
        out.write(f"&&&& PASSED TensorRT.trtexec [TensorRT v100300] # {command}\n")
        return 0
    return run_inference(out, opts, device, command)


def run_inference(out, opts, device, command):
    _, infer = split_log(corpus_lines(DLA_LOG if device == "dla" else GPU_LOG))
    duration = float(opts.get("--duration", 3))
    summary = next(i for i, l in enumerate(infer) if "=== Performance summary ===" in l)
    out.write("\n".join(infer[:summary]) + "\n")
    out.flush()
    if failing("crash", device):
        os.kill(os.getpid(), signal.SIGSEGV)
    time.sleep(duration * float(os.environ.get("TRTEXEC_STANDIN_TIME_SCALE", "1")))
    if failing("run", device):
        out.write("[E] [TRT] 1: [cudlaUtils.cpp::submit::95] Error Code 1: DLA (Failed to submit program to DLA engine.)\n")
        out.write(f"&&&& FAILED TensorRT.trtexec [TensorRT v100300] # {command}\n")
        return 1
    out.write("\n".join(infer[summary:]) + "\n")
    out.write(f"&&&& PASSED TensorRT.trtexec [TensorRT v100300] # {command}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
