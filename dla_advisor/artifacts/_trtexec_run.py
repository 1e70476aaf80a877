"""What one trtexec run printed, for a caller that ran it (the tuning backend): outcome and summary.

The lines go through the same log reader as any trtexec log (:func:`~._log.scan_lines`, whose
performance summary is read by :mod:`._perf_summary`), so a run and a log the user passes to
``inspect`` are read by one parser. This module only adds what a caller of trtexec needs besides:
whether the run passed and the last error line, as a hint when it did not.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ._log import STATUS_LINE, scan_lines
from ._observation import TRTEXEC_LOG, Observation, trt_version_tuple
from ._prefix import split_prefix


@dataclass(frozen=True)
class TrtexecRun:
    """The parts of one trtexec run's output a caller acts on.

    Attributes:
        passed: the last ``&&&& PASSED/FAILED`` line; None where trtexec printed none (a crash).
        throughput_qps: ``Throughput:`` of the performance summary, or None.
        latency_ms: the summary's ``Latency:`` statistics (``min``, ``mean``, ``p99``, ``p99.9`` ...).
        trt_version: dotted TensorRT version (``10.3.0``), or '' where the output does not say.
        device: ``Selected Device:``, or ''.
        last_error: the last ``[E]`` line as printed, or ''.
    """

    passed: bool | None
    throughput_qps: float | None
    latency_ms: dict[str, float] = field(default_factory=dict)
    trt_version: str = ""
    device: str = ""
    last_error: str = ""


def read_trtexec_output(text: str, source: str = "trtexec output") -> TrtexecRun:
    """Read trtexec's stdout/stderr; missing parts come back as None or empty, never as an exception."""
    lines = text.splitlines()
    first = scan_lines(lines, Observation(source, TRTEXEC_LOG))
    builds = [first, *first.more_builds]
    passed, last_error = None, ""
    for line in lines:
        level, msg = split_prefix(line)
        if level == "E":
            last_error = line.strip()
            continue
        m = STATUS_LINE.match(msg)
        if m and m.group(1) != "RUNNING":
            passed = m.group(1) == "PASSED"
    qps = next((b.throughput_qps for b in builds if b.throughput_qps is not None), None)
    latency = next((b.latency_ms for b in builds if b.latency_ms), {})
    version = trt_version_tuple(next((b.trt_version for b in builds if b.trt_version), ""))
    return TrtexecRun(passed, qps, dict(latency), ".".join(map(str, version)) if version else "",
                      next((b.device for b in builds if b.device), ""), last_error)
