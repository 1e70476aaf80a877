"""Network I/O formats and Reformat layers around DLA regions."""

from __future__ import annotations

from ...layout import DEFAULT_IO_FORMAT, DLA_FEATURE_LAYOUT
from .._registry import detector
from .._types import Hit
from ._util import mib, native_formats, precision, traffic, uses_dla

BOUNDARY = ("network_input", "network_output")
INTERNAL = ("gpu_to_dla", "dla_to_gpu")


@detector("io-format")
def io_format(layout, network, platform, config, params):
    """Reformats between the network's bindings and DLA: I/O not in a DLA-native format."""
    if not uses_dla(layout, config):
        return []
    io = [r for r in layout.reformats if r.location in BOUNDARY]
    if not io:
        return []
    prec = precision(config)
    in_native = native_formats(platform, "input", prec)
    out_native = native_formats(platform, "output", prec)
    bad_in = {r.tensor for r in io if r.location == "network_input"}
    bad_out = {r.tensor for r in io if r.location == "network_output"}
    linear_in, linear_out = f"{prec}:{in_native[0]}", f"{prec}:{out_native[0]}"
    feature = DLA_FEATURE_LAYOUT[prec]
    values = {
        "dla_input_formats": _spec(network, config, "input", bad_in, lambda t: linear_in),
        "dla_output_formats": _spec(network, config, "output", bad_out, lambda t: linear_out),
        "native_input_formats": _spec(network, config, "input", bad_in, lambda t: f"{prec}:{feature}")
        if feature in in_native else "",
        "native_output_formats": _spec(network, config, "output", bad_out, lambda t: f"{prec}:{feature}")
        if feature in out_native else "",
        "hwc4_input_formats": _hwc4_spec(network, config, platform, bad_in, prec) if "dla_hwc4" in in_native else "",
        "reformat_mib": mib(sum(r.bytes for r in io)),
        "traffic": traffic(sum(r.bytes for r in io)),
        "count": len(io),
        "binding_formats": sorted({r.from_format if r.location == "network_input" else r.to_format for r in io}),
        "bindings": [r.tensor for r in io],
        "linear_input": linear_in,
        "linear_output": linear_out,
    }
    layers = tuple(dict.fromkeys(r.consumer if r.location == "network_input" else r.producer for r in io))
    layers = tuple(x for x in layers if x)
    return [Hit(layers=layers, tensors=tuple(r.tensor for r in io), values=values)]


@detector("island-reformats")
def island_reformats(layout, network, platform, config, params):
    """Reformat layers at internal DLA/GPU boundaries (each one a GPU kernel plus a hand-over)."""
    inner = [r for r in layout.reformats if r.location in INTERNAL]
    if not inner:
        return []
    layers = tuple(dict.fromkeys(x for r in inner for x in (r.producer, r.consumer) if x))
    return [Hit(layers=layers, tensors=tuple(r.tensor for r in inner), values={
        "count": len(inner), "reformat_mib": mib(sum(r.bytes for r in inner)), "traffic": traffic(sum(r.bytes for r in inner)),
        "islands": len(layout.dla_loadables),
    })]


def _bindings(network, direction: str) -> list[str]:
    if network is None:
        return []
    return list(network.inputs if direction == "input" else network.outputs)


def _current(config, direction: str, i: int) -> str:
    if config is None:
        return str(DEFAULT_IO_FORMAT)
    fmt = config.input_format(i) if direction == "input" else config.output_format(i)
    return str(fmt)


def _spec(network, config, direction: str, flagged: set[str], choose) -> str:
    """The full ``--inputIOFormats``/``--outputIOFormats`` value: flagged bindings changed, others kept.

    trtexec takes one entry per binding in binding order, or one entry for all; collapse to one when
    every binding ends up with the same format.
    """
    if not flagged:
        return ""
    names = _bindings(network, direction)
    if not names:
        return choose(next(iter(sorted(flagged))))
    entries = [choose(n) if n in flagged else _current(config, direction, i) for i, n in enumerate(names)]
    return entries[0] if len(set(entries)) == 1 else ",".join(entries)


def _hwc4_spec(network, config, platform, flagged: set[str], prec: str) -> str:
    """``dla_hwc4`` for image inputs: at most 4 channels, read only by convolutions with ≤ 4 groups."""
    if network is None or not flagged:
        return ""
    max_c = platform.limit("hwc4_max_channels", 4) if platform is not None else 4
    eligible = set()
    for name in flagged:
        t = network.tensor(name)
        consumers = network.consumers(name)
        if t is None or t.shape is None or len(t.shape) != 4 or not consumers:
            continue
        if t.shape[1] <= max_c and all(c.kind == "Convolution" and int(c.attrs.get("group", 1)) <= 4 for c in consumers):
            eligible.add(name)
    if not eligible:
        return ""
    return _spec(network, config, "input", flagged, lambda n: f"{prec}:dla_hwc4" if n in eligible else f"{prec}:dla_linear")
