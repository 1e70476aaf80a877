"""TensorRT's own fallback messages → reason ids, as data (``rules/log_patterns.yaml``).

Every pattern in the table names the log it was seen in and carries one example line; the loader
checks each example matches and each reason id exists in ``rules/reasons.yaml``, so a typo in the
table fails at load time with its file and key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from ..errors import RuleFileError

ACTIONS = ("fallback", "reason", "reason-next", "note", "loadable")
_RULES = Path(__file__).resolve().parents[2] / "rules"


@dataclass(frozen=True)
class LogPattern:
    """One row of the table.

    Attributes:
        id: stable name of the message.
        regex: compiled; group ``layer`` names the layer where the message names one.
        action: ``fallback`` (the layer runs on the GPU), ``reason`` (why a named layer will fall
            back, printed before the fallback line), ``reason-next`` (a reason without a layer name,
            applying to the next fallback line), ``note`` (engine-level fact) or ``loadable`` (the named
            node became a DLA loadable).
        reason: reason id from ``rules/reasons.yaml`` (empty for notes).
        source: URL of the log the message was seen in.
    """

    id: str
    regex: re.Pattern
    action: str
    reason: str
    source: str
    note: str = ""


def _rules_dir() -> Path:
    try:
        from importlib.resources import files

        packaged = Path(str(files("dla_advisor.rules")))
        if (packaged / "log_patterns.yaml").exists():
            return packaged
    except (ModuleNotFoundError, TypeError):
        pass
    return _RULES


@lru_cache(maxsize=None)
def load_patterns(path: str | None = None) -> tuple[LogPattern, ...]:
    """Load and validate the message table.

    Raises:
        RuleFileError: a malformed entry, an unknown reason id, or an example its regex misses.
    """
    p = Path(path) if path else _rules_dir() / "log_patterns.yaml"
    reasons_file = p.parent / "reasons.yaml"
    known = set((yaml.safe_load(reasons_file.read_text(encoding="utf-8")) or {}).get("reasons", {}))
    data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    out = []
    for i, e in enumerate(data.get("patterns", [])):
        key = f"patterns[{i}]"
        missing = [k for k in ("id", "regex", "action", "source", "example") if not e.get(k)]
        if missing:
            raise RuleFileError(f"{p}: {key} lacks {', '.join(missing)}", "Every log pattern needs id, regex, action, source and example.", str(p), None, key)
        if e["action"] not in ACTIONS:
            raise RuleFileError(f"{p}: {key}.action '{e['action']}' is unknown", f"Use one of {', '.join(ACTIONS)}.", str(p), None, f"{key}.action")
        reason = e.get("reason", "")
        if e["action"] not in ("note", "loadable") and reason not in known:
            raise RuleFileError(f"{p}: {key}.reason '{reason}' is not in {reasons_file.name}", "Use a reason id defined in rules/reasons.yaml.", str(p), None, f"{key}.reason")
        try:
            rx = re.compile(e["regex"])
        except re.error as err:
            raise RuleFileError(f"{p}: {key}.regex does not compile ({err})", "Fix the regular expression.", str(p), None, f"{key}.regex") from err
        if not rx.search(e["example"]):
            raise RuleFileError(f"{p}: {key} ({e['id']}) does not match its own example", "Fix the regex or the example.", str(p), None, f"{key}.example")
        out.append(LogPattern(e["id"], rx, e["action"], reason, e["source"], e.get("note", "")))
    return tuple(out)


def match(message: str) -> tuple[LogPattern, re.Match] | None:
    """The first pattern matching a log message (prefix already stripped)."""
    for pat in load_patterns():
        m = pat.regex.search(message)
        if m:
            return pat, m
    return None
