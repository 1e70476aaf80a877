"""The ``check`` report (findings per input, rules checked, threshold): what every ``check`` format renders.

One module per format renders a :class:`CheckReport` to a string and registers itself in
:data:`~._registry.CHECK_FORMATS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .._words import SEVERITIES, severity_rank


@dataclass(frozen=True)
class CheckedInput:
    """One model or artifact the gate looked at.

    Attributes:
        path: the path as the user gave it.
        source: the layout's source (``predicted`` or ``measured from ...``).
        platform: platform id the rules ran against ('' = all versions).
        findings: the findings, most severe first.
        summary: ``EngineLayout.summary()`` counts.
    """

    path: str
    source: str
    platform: str
    findings: tuple[Any, ...]
    summary: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class CheckReport:
    """Everything a renderer needs; no analysis happens after this point."""

    inputs: tuple[CheckedInput, ...]
    rules: tuple[Any, ...]
    fail_on: str
    version: str = ""
    # input path -> (EngineLayout, Network or None): what the html page draws; no other format reads it.
    layouts: dict[str, tuple[Any, Any]] = field(default_factory=dict, compare=False, repr=False)

    def at_or_above(self, severity: str) -> bool:
        return severity_rank(severity) >= severity_rank(self.fail_on)

    @property
    def failing(self) -> list[tuple[CheckedInput, Any]]:
        return [(i, f) for i in self.inputs for f in i.findings if self.at_or_above(f.severity)]

    @property
    def passed(self) -> bool:
        return not self.failing

    def counts(self) -> dict[str, int]:
        out = {s: 0 for s in SEVERITIES}
        for i in self.inputs:
            for f in i.findings:
                out[f.severity] += 1
        return out


def counts_text(counts: dict[str, int]) -> str:
    """``2 error, 1 warning, 0 info``: the worst first, as every summary line says it."""
    return ", ".join(f"{counts[s]} {s}" for s in reversed(SEVERITIES))


def fix_lines(fix, model_path: str = "MODEL") -> list[str]:
    """A fix as the lines a user types: trtexec flags, Python API lines, the rewrite command."""
    lines = []
    if fix.trtexec_flags:
        lines.append("trtexec " + " ".join(fix.trtexec_flags))
    lines.extend(f"python: {a}" for a in fix.api_lines)
    if fix.rewrite:
        lines.append(f"dla-advisor fix {model_path} --rewrites {fix.rewrite} -o fixed.onnx")
    if getattr(fix, "command", ""):
        lines.append(fix.command.replace("{model}", model_path))
    return lines
