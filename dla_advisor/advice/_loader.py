"""Load and validate rule files: ``rules/advice/*.yaml`` plus any ``--rules DIR``.

Every problem in a rule file is a :class:`~dla_advisor.errors.RuleFileError` naming the file, the
line and the key, found by walking the YAML node tree (which keeps source marks) along the path
the schema validator reports.
"""

from __future__ import annotations

import importlib.resources
import string
from pathlib import Path
from typing import Any, Iterable

import jsonschema
import yaml

from .._safe_write import special_kind
from ..errors import RuleFileError
from .._registry import did_you_mean
from ._registry import get_detectors
from ._ruleset import RuleSet
from ._schema import FILE_SCHEMA, RULE_SCHEMA
from ._types import Rule
from ._versions import parse_range


def builtin_rules_dir() -> Path:
    return Path(str(importlib.resources.files("dla_advisor.rules"))) / "advice"


def load_rules(extra_dirs: Iterable[str | Path] = ()) -> RuleSet:
    """Load the built-in rules and the rules in ``extra_dirs``.

    Args:
        extra_dirs: folders of user rule files (``*.yaml``, same format as the built-in ones).

    Returns:
        All rules, ordered by id.

    Raises:
        RuleFileError: a folder is missing, a file is not valid YAML, an entry breaks the schema,
            names an unknown detector or reason, or reuses an id, name or alias.
    """
    paths = sorted(builtin_rules_dir().glob("*.yaml"))
    for d in extra_dirs:
        folder = Path(d)
        if not folder.is_dir():
            raise RuleFileError(f"--rules {d}: not a folder", "Give a folder that holds *.yaml rule files.",
                                path=str(folder))
        found = sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml"))
        if not found:
            raise RuleFileError(f"--rules {d}: no *.yaml rule files in it", "Put rule files in the folder.",
                                path=str(folder))
        paths.extend(found)
    rules: list[Rule] = []
    for p in paths:
        rules.extend(load_rule_file(p))
    _check_unique(rules)
    return RuleSet(tuple(sorted(rules, key=lambda r: r.id)))


def load_rule_file(path: Path) -> list[Rule]:
    """Parse and validate one rule file."""
    if special_kind(path) is not None:
        raise RuleFileError(f"{path.name}: is {special_kind(path)}, not a rule file", "Keep only rule files in the folder.",
                            path=str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError) as e:
        raise RuleFileError(f"{path.name}: cannot be read as UTF-8 text ({getattr(e, 'strerror', None) or e})",
                            "Rule files are UTF-8 YAML.", path=str(path)) from None
    try:
        root, data = _parse(text)
    except RecursionError:
        raise RuleFileError(f"{path.name}: nests too deeply to be a rule file", "Fix the file.", path=str(path)) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise RuleFileError(f"{path.name}:{line}: not valid YAML ({getattr(e, 'problem', None) or e})",
                            "Fix the YAML syntax.", path=str(path), line=line) from None
    if data is None:
        data = {}
    _validate(data, FILE_SCHEMA, root, (), path)
    detectors = get_detectors()
    out = []
    for i, entry in enumerate(data["rules"]):
        where = ("rules", i)
        _validate(entry, RULE_SCHEMA, root, where, path)
        det = detectors.get(entry["detector"])
        if det is None:
            _fail(path, root, where + ("detector",),
                  f"unknown detector '{entry['detector']}'{did_you_mean(entry['detector'], detectors)}", f"Use one of: {', '.join(sorted(detectors))}.")
        _validate(entry.get("params", {}), det.params_schema, root, where + ("params",), path)
        _check_ranges(entry, root, where, path)
        _check_templates(entry, root, where, path)
        out.append(Rule(id=entry["id"], name=entry["name"], title=entry["title"], severity=entry["severity"],
                        detector=entry["detector"], params=dict(entry.get("params", {})), entry=entry,
                        path=str(path), line=_line(root, where)))
    return out


def _parse(text: str):
    """The node tree (for line numbers) and the data, from one parse; libyaml's loader where present."""
    loader = _LOADER(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    finally:
        loader.dispose()
    return root, data


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Compiled once per schema: rule files are loaded on every command run.
_VALIDATORS: dict[int, jsonschema.Draft7Validator] = {}


def _validate(data: Any, schema: dict, root, prefix: tuple, path: Path) -> None:
    validator = _VALIDATORS.get(id(schema))
    if validator is None or validator.schema is not schema:
        validator = _VALIDATORS[id(schema)] = jsonschema.Draft7Validator(schema)
    if validator.is_valid(data):
        return
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is None:
        return
    key_path = prefix + tuple(error.absolute_path)
    if error.validator == "required":
        missing = next((k for k in error.validator_value if k not in error.instance), "?")
        _fail(path, root, key_path + (missing,), f"missing required key '{missing}'", "Add it (see `dla-advisor rules DLA101` for a full entry).",
              line_path=key_path)
    if error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        bad = extra[0] if extra else "?"
        _fail(path, root, key_path + (bad,), f"unknown key '{bad}'",
              f"Allowed keys here: {', '.join(sorted(error.schema.get('properties', {})))}.")
    _fail(path, root, key_path, error.message, "Fix the value.")


def _check_ranges(entry: dict, root, where: tuple, path: Path) -> None:
    candidates = [(("applies_to", "trt"), entry.get("applies_to", {}).get("trt"))]
    fix = entry["fix"]
    for group in ("versions", "alternatives"):
        for j, v in enumerate(fix.get(group, ())):
            candidates.append((("fix", group, j, "trt"), v.get("trt")))
    for key, value in candidates:
        if value is None:
            continue
        try:
            parse_range(value)
        except ValueError as e:
            _fail(path, root, where + key, str(e), "Write a range like 8.4-10.7, >=11.4.1 or <11.")


def _check_templates(entry: dict, root, where: tuple, path: Path) -> None:
    texts = [(("message",), entry["message"])]
    if "group_message" in entry:
        texts.append((("group_message",), entry["group_message"]))
    fix = entry["fix"]
    bodies = [((), fix)] + [((g, j), v) for g in ("versions", "alternatives") for j, v in enumerate(fix.get(g, ()))]
    for sub, body in bodies:
        for key in ("summary", "rewrite", "command"):
            if isinstance(body.get(key), str):
                texts.append((("fix",) + sub + (key,), body[key]))
        for key in ("trtexec_flags", "api_lines"):
            for k, line in enumerate(body.get(key, ())):
                texts.append((("fix",) + sub + (key, k), line))
    for key, text in texts:
        try:
            list(string.Formatter().parse(text))
        except ValueError as e:
            _fail(path, root, where + key, f"bad template ({e})", "Write placeholders as {name}; double literal braces: {{ }}.")


def _check_unique(rules: list[Rule]) -> None:
    seen: dict[str, Rule] = {}
    for r in rules:
        for key, kind in [(r.id, "id"), (r.name, "name")] + [(a.upper(), "alias") for a in r.aliases]:
            other = seen.get(key)
            if other is not None and other is not r:
                raise RuleFileError(
                    f"{Path(r.path).name}:{r.line}: {kind} '{key}' is already used by {other.id} in {Path(other.path).name}",
                    "Rule ids, names and aliases are never reused; pick a new one.", path=r.path, line=r.line, key=kind)
            seen[key] = r


def _fail(path: Path, root, key_path: tuple, message: str, hint: str, line_path: tuple | None = None):
    line = _line(root, line_path if line_path is not None else key_path)
    key = _dotted(key_path)
    raise RuleFileError(f"{path.name}:{line}: {key}: {message}", hint, path=str(path), line=line, key=key)


def _line(root, key_path: tuple) -> int | None:
    """1-based line of the deepest node along ``key_path`` that exists."""
    node, line = root, (root.start_mark.line + 1 if root is not None else None)
    for part in key_path:
        nxt = None
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if k.value == str(part):
                    nxt = v
                    line = k.start_mark.line + 1
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            nxt = node.value[part]
            line = nxt.start_mark.line + 1
        if nxt is None:
            break
        node = nxt
    return line


def _dotted(key_path: tuple) -> str:
    out = ""
    for part in key_path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"
