"""Deployment plans as text: ``gpu:bs=8,dla0:bs=2,dla1:bs=2:split=<layer>``.

Each comma-separated entry is one engine instance running concurrently with the others:
``DEVICE[:bs=N][:split=LAYER]``. DEVICE is ``gpu``, ``dla0`` or ``dla1``; ``split=LAYER`` (DLA entries
only, last) keeps the model up to and including LAYER on the DLA and places every later layer on
the GPU (a prefix/suffix split, built with ``--layerDeviceTypes``). Repeat an entry for more instances.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .._limits import MAX_DIM
from ..errors import UsageError
from ..graph import Network
from ..layout import BuildConfig, predict
from ._engine_profile import ENGINE_DEVICES, EngineSpec

PLAN_SYNTAX = "DEVICE[:bs=N][:split=LAYER][,DEVICE...] with DEVICE gpu, dla0 or dla1, e.g. gpu:bs=8,dla0:bs=2,dla1:bs=2"


@dataclass(frozen=True)
class PlanEntry:
    """One engine instance of a plan."""

    device: str
    batch: int = 1
    split: str = ""


def parse_plan(text: str) -> list[PlanEntry]:
    """Parse a plan string (see the module doc); raises UsageError with the syntax on any mistake."""
    if text is None or not text.strip():
        raise UsageError("--plan is empty", f"Write {PLAN_SYNTAX}.")
    entries = []
    for raw in _split_entries(text):
        device, _, rest = raw.strip().partition(":")
        device = device.strip().lower()
        if device not in ENGINE_DEVICES:
            raise UsageError(f"--plan: cannot read '{raw.strip()}'", f"Write {PLAN_SYNTAX}.")
        batch, split = 1, ""
        while rest:
            if rest.startswith("split="):
                split, rest = rest[len("split="):].strip(), ""
                if not split or device == "gpu":
                    raise UsageError(f"--plan: cannot read '{raw.strip()}'", f"Write {PLAN_SYNTAX} (split only on a DLA entry).")
                break
            key, _, rest = rest.partition(":")
            m = re.fullmatch(r"bs=(\d{1,10})", key.strip())
            if not m or not 1 <= int(m.group(1)) <= MAX_DIM:
                raise UsageError(f"--plan: cannot read '{raw.strip()}'", f"Write {PLAN_SYNTAX}.")
            batch = int(m.group(1))
        entries.append(PlanEntry(device, batch, split))
    return entries


def _split_entries(text: str) -> list[str]:
    # A split layer name may itself hold commas only in theory; entries start with a device name.
    parts = re.split(r",(?=\s*(?:gpu|dla0|dla1)\b)", text.strip(), flags=re.IGNORECASE)
    return [p for p in parts if p.strip()] or [text]


def split_overrides(net: Network, layer: str) -> tuple[tuple[str, str], ...]:
    """``--layerDeviceTypes`` entries that put every layer after ``layer`` on the GPU."""
    names = list(net.layers)
    idx = next((i for i, n in enumerate(names) if n == layer or layer in net.layers[n].onnx_nodes), None)
    if idx is None:
        raise UsageError(f"--plan: split layer '{layer}' is not in {net.name}",
                         "Name a layer (or ONNX node) as `dla-advisor advise -v` lists them.")
    return tuple((n, "GPU") for n in names[idx + 1:])


def plan_specs(net: Network, platform, config: BuildConfig, entries: list[PlanEntry]) -> list[EngineSpec]:
    """Engine specs (with predicted layouts) for the entries of a plan, sharing one network."""
    specs, layouts = [], {}
    counts: dict[str, int] = {}
    for e in entries:
        if e.device == "gpu":
            cfg = config.with_(use_dla=False, layer_device_overrides=())
        else:
            over = split_overrides(net, e.split) if e.split else ()
            cfg = config.with_(use_dla=True, dla_core=int(e.device[-1]),
                               layer_device_overrides=tuple(config.layer_device_overrides) + over)
        key = cfg
        if key not in layouts:
            layouts[key] = predict(net, platform, cfg)
        counts[e.device] = counts.get(e.device, 0) + 1
        label = e.device if counts[e.device] == 1 else f"{e.device}#{counts[e.device]}"
        specs.append(EngineSpec(net, layouts[key], cfg, e.device, e.batch, label))
    return specs
