"""Where a measurements file's parameters come from: which it fits (``free:``), which it takes from
another board (``params_from:``), and which other files a transfer's error is measured on
(``transfer_check:``).

A board with few measurements fits few parameters and takes the rest from a board with more; these
keys make that a property of the file, so one ``calibrate`` command reproduces the device file.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from ..errors import RuleFileError, UsageError
from ._device import DeviceModel, ModelParams, load_device


def _file_keys(path: str | Path) -> dict[str, Any]:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return raw if isinstance(raw, dict) else {}


def file_free_params(path: str | Path) -> tuple[str, ...] | None:
    """The parameters a measurements file asks to fit (its ``free:`` list; ``[]``: none), or None for all."""
    free = _file_keys(path).get("free")
    if free is None:
        return None
    if not isinstance(free, list) or not all(isinstance(n, str) for n in free):
        raise RuleFileError(f"{path}: 'free' is a list of parameter names", "Write free: [dram_knee] (or free: []).",
                            path=str(path), key="free")
    return tuple(free)


def file_params_from(path: str | Path) -> str:
    """The device a measurements file takes its non-free parameters from (``params_from:``), or ''."""
    source = _file_keys(path).get("params_from")
    if source is None:
        return ""
    if not isinstance(source, str) or not source:
        raise RuleFileError(f"{path}: 'params_from' names a device", "Write params_from: orin-agx-64gb.",
                            path=str(path), key="params_from")
    return source


def file_transfer_check(path: str | Path) -> tuple[str, ...]:
    """Other measurements files (relative to this one) a transfer's error is also measured on."""
    checks = _file_keys(path).get("transfer_check") or []
    if not isinstance(checks, list) or not all(isinstance(c, str) for c in checks):
        raise RuleFileError(f"{path}: 'transfer_check' is a list of measurements files",
                            "Write transfer_check: [orin-nx-16gb.yaml].", path=str(path), key="transfer_check")
    return tuple(str(Path(path).parent / c) for c in checks)


def fit_names(path: str | Path, free: tuple[str, ...] | None) -> tuple[str, ...]:
    """The parameters to fit: ``free`` (--params), else the file's ``free:`` list, else all."""
    if free is not None:
        return tuple(free)
    listed = file_free_params(path)
    return listed if listed is not None else ModelParams.names()


def source_device(path: str | Path) -> DeviceModel | None:
    """The device named by the file's ``params_from:`` (None where it names none)."""
    name = file_params_from(path)
    if not name:
        return None
    try:
        return load_device(name)
    except UsageError:
        raise RuleFileError(f"{path}: params_from '{name}' is not a device",
                            "Name a shipped device (see rules/devices/) or a device YAML file.",
                            path=str(path), key="params_from") from None


def inherited_params(path: str | Path, params: ModelParams, names: tuple[str, ...]) -> ModelParams:
    """``params`` with every parameter outside ``names`` replaced by the ``params_from`` device's.

    A board that fits only a few parameters takes the rest from a board with more measurements; the
    values come from that board's file as it is now, not from whatever the target file last held, so
    a refit of the source followed by the same command here reproduces the target.
    """
    source = source_device(path)
    if source is None:
        return params
    return replace(source.params, **{n: getattr(params, n) for n in names})


__all__ = ["file_free_params", "file_params_from", "file_transfer_check", "fit_names", "inherited_params",
           "source_device"]
