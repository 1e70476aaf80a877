"""Predict the Reformat layers TensorRT inserts around DLA loadables.

At a network input or output the requested format (default ``fp32:chw``) is kept only if DLA reads
or writes it natively for the build precision (``dla_linear``; ``dla_hwc4`` for a <=4-channel input
feeding a convolution; ``chw16`` FP16; ``chw32`` INT8). Every tensor that crosses between GPU and DLA
gets a Reformat too. All of them run on the GPU (TensorRT docs, "I/O Formats on DLA":
https://docs.nvidia.com/deeplearning/tensorrt/latest/inference-library/dla-runtime-configuration.html).
"""

from __future__ import annotations

import math

from ..graph import Network
from ._config import BYTES_PER_ELEMENT, DLA_FEATURE_LAYOUT, BuildConfig, IOFormat
from ._partition import LayerGraph
from ._types import DLA, GPU, Reformat

_PAD_C = {"chw32": 32, "chw16": 16, "chw4": 4, "dla_hwc4": 4, "chw2": 2, "hwc8": 8}


def format_bytes(shape: tuple[int, ...] | None, fmt: str) -> int:
    """Bytes a tensor occupies in ``dtype:layout`` (vectorised layouts pad C; dla_linear pads W to 64 B)."""
    if not shape:
        return 0
    dtype, _, layout = fmt.partition(":")
    elem = BYTES_PER_ELEMENT.get(dtype, 4)
    dims = list(shape)
    if len(dims) >= 3 and layout in _PAD_C:
        c = dims[-3]
        dims[-3] = -(-c // _PAD_C[layout]) * _PAD_C[layout]
    if layout == "dla_linear" and dims:
        per_row = max(1, 64 // elem)
        dims[-1] = -(-dims[-1] // per_row) * per_row
    return math.prod(dims) * elem


def _native(fmt: IOFormat, allowed: tuple[str, ...], precision: str) -> bool:
    return fmt.dtype == precision and fmt.layout in allowed


def predict_reformats(net: Network, graph: LayerGraph, devices: list[str], platform,
                      config: BuildConfig, precisions: list[str] | None = None) -> list[Reformat]:
    """The Reformats of a placement; ``devices`` gives each layer's device by network position.

    ``precisions``: each DLA layer's compute precision (mixed INT8/FP16 builds); the DLA side of a
    boundary uses the native format of the DLA layer at that boundary.
    """
    base = config.precision
    in_index = {n: i for i, n in enumerate(net.inputs)}
    out_index = {n: i for i, n in enumerate(net.outputs)}
    producer = graph.producer
    names = graph.names
    out: list[Reformat] = []
    seen: set[tuple[str, str]] = set()
    position: dict[str, int] | None = None  # built only if a dla_hwc4 input needs its consumers

    def add(tensor, location, src, dst, prod="", cons=""):
        if (tensor, dst) in seen:
            return
        seen.add((tensor, dst))
        shape = net.tensors[tensor].shape if tensor in net.tensors else None
        nbytes = format_bytes(shape, src) + format_bytes(shape, dst)
        name = {"network_input": f"{tensor} to nvm", "network_output": f"{tensor} from nvm"}.get(location, "")
        out.append(Reformat(tensor, location, src, dst, nbytes, GPU, prod, cons, name=name, kind=location))

    # Only a layer that reads a network input, writes a network output or has a neighbour on the
    # other device can need a Reformat; the rest are skipped without looking at their tensors.
    preds = graph.preds
    for i, layer in enumerate(graph.layers):
        dev = devices[i]
        if not ((dev == DLA and (i in graph.reads_input or i in graph.writes_output))
                or any(devices[p] != dev for p in preds[i])):
            continue
        prec = (precisions[i] if precisions and precisions[i] else base) if dev == DLA else base
        internal = f"{prec}:{DLA_FEATURE_LAYOUT[prec]}"
        for t in layer.inputs:
            if t in in_index:
                if dev != DLA:
                    continue
                fmt = config.input_format(in_index[t])
                allowed = platform.native_input_formats(prec)
                ok = _native(fmt, allowed, prec)
                if ok and fmt.layout == "dla_hwc4":
                    shape = net.tensors[t].shape
                    if position is None:
                        position = {n: k for k, n in enumerate(names)}
                    ok = bool(shape and len(shape) == 4 and shape[1] <= platform.limit("hwc4_max_channels", 4)) and all(
                        devices[position[c.name]] == DLA and c.kind == "Convolution" for c in net.consumers(t))
                if not ok:
                    add(t, "network_input", str(fmt), internal, "", layer.name)
                continue
            written = producer.get(t)
            src = None if written is None else written[0]
            if src is not None and devices[src] != dev:
                if dev == DLA:
                    add(t, "gpu_to_dla", f"{_gpu_dtype(net, t, prec)}:chw", internal, names[src], layer.name)
                else:
                    sp = (precisions[src] if precisions and precisions[src] else base)
                    add(t, "dla_to_gpu", f"{sp}:{DLA_FEATURE_LAYOUT[sp]}", f"{_gpu_dtype(net, t, sp)}:chw", names[src], layer.name)
        if dev == DLA:
            for t in layer.outputs:
                if t in out_index:
                    fmt = config.output_format(out_index[t])
                    if not _native(fmt, platform.native_output_formats(prec), prec):
                        add(t, "network_output", internal, str(fmt), layer.name, "")
    return out


def _gpu_dtype(net: Network, tensor: str, precision: str) -> str:
    """The GPU side keeps the build precision where it can; FP32-only tensors stay FP32."""
    t = net.tensors.get(tensor)
    if t is not None and t.dtype not in ("float32", "float16"):
        return {"int8": "int8", "int32": "int32", "int64": "int64", "bool": "bool"}.get(t.dtype, "fp32")
    return "fp16" if precision == "fp16" else "fp32"
