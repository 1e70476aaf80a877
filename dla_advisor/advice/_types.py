"""What the rule engine returns: frozen, JSON-serialisable findings and fixes."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Mapping

from .._words import SEVERITIES, severity_rank

__all__ = ["SEVERITIES", "severity_rank", "Fix", "Finding", "Hit", "Rule"]


@dataclass(frozen=True)
class Fix:
    """One way to remove a finding, for the TensorRT versions in ``trt``.

    Attributes:
        trt: TensorRT version range this variant is for (``*`` = any).
        summary: one line saying what to do.
        trtexec_flags: flags to add to (or change on) the trtexec command line, exactly as typed.
        api_lines: the same change through the TensorRT Python API.
        rewrite: name of a graph rewrite (``dla-advisor fix``) or model change that removes it.
        safety: ``safe`` (same results), ``changes-numerics``, ``changes-model`` or ``manual``.
        command: a dla-advisor command line that applies the fix; ``{model}`` stands for the input path.
    """

    trt: str = "*"
    summary: str = ""
    trtexec_flags: tuple[str, ...] = ()
    api_lines: tuple[str, ...] = ()
    rewrite: str | None = None
    safety: str = "safe"
    command: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Finding:
    """One rule hit on one engine layout.

    Attributes:
        rule_id / name / title / severity: copied from the rule entry.
        message: the rule's message template filled with what the detector found.
        layers / tensors / onnx_nodes: what the finding is about (engine layer names, tensor
            names, and the ONNX nodes those layers came from).
        fixes: the fix for this platform's TensorRT versions first, then alternatives.
        references: URLs behind the rule.
        values: the detector's raw values (counts, formats), for machine-readable reports.
        sites: one entry per place the cause shows up (``layer``, ``message`` and the site's own
            values), when the rule engine merged several detector hits with one cause into this finding.
    """

    rule_id: str
    name: str
    title: str
    severity: str
    message: str
    layers: tuple[str, ...] = ()
    tensors: tuple[str, ...] = ()
    onnx_nodes: tuple[str, ...] = ()
    fixes: tuple[Fix, ...] = ()
    references: tuple[str, ...] = ()
    values: Mapping[str, Any] = field(default_factory=dict)
    sites: tuple[Mapping[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["fixes"] = [f.to_dict() for f in self.fixes]
        d["values"] = {k: _jsonable(v) for k, v in self.values.items()}
        d["sites"] = [_jsonable(dict(s)) for s in self.sites]
        for key in ("layers", "tensors", "onnx_nodes", "references"):
            d[key] = list(d[key])
        return d


@dataclass(frozen=True)
class Hit:
    """What a detector found: the raw material of one :class:`Finding`.

    ``values`` fill the rule's message and fix templates (``{count}``, ``{dla_input_formats}`` ...).
    ``cause``: hits of one rule with the same non-empty cause become one finding listing all their
    sites (24 reshapes of one head that fail one constraint are one problem with one fix).
    """

    layers: tuple[str, ...] = ()
    tensors: tuple[str, ...] = ()
    values: Mapping[str, Any] = field(default_factory=dict)
    cause: str = ""


@dataclass(frozen=True)
class Rule:
    """One validated entry of a rule file; ``entry`` is the YAML mapping as written."""

    id: str
    name: str
    title: str
    severity: str
    detector: str
    params: Mapping[str, Any]
    entry: Mapping[str, Any] = field(repr=False)
    path: str = ""
    line: int | None = None

    @property
    def aliases(self) -> tuple[str, ...]:
        return tuple(self.entry.get("aliases", ()))

    @property
    def references(self) -> tuple[str, ...]:
        return tuple(self.entry.get("references", ()))

    def matches(self, selector: str) -> bool:
        """True for the rule's id, name, an alias, or an id prefix (``DLA2`` selects DLA2xx)."""
        s = selector.strip()
        return (s.upper() == self.id or s == self.name or s.upper() in (a.upper() for a in self.aliases)
                or (len(s) >= 3 and self.id.startswith(s.upper())))


def _jsonable(v: Any) -> Any:
    if isinstance(v, (tuple, list)):
        return [_jsonable(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    return str(v)
