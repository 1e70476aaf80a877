"""trtexec's performance summaries, old (TensorRT 7: one value per line) and new (8.0+: one line each).

New::

    === Performance summary ===
    Throughput: 649.723 qps
    Latency: min = 2240.97 ms, max = ..., mean = ..., median = ..., percentile(90%) = ... ms, ...
    GPU Compute Time: min = ...

Old (TensorRT 7.x)::

    Host Latency            GPU Compute
    min: 3.95 ms (...)      min: 3.60278 ms
    percentile: 4.2 ms at 99%
    throughput: 267.5 qps   total compute time: 3.68068 s
"""

from __future__ import annotations

import re

from ._observation import Observation

# A decimal number as trtexec prints one; a looser [0-9.eE+-]+ also took "224-0.97" from a damaged line.
_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_STAT = re.compile(r"(min|max|mean|median|percentile\((\d+(?:\.\d+)?)%\))\s*=\s*(" + _NUM + r")\s*ms")
_THROUGHPUT = re.compile(r"^[Tt]hroughput:\s*(" + _NUM + r")\s*qps")
_OLD_VALUE = re.compile(r"^(min|max|mean|median):\s*(" + _NUM + r")\s*ms")
_OLD_PERCENTILE = re.compile(r"^percentile:\s*(" + _NUM + r")\s*ms at (\d+(?:\.\d+)?)%")
_OLD_BLOCKS = {"Host Latency": "latency", "GPU Compute": "gpu", "Enqueue Time": None, "H2D Latency": None, "D2H Latency": None}


def _key(raw: str, pct: str | None) -> str:
    if pct is None:
        return raw
    p = pct[:-2] if pct.endswith(".0") else pct
    return f"p{p}"


def parse_stats(text: str) -> dict[str, float]:
    """``min = 1 ms, max = 2 ms, percentile(99%) = 3 ms`` → {min: 1, max: 2, p99: 3}."""
    out: dict[str, float] = {}
    for m in _STAT.finditer(text):
        out[_key(m.group(1), m.group(2))] = float(m.group(3))
    return out


class PerfSummaryParser:
    """Feeds on messages (prefix stripped); writes what it recognises into an Observation."""

    def __init__(self, obs: Observation):
        self.obs = obs
        self._old_block: str | None = ""  # "" = not inside an old block

    def feed(self, msg: str) -> bool:
        """Consume one message; True where it was part of a summary."""
        obs = self.obs
        if self._old_block != "":
            if self._feed_old(msg):
                return True
            self._old_block = ""
        m = _THROUGHPUT.match(msg)
        if m:
            if obs.throughput_qps is None:
                obs.throughput_qps = float(m.group(1))
            return True
        if msg.startswith("Latency:") and not obs.latency_ms:
            obs.latency_ms = parse_stats(msg)
            return True
        if msg.startswith("GPU Compute Time:") and not obs.gpu_compute_ms:
            obs.gpu_compute_ms = parse_stats(msg)
            return True
        if msg in _OLD_BLOCKS:
            self._old_block = _OLD_BLOCKS[msg]
            return True
        return False

    def _feed_old(self, msg: str) -> bool:
        target = {"latency": self.obs.latency_ms, "gpu": self.obs.gpu_compute_ms}.get(self._old_block or "")
        m = _OLD_VALUE.match(msg)
        if m:
            if target is not None:
                target.setdefault(m.group(1), float(m.group(2)))
            return True
        m = _OLD_PERCENTILE.match(msg)
        if m:
            if target is not None:
                target.setdefault(_key("percentile", m.group(2)), float(m.group(1)))
            return True
        m = _THROUGHPUT.match(msg)
        if m:
            if self.obs.throughput_qps is None:
                self.obs.throughput_qps = float(m.group(1))
            return True
        return msg.startswith(("walltime:", "total compute time:", "total time:"))
