"""Measurement backends: ``sim`` (performance model), ``trtexec`` and ``tensorrt`` (a real board).

``BACKENDS`` (a :class:`~dla_advisor._registry.Registry`) maps each name to a factory
``(device, power_mode, platform, catalog, options) -> Backend``; the CLI's ``--backend`` choices come
from it, and ``BACKENDS.add(name, factory)`` registers one of your own. Backends import their heavy dependencies on first use.
"""

from __future__ import annotations

from typing import Any, Callable

from ..._registry import Registry, did_you_mean
from ._base import Backend, BackendInfo


def _sim(device, power_mode, platform, catalog, options):
    from .sim import SimBackend
    return SimBackend(device, power_mode, platform, catalog)


def _trtexec(device, power_mode, platform, catalog, options):
    from .trtexec import TrtexecBackend
    return TrtexecBackend(device, power_mode, trtexec=options.get("trtexec"), engines_dir=options.get("engines_dir"),
                          duration_s=options.get("duration_s") or 5,
                          skip_inference_flag=options.get("skip_inference_flag", "--skipInference"))


def _tensorrt(device, power_mode, platform, catalog, options):
    from .tensorrt import TensorRTBackend
    return TensorRTBackend(device, power_mode, duration_s=options.get("duration_s") or 5)


BACKENDS: Registry[Callable[..., Backend]] = Registry("backend")
BACKENDS.add("sim", _sim, order=0)  # the default, and listed first in --backend
BACKENDS.add("trtexec", _trtexec, order=1)
BACKENDS.add("tensorrt", _tensorrt, order=2)


def make_backend(name: str, device: str, power_mode: str, platform=None, catalog=None,
                 options: dict[str, Any] | None = None) -> Backend:
    """Build the backend called ``name``.

    Raises:
        UsageError: unknown name.
        BackendUnavailable: the backend cannot run here.
    """
    from ...errors import UsageError

    if name not in BACKENDS:
        raise UsageError(f"unknown backend '{name}'{did_you_mean(name, BACKENDS)}", f"Use one of: {', '.join(BACKENDS)}.")
    return BACKENDS[name](device, power_mode, platform, catalog, dict(options or {}))


__all__ = ["BACKENDS", "Backend", "BackendInfo", "make_backend"]
