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

import yaml

from .._registry import did_you_mean
from .._words import DEFAULT_PLATFORM
from ..errors import PlatformFileError
from ._validate import SCHEMA, validate_file, validate_merged


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
        """The file name reasons cite (``orin-trt10.yaml``, or a user's own ``my-drive.yaml``)."""
        return Path(self.path).name if self.path else f"{self.id}.yaml"

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
        mark = getattr(e, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        what = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise PlatformFileError(f"{path.name}{where}: invalid YAML ({what})", "Fix the YAML syntax.",
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


def _shown(path: Path) -> str:
    """How errors name a file: a built-in by its name, a user's file by the path they gave."""
    return path.name if path.parent == platforms_dir() else str(path)


def _is_file_name(name: str) -> bool:
    return name.endswith((".yaml", ".yml")) or "/" in name or "\\" in name


def _parent_path(parent: str, child: Path) -> Path:
    """Where ``extends: parent`` points: a path relative to the child file, a sibling file, or a built-in."""
    if _is_file_name(parent):
        path = (child.parent / parent).expanduser()
        if path.is_file():
            return path
    else:
        for folder in (child.parent, platforms_dir()):
            if (folder / f"{parent}.yaml").is_file():
                return folder / f"{parent}.yaml"
    builtin = [p.stem for p in platforms_dir().glob("*.yaml") if p.stem != "_no_dla"]
    raise PlatformFileError(f"{_shown(child)}: extends: no platform '{parent}'{did_you_mean(parent, builtin)}",
                            f"Extend a built-in id ({', '.join(sorted(b for b in builtin if not b.startswith('_')))}) "
                            "or a path relative to this file.", path=str(child), key="extends")


def _resolve(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The merged data of ``path`` and its ``extends:`` chain, each file validated before merging."""
    if path.resolve() in seen:
        chain = " -> ".join(p.name for p in seen + (path.resolve(),))
        raise PlatformFileError(f"{_shown(path)}: extends: forms a cycle ({chain})", "Fix the extends chain.",
                                path=str(path), key="extends")
    data = _read_yaml(path)
    validate_file(data, _shown(path), str(path))
    parent = data.pop("extends", None)
    if parent:
        return _merge(_resolve(_parent_path(parent, path), seen + (path.resolve(),)), data)
    return data


def _no_dla_table(directory: Path) -> dict[str, dict[str, str]]:
    path = directory / "_no_dla.yaml"
    return _read_yaml(path).get("no_dla", {}) if path.exists() else {}


def list_platforms(directory: Path | None = None) -> list[Platform]:
    """Every selectable platform, sorted by id."""
    d = directory or platforms_dir()
    return [load_platform(p.stem, d) for p in sorted(d.glob("*.yaml")) if not p.stem.startswith("_")]


def load_platform(name: str | None = None, directory: Path | None = None) -> Platform:
    """Load a platform by id (``None`` → :data:`DEFAULT_PLATFORM`), or a user's own file by path.

    A user's file (``my-drive.yaml``) usually ``extends:`` a built-in id and overrides what differs; it is
    read afresh on every call, since the user may be editing it.

    Raises:
        PlatformFileError: unknown id, a TensorRT version/board without DLA, or an invalid file (the
            message names the file, the entry and the key).
    """
    name = name or DEFAULT_PLATFORM
    if _is_file_name(name):
        return _load_user_file(Path(name).expanduser())
    return _load_cached(name, str(directory or platforms_dir()))


def _load_user_file(path: Path) -> Platform:
    if not path.is_file():
        builtin = (platforms_dir() / f"{path.stem}.yaml").is_file() and not path.stem.startswith("_")
        hint = (f"For the built-in target, give its id: --platform {path.stem}." if builtin else
                "Give the path of a YAML file, or a built-in id from `dla-advisor platforms`.")
        raise PlatformFileError(f"platform file {path} not found", hint, path=str(path))
    data = _resolve(path)
    # A user's file is named by its path, so its id defaults to the file name rather than the parent's id.
    data["id"] = str(_read_yaml(path).get("id") or path.stem)
    validate_merged(data, _shown(path), str(path))
    return _platform(data, path)


@lru_cache(maxsize=64)
def _load_cached(name: str, directory_s: str) -> Platform:
    directory = Path(directory_s)
    name = name.strip().lower()
    if name.startswith("_") or not (directory / f"{name}.yaml").exists():
        no_dla = _no_dla_table(directory)
        if name in no_dla:
            entry = no_dla[name]
            raise PlatformFileError(f"{name}: {entry['why']}", entry.get("hint", "Pick a platform with DLA."))
        known = [p.stem for p in sorted(directory.glob("*.yaml")) if not p.stem.startswith("_")]
        raise PlatformFileError(f"unknown platform '{name}'{did_you_mean(name, known)}",
                                f"Use one of: {', '.join(known)}, or the path of your own platform file.")
    path = directory / f"{name}.yaml"
    data = _resolve(path)
    validate_merged(data, path.name, str(path))
    if data["id"] != name:
        raise PlatformFileError(f"{name}.yaml: id '{data['id']}' does not match the file name",
                                "Make 'id' equal the file name.", path=str(path), key="id")
    return _platform(data, path)


def _platform(data: dict[str, Any], path: Path) -> Platform:
    return Platform(
        id=data["id"], title=data["title"], soc=data["soc"], trt_min=str(data["trt"]["min"]),
        trt_max=str(data["trt"]["max"]), cores=int(data["cores"]), gpu_fallback_allowed=bool(data.get("gpu_fallback", True)),
        strongly_typed=bool(data.get("strongly_typed", False)), data=data, path=str(path),
    )
