"""Read the performance summary of one trtexec run (TensorRT 8.x–10.x wording).

Only what the trtexec backend needs: throughput, the latency statistics, the PASSED/FAILED line and
the last error. Full log reading (layouts, profiles) belongs to :mod:`dla_advisor.artifacts`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_THROUGHPUT = re.compile(r"\bThroughput:\s*([0-9.eE+-]+)\s*qps")
_LATENCY = re.compile(r"\]\s*Latency:\s*(.*)$", re.M)
_STAT = re.compile(r"(min|max|mean|median|percentile\((\d+)%\))\s*=\s*([0-9.eE+-]+)\s*ms")
_RESULT = re.compile(r"^&&&& (PASSED|FAILED) TensorRT\.trtexec \[TensorRT v(\d+)\]", re.M)
_ERROR = re.compile(r"^.*\[E\].*$", re.M)
_DEVICE = re.compile(r"Selected Device:\s*(.+)$", re.M)


@dataclass(frozen=True)
class TrtexecRun:
    """The parts of a trtexec log the backend uses."""

    passed: bool | None
    throughput_qps: float | None
    latency_ms: dict[str, float] = field(default_factory=dict)
    trt_version: str = ""
    device: str = ""
    last_error: str = ""


def parse_trtexec_output(text: str) -> TrtexecRun:
    """Parse trtexec's stdout; missing parts come back as ``None``/empty, never as an exception."""
    m = _THROUGHPUT.search(text)
    qps = float(m.group(1)) if m else None
    latency: dict[str, float] = {}
    lm = _LATENCY.search(text)
    if lm:
        for name, pct, value in _STAT.findall(lm.group(1)):
            latency[f"p{pct}" if pct else name] = float(value)
    rm = list(_RESULT.finditer(text))
    passed = (rm[-1].group(1) == "PASSED") if rm else None
    version = _version(rm[-1].group(2)) if rm else ""
    errors = _ERROR.findall(text)
    dm = _DEVICE.search(text)
    return TrtexecRun(passed, qps, latency, version, dm.group(1).strip() if dm else "",
                      errors[-1].strip() if errors else "")


def _version(code: str) -> str:
    # trtexec prints v100300 for 10.3.0 and v8601 for 8.6.1.
    if len(code) >= 6:
        return f"{int(code[:-4])}.{int(code[-4:-2])}.{int(code[-2:])}"
    return f"{int(code[:-3])}.{int(code[-3:-2])}.{int(code[-2:])}" if len(code) >= 4 else code
