"""Platform: what one DLA target accepts, loaded from ``rules/platforms/*.yaml``.

A platform file ``extends:`` another and overrides only what changed (deep merge; a layer entry is
replaced whole, ``null`` removes it). Files starting with ``_`` are bases or tables, not selectable.
Every limit and check carries the URL it came from, so a fallback reason can cite it.
"""

from __future__ import annotations

import copy
import importlib.resources
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from ..errors import PlatformFileError

DEFAULT_PLATFORM = "orin-trt10"

_CHECK_SCHEMA = {
    "type": "object",
    "required": ["reason", "check", "source"],
    "properties": {
        "reason": {"type": "string"},
        "check": {"type": "string"},
        "source": {"type": "string", "pattern": "^https?://"},
        "message": {"type": "string"},
    },
}
_LIMIT_SCHEMA = {"type": "object", "required": ["value", "source"],
                 "properties": {"source": {"type": "string", "pattern": "^https?://"}}}
SCHEMA = {
    "type": "object",
    "required": ["id", "title", "soc", "trt", "cores", "limits", "io_formats", "layers"],
    "properties": {
        "id": {"type": "string"},
        "title": {"type": "string"},
        "soc": {"enum": ["orin", "xavier", "woa"]},
        "dla_version": {"type": "string"},
        "trt": {"type": "object", "required": ["min", "max"]},
        "cores": {"type": "integer", "minimum": 1},
        "gpu_fallback": {"type": "boolean"},
        "strongly_typed": {"type": "boolean"},
        "global_average_pool_import": {"enum": ["reduce", "pooling"]},
        "limits": {"type": "object", "additionalProperties": _LIMIT_SCHEMA},
        "general_checks": {"type": "array", "items": _CHECK_SCHEMA},
        "io_formats": {"type": "object", "required": ["input", "output", "source"]},
        "layers": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "required": ["source"],
                "properties": {
                    "precisions": {"type": "array", "items": {"enum": ["fp16", "int8"]}},
                    "int8_as_fp16": {
                        "type": "object",
                        "required": ["source"],
                        "additionalProperties": False,
                        "properties": {"attr": {"type": "string"}, "values": {"type": "array"},
                                       "source": {"type": "string", "pattern": "^https?://"}},
                    },
                    "source": {"type": "string", "pattern": "^https?://"},
                    "checks": {"type": "array", "items": _CHECK_SCHEMA},
                },
            },
        },
    },
}


@dataclass(frozen=True)
class Platform:
    """One DLA target (SoC + TensorRT version range). ``data`` is the merged YAML."""

    id: str
    title: str
    soc: str
    trt_min: str
    trt_max: str
    cores: int
    gpu_fallback_allowed: bool
    strongly_typed: bool
    data: dict[str, Any] = field(repr=False)
    path: str = ""

    @property
    def file(self) -> str:
        return f"{self.id}.yaml"

    def limit(self, key: str, default: Any = None) -> Any:
        entry = self.data.get("limits", {}).get(key)
        return default if entry is None else entry["value"]

    def limit_source(self, key: str) -> str:
        entry = self.data.get("limits", {}).get(key)
        return "" if entry is None else entry["source"]

    @property
    def loadables_per_core(self) -> int | None:
        return self.limit("loadables_per_core")

    def layer_entry(self, kind: str) -> dict[str, Any] | None:
        return self.data["layers"].get(kind)

    def native_input_formats(self, precision: str) -> tuple[str, ...]:
        return tuple(self.data["io_formats"]["input"].get(precision, ()))

    def native_output_formats(self, precision: str) -> tuple[str, ...]:
        return tuple(self.data["io_formats"]["output"].get(precision, ()))

    @property
    def io_formats_source(self) -> str:
        return self.data["io_formats"]["source"]

    @property
    def global_average_pool_import(self) -> str:
        return self.data.get("global_average_pool_import", "reduce")


def _rules_dir() -> Path:
    return Path(str(importlib.resources.files("dla_advisor.rules")))


def platforms_dir() -> Path:
    return _rules_dir() / "platforms"


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise PlatformFileError(f"{path.name}: invalid YAML ({str(e).splitlines()[0]})", "Fix the file.",
                                path=str(path)) from None
    except RecursionError:
        raise PlatformFileError(f"{path.name}: nests too deeply to be a platform file", "Fix the file.",
                                path=str(path)) from None
    except (UnicodeDecodeError, OSError) as e:
        raise PlatformFileError(f"{path.name}: cannot be read as UTF-8 text ({getattr(e, 'strerror', None) or e})",
                                "Fix the file.", path=str(path)) from None
    if not isinstance(data, dict):
        raise PlatformFileError(f"{path.name}: expected a mapping at top level", "Fix the file.", path=str(path))
    return data


def _merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if v is None:
            out.pop(k, None)
        elif k == "layers" and isinstance(v, dict):
            layers = out.setdefault("layers", {})
            for kind, entry in v.items():
                if entry is None:
                    layers.pop(kind, None)
                else:
                    layers[kind] = copy.deepcopy(entry)
        elif isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def _resolve(name: str, directory: Path, seen: tuple[str, ...] = ()) -> dict[str, Any]:
    path = directory / f"{name}.yaml"
    if not path.exists():
        raise PlatformFileError(f"platform file {name}.yaml not found", "See `dla-advisor platforms`.", path=str(path))
    if name in seen:
        raise PlatformFileError(f"{name}.yaml: 'extends' forms a cycle ({' -> '.join(seen + (name,))})",
                                "Fix the extends chain.", path=str(path), key="extends")
    data = _read_yaml(path)
    parent = data.pop("extends", None)
    if parent:
        return _merge(_resolve(parent, directory, seen + (name,)), data)
    return data


def _no_dla_table(directory: Path) -> dict[str, dict[str, str]]:
    path = directory / "_no_dla.yaml"
    return _read_yaml(path).get("no_dla", {}) if path.exists() else {}


def list_platforms(directory: Path | None = None) -> list[Platform]:
    """Every selectable platform, sorted by id."""
    d = directory or platforms_dir()
    return [load_platform(p.stem, d) for p in sorted(d.glob("*.yaml")) if not p.stem.startswith("_")]


def load_platform(name: str | None = None, directory: Path | None = None) -> Platform:
    """Load a platform by id (``None`` → :data:`DEFAULT_PLATFORM`).

    Raises:
        PlatformFileError: unknown id, a TensorRT version/board without DLA, or an invalid file.
    """
    return _load_cached(name or DEFAULT_PLATFORM, str(directory or platforms_dir()))


@lru_cache(maxsize=64)
def _load_cached(name: str, directory_s: str) -> Platform:
    directory = Path(directory_s)
    name = name.strip().lower()
    if name.startswith("_") or not (directory / f"{name}.yaml").exists():
        no_dla = _no_dla_table(directory)
        if name in no_dla:
            entry = no_dla[name]
            raise PlatformFileError(f"{name}: {entry['why']}", entry.get("hint", "Pick a platform with DLA."))
        known = ", ".join(p.stem for p in sorted(directory.glob("*.yaml")) if not p.stem.startswith("_"))
        raise PlatformFileError(f"unknown platform '{name}'", f"Use one of: {known}.")
    data = _resolve(name, directory)
    try:
        jsonschema.validate(data, SCHEMA)
    except jsonschema.ValidationError as e:
        key = ".".join(str(p) for p in e.absolute_path) or "(top level)"
        raise PlatformFileError(f"{name}.yaml: invalid at '{key}': {e.message}", "Fix the platform file.",
                                path=str(directory / f"{name}.yaml"), key=key) from None
    if data["id"] != name:
        raise PlatformFileError(f"{name}.yaml: id '{data['id']}' does not match the file name",
                                "Make 'id' equal the file name.", path=str(directory / f"{name}.yaml"), key="id")
    return Platform(
        id=name, title=data["title"], soc=data["soc"], trt_min=str(data["trt"]["min"]), trt_max=str(data["trt"]["max"]),
        cores=int(data["cores"]), gpu_fallback_allowed=bool(data.get("gpu_fallback", True)),
        strongly_typed=bool(data.get("strongly_typed", False)), data=data, path=str(directory / f"{name}.yaml"),
    )
