"""Defaults from ``[tool.dla-advisor]`` in the user's ``pyproject.toml`` (nearest one above the cwd).

Command-line options win over the file; the file wins over built-in defaults. Paths in the file
(``rules``) are relative to the file's folder. Unknown keys are errors, so a typo never silently
turns a gate off.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import UsageError

# key in [tool.dla-advisor] -> (python type(s), option it stands for)
KEYS: dict[str, tuple[tuple[type, ...], str]] = {
    "platform": ((str,), "--platform"),
    "precision": ((str,), "--precision"),
    "shapes": ((str,), "--shapes"),
    "inputIOFormats": ((str,), "--inputIOFormats"),
    "outputIOFormats": ((str,), "--outputIOFormats"),
    "gpu-fallback": ((bool,), "--gpu-fallback/--no-gpu-fallback"),
    "fail-on": ((str,), "--fail-on"),
    "select": ((list, str), "--select"),
    "ignore": ((list, str), "--ignore"),
    "max-gpu-layers": ((int,), "--max-gpu-layers"),
    "max-loadables": ((int,), "--max-loadables"),
    "max-reformats": ((int,), "--max-reformats"),
    "rules": ((list, str), "--rules"),
    "format": ((str,), "--format"),
}


@dataclass(frozen=True)
class ToolConfig:
    """The ``[tool.dla-advisor]`` table (empty when there is none)."""

    path: Path | None = None
    values: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def rule_dirs(self) -> list[str]:
        raw = self.values.get("rules", [])
        dirs = [raw] if isinstance(raw, str) else list(raw)
        base = self.path.parent if self.path else Path.cwd()
        return [str((base / d).resolve()) for d in dirs]


def find_pyproject(start: Path | None = None) -> Path | None:
    """The nearest ``pyproject.toml`` at or above ``start`` (default: the current directory)."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_tool_config(start: Path | None = None) -> ToolConfig:
    """Read and check ``[tool.dla-advisor]``.

    Raises:
        UsageError: the file is not valid TOML, or the table has an unknown key or a wrong type.
    """
    path = find_pyproject(start)
    if path is None:
        return ToolConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise UsageError(f"{path}: not valid TOML ({e})", "Fix the file, or run from a folder without it.") from None
    table = data.get("tool", {}).get("dla-advisor", {})
    if not isinstance(table, dict):
        raise UsageError(f"{path}: [tool.dla-advisor] must be a table", "Write it as a [tool.dla-advisor] section.")
    for key, value in table.items():
        if key not in KEYS:
            raise UsageError(f"{path}: unknown key '{key}' in [tool.dla-advisor]",
                             f"Known keys: {', '.join(KEYS)}.")
        types, option = KEYS[key]
        if isinstance(value, bool) and bool not in types or not isinstance(value, types):
            raise UsageError(f"{path}: [tool.dla-advisor] {key} = {value!r} has the wrong type",
                             f"Give it as {option} takes it ({' or '.join(t.__name__ for t in types)}).")
    return ToolConfig(path, dict(table))


def split_ids(values) -> list[str]:
    """``--select DLA1,DLA203 --select fp32-io-on-dla-engine`` → a flat list."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    return [x.strip() for v in values for x in str(v).split(",") if x.strip()]
