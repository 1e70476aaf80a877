"""Small readers over layout/config/platform shared by detectors (None-tolerant: measured layouts
carry no BuildConfig and sometimes no platform)."""

from __future__ import annotations

from typing import Any

from ...layout import DLA, GPU

DEFAULT_NATIVE = {
    "input": {"int8": ("dla_linear", "dla_hwc4", "chw32"), "fp16": ("dla_linear", "dla_hwc4", "chw16")},
    "output": {"int8": ("dla_linear", "chw32"), "fp16": ("dla_linear", "chw16")},
}


def precision(config) -> str:
    return getattr(config, "precision", None) or "fp16"


def uses_dla(layout, config) -> bool:
    """A DLA build: asked for (``--useDLACore``) or, for measured layouts, DLA layers present."""
    if config is not None and not getattr(config, "use_dla", True):
        return False
    return config is not None or any(p.device == DLA for p in layout.placements)


def build_flags(layout, config) -> dict[str, str]:
    """trtexec flags outside BuildConfig's own fields (``useCudaGraph``, ``directIO`` ...)."""
    out: dict[str, str] = {}
    for cfg in (getattr(layout, "config", None), config):
        for key, value in getattr(cfg, "extra", ()) or ():
            out[str(key).lstrip("-")] = str(value)
    return out


def native_formats(platform, direction: str, prec: str) -> tuple[str, ...]:
    if platform is not None:
        getter = platform.native_input_formats if direction == "input" else platform.native_output_formats
        found = tuple(getter(prec))
        if found:
            return found
    return DEFAULT_NATIVE[direction][prec]


def gpu_layers_with_reasons(layout):
    return [p for p in layout.placements if p.device == GPU and p.reasons]


def reason_ids(placement) -> tuple[str, ...]:
    return tuple(r.id for r in placement.reasons)


def mib(n_bytes: int | float) -> float:
    return round(n_bytes / (1 << 20), 2)


def traffic(n_bytes: int | float) -> str:
    """Reformat traffic as text; artifacts often name a reformat without its size."""
    return f"{mib(n_bytes):g} MiB per inference" if n_bytes else "size not recorded"


def param(params: dict[str, Any], key: str, default: Any) -> Any:
    value = params.get(key)
    return default if value is None else value
