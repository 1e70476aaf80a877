"""The `split` pipeline without printing: choose the cut, build both parts, verify them, say how to build them."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx.external_data_helper import load_external_data_for_tensor

from ..errors import UsageError, first_line
from ..graph import network_from_model, read_model
from ..layout import DEFAULT_IO_FORMAT, DLA_FEATURE_LAYOUT, BuildConfig, IOFormat, dla_prefix, predict
from ._save import check_output_path, save_model_atomic
from ._cut import Cut, extract, gpu_side, plan_cut, prefix_at, trim_to_one_loadable
from ._verify import OutputCheck, _compare, input_specs, random_inputs, require_onnxruntime, run
from ._weights import load_weights_or_fill


@dataclass(frozen=True)
class SplitResult:
    """Everything `split` did, as plain data.

    Attributes:
        model / dla_path / gpu_path: input and the two written files.
        cut: where the model was split.
        dla_config / gpu_config: the builds of the two engines (trtexec flags come from them).
        handover_formats: tensor -> format at the cut (DLA-native, read by the GPU engine as is).
        dla_layout / gpu_layout: predicted layouts of the parts; full_layout: of the whole model.
        outputs: per original output, whether the two parts reproduce it.
        random_weights: initializers whose weights were absent and were filled with random data to verify.
        notes: anything the user should know (trimmed layers, skipped verification).
    """

    model: str
    dla_path: str
    gpu_path: str
    cut: Cut
    dla_config: BuildConfig
    gpu_config: BuildConfig
    handover_formats: dict[str, str]
    dla_layout: Any
    gpu_layout: Any
    full_layout: Any
    outputs: tuple[OutputCheck, ...]
    random_weights: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    dla_network: Any = field(default=None, repr=False)
    gpu_network: Any = field(default=None, repr=False)
    full_network: Any = field(default=None, repr=False)

    @property
    def verified(self) -> bool:
        return bool(self.outputs) and all(o.ok for o in self.outputs)

    def commands(self) -> tuple[str, str]:
        """trtexec command lines that build the two engines."""
        stem_d, stem_g = Path(self.dla_path), Path(self.gpu_path)
        dla = self.dla_config.trtexec_flags(str(stem_d)) + [f"--saveEngine={stem_d.with_suffix('.engine')}"]
        gpu = self.gpu_config.trtexec_flags(str(stem_g)) + [f"--saveEngine={stem_g.with_suffix('.engine')}"]
        return "trtexec " + " ".join(dla), "trtexec " + " ".join(gpu)


def output_paths(model: str | os.PathLike, out_dir: str | os.PathLike) -> tuple[Path, Path]:
    """``DIR/<stem>.dla.onnx`` and ``DIR/<stem>.gpu.onnx``; never the input or its weight files.

    Raises:
        UsageError: ``out_dir`` is a file, or a part would overwrite an input file.
    """
    d = Path(out_dir)
    if d.exists() and not d.is_dir():
        raise UsageError(f"-o {out_dir} is a file", "Give a folder for the two parts, e.g. -o split/.")
    stem = Path(model).name
    stem = stem[:-5] if stem.lower().endswith(".onnx") else Path(model).stem
    return d / f"{stem}.dla.onnx", d / f"{stem}.gpu.onnx"


def split_model(model_path: str, out_dir: str, platform, config: BuildConfig, at: list[str] | None = None,
                atol: float = 1e-3, rtol: float = 1e-3, seed: int = 0, write: bool = True,
                verify: bool = True) -> SplitResult:
    """Split ``model_path`` into a DLA part and a GPU part and write both to ``out_dir``.

    Args:
        at: cut tensors; None or ``["auto"]`` chooses the largest DLA-clean prefix.

    Raises:
        UsageError: bad ``at``, an output path that would overwrite an input, nothing to put on DLA.
        ModelLoadError: unreadable model. BackendUnavailable: onnxruntime missing (with ``verify``).
    """
    original = read_model(model_path)
    shapes = config.shapes_dict()
    dla_path, gpu_path = output_paths(model_path, out_dir)
    protected = [model_path, *_weight_files(original, model_path)]
    for p in (dla_path, gpu_path):
        if p.parent.exists():
            check_output_path(p, protected)

    def network_of(m):
        names = {vi.name for vi in m.graph.input}
        return network_from_model(m, name=Path(model_path).stem, shapes={k: v for k, v in shapes.items() if k in names},
                                  batch=config.batch)

    net = network_of(original)
    for name, dims in net.dynamic_inputs.items():
        # A dynamic batch is taken as 1 (the importer notes it); dynamic H/W have no size to verify with.
        if name not in shapes and any(not (isinstance(d, int) and d > 0) for d in dims[1:]):
            example = "x".join(str(d) if isinstance(d, int) and d > 0 else "N" for d in dims)
            raise UsageError(f"input '{name}' has dynamic dims {list(dims)}; DLA engines are built for one shape",
                             f"Give it with --shapes {name}:{example} (numbers for every N, e.g. the export size).")
    full_cfg = config.with_(gpu_fallback=True, use_dla=True)
    full = predict(net, platform, full_cfg)
    part_cfg = config.with_(gpu_fallback=False, use_dla=True)
    auto = not at or at == ["auto"]
    layers = dla_prefix(net, full) if auto else prefix_at(net, at)
    notes: list[str] = []
    if auto:
        layers, trimmed = trim_to_one_loadable(net, original, layers, platform, part_cfg, network_of)
        notes.extend(f"left for the GPU part: {t}" for t in trimmed)
    if not layers:
        first = next(iter(net.layers.values()), None)
        why = ""
        p = full.placement(first.name) if first else None
        if p is not None and p.reasons:
            why = f" ({first.name}: {p.reasons[0].message})"
        raise UsageError(f"no DLA part: the network's first layers cannot run on DLA for {platform.id}{why}",
                         "Fix the first GPU layer (see `dla-advisor advise`) or pick cut tensors with --at.")
    dla_outputs, skip = plan_cut(net, layers)
    dla_part = extract(original, list(net.inputs), dla_outputs, net)
    static = {n: tuple(int(d) for d in t.shape) for n, t in net.tensors.items()
              if t.shape and all(isinstance(d, (int, np.integer)) and d > 0 for d in t.shape)}
    extra, gpu_inputs, shape_consts = gpu_side(original, dla_part, dla_outputs, skip, static)
    if extra:
        dla_outputs = dla_outputs + extra
        dla_part = extract(original, list(net.inputs), dla_outputs, net)
    dla_inputs_used = _used_inputs(dla_part)
    dla_part = extract(original, dla_inputs_used, dla_outputs, net)
    graph_outputs = [o.name for o in original.graph.output]
    gpu_outputs = [o for o in graph_outputs if o not in dla_outputs]
    gpu_part = extract(original, gpu_inputs, gpu_outputs, net, shape_consts) if gpu_outputs else None
    cut = Cut(tuple(layers), tuple(dla_outputs), tuple(gpu_inputs), tuple(t for t in gpu_inputs if t in net.inputs),
              tuple(notes))

    dla_net = network_of(dla_part)
    dla_layout0 = predict(dla_net, platform, part_cfg)
    formats = handover_formats(dla_net, dla_layout0, dla_outputs, platform, config)
    dla_cfg = part_cfg.with_(input_formats=_input_formats(dla_net, dla_layout0, platform, config),
                             output_formats=tuple(_parse(formats[t]) for t in dla_part.graph.output for t in [t.name]),
                             shapes=())  # the parts' inputs are static: the analysed shapes are written into them
    dla_layout = predict(dla_net, platform, dla_cfg)
    gpu_net = network_of(gpu_part) if gpu_part is not None else None
    gpu_cfg = config.with_(use_dla=False, gpu_fallback=False, layer_device_overrides=(),
                           input_formats=tuple(_parse(formats.get(t, str(DEFAULT_IO_FORMAT))) for t in gpu_inputs),
                           output_formats=(), shapes=())
    gpu_layout = predict(gpu_net, platform, gpu_cfg) if gpu_net is not None else None

    outputs: tuple[OutputCheck, ...] = ()
    filled: list[str] = []
    if verify:
        weighted, filled = load_weights_or_fill(original, model_path, seed)
        outputs = _verify(weighted, gpu_inputs, dla_outputs, gpu_outputs, shapes, atol, rtol, seed, net, shape_consts)
    # A split whose parts do not reproduce the model is not written.
    if write and (not verify or all(o.ok for o in outputs)):
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        for p in (dla_path, gpu_path):
            check_output_path(p, protected)
        save_model_atomic(_with_weights_of(dla_part, original, model_path, dla_path), dla_path)
        if gpu_part is not None:
            save_model_atomic(_with_weights_of(gpu_part, original, model_path, gpu_path), gpu_path)
    if verify and filled:
        notes.append(f"the model's weights are absent: {len(filled)} initializer(s) got seeded random values to verify "
                     "the split; the written parts refer to the same weight file the input did")
    return SplitResult(str(model_path), str(dla_path), str(gpu_path) if gpu_part is not None else "", cut, dla_cfg,
                       gpu_cfg, formats, dla_layout, gpu_layout, full, outputs, tuple(filled), tuple(notes),
                       dla_net, gpu_net, net)


def handover_formats(dla_net, dla_layout, tensors: list[str], platform, config: BuildConfig) -> dict[str, str]:
    """The format of each hand-over tensor: the DLA producer's native feature format (no Reformat)."""
    prec_of = {p.name: p.precision for p in dla_layout.placements}
    prod = dla_net._producers()
    out = {}
    for t in tensors:
        prec = prec_of.get(prod.get(t, ""), "") or config.precision
        native = tuple(platform.native_output_formats(prec))
        lay = DLA_FEATURE_LAYOUT[prec] if DLA_FEATURE_LAYOUT[prec] in native or not native else native[0]
        out[t] = f"{prec}:{lay}"
    return out


def _input_formats(dla_net, layout, platform, config: BuildConfig) -> tuple[IOFormat, ...]:
    """DLA-native formats for the DLA engine's inputs: dla_hwc4 for an image read only by convolutions."""
    prec_of = {p.name: p.precision for p in layout.placements}
    out = []
    for name in dla_net.inputs:
        readers = dla_net.consumers(name)
        prec = next((prec_of[c.name] for c in readers if prec_of.get(c.name)), config.precision)
        native = tuple(platform.native_input_formats(prec))
        t = dla_net.tensor(name)
        image = (t is not None and t.shape and len(t.shape) == 4 and t.shape[1] <= platform.limit("hwc4_max_channels", 4)
                 and readers and all(c.kind == "Convolution" for c in readers))
        lay = "dla_hwc4" if image and "dla_hwc4" in native else ("dla_linear" if "dla_linear" in native else
                                                                (native[0] if native else "chw"))
        out.append(IOFormat(prec, lay))
    return tuple(out)


def _parse(spec: str) -> IOFormat:
    dtype, _, layout = spec.partition(":")
    return IOFormat(dtype, layout)


def _used_inputs(part: onnx.ModelProto) -> list[str]:
    read = {x for n in part.graph.node for x in n.input}
    return [vi.name for vi in part.graph.input if vi.name in read]


def _weight_files(model: onnx.ModelProto, model_path) -> list[Path]:
    from onnx.external_data_helper import _get_all_tensors

    base = Path(model_path).resolve().parent
    files = set()
    for t in _get_all_tensors(model):
        if t.data_location == onnx.TensorProto.EXTERNAL:
            loc = next((e.value for e in t.external_data if e.key == "location"), "")
            if loc:
                files.add(base / loc)
    return sorted(files)


def _with_weights_of(part: onnx.ModelProto, original: onnx.ModelProto, model_path, out_path: Path) -> onnx.ModelProto:
    """The part with the original's weights: inline where the file exists, else a reference to the same file.

    Parts of a weight-free skeleton stay weight-free: their external references point (relative to
    the output folder) at the weight file the input referred to.
    """
    from onnx.external_data_helper import _get_all_tensors

    out = onnx.ModelProto()
    out.CopyFrom(part)
    base = Path(model_path).resolve().parent
    for t in _get_all_tensors(out):
        if t.data_location != onnx.TensorProto.EXTERNAL:
            continue
        loc = next((e.value for e in t.external_data if e.key == "location"), "")
        if loc and (base / loc).is_file():
            load_external_data_for_tensor(t, str(base))
            t.data_location = onnx.TensorProto.DEFAULT
            del t.external_data[:]
        elif loc:
            rel = os.path.relpath(base / loc, out_path.resolve().parent)
            for e in t.external_data:
                if e.key == "location":
                    e.value = rel
    return out


def _verify(model: onnx.ModelProto, gpu_inputs, dla_outputs, gpu_outputs, shapes, atol, rtol, seed, net,
            shape_consts=None):
    """Run the whole model, then the DLA part and the GPU part on its hand-over; compare every output."""
    ort = require_onnxruntime()
    inputs = list(net.inputs)
    specs = input_specs(model, _all_shapes(net, shapes))
    feeds = random_inputs(specs, np.random.default_rng(seed))
    dla = extract(model, _used_inputs(extract(model, inputs, dla_outputs, net)), dla_outputs, net)
    gpu = extract(model, list(gpu_inputs), list(gpu_outputs), net, shape_consts) if gpu_outputs else None
    with tempfile.TemporaryDirectory(prefix="dla-advisor-split-") as tmp:
        try:
            names, ref = run(ort, model, [feeds], Path(tmp), "original")
        except Exception as e:  # noqa: BLE001 - onnxruntime raises its own exception types
            from ..errors import ModelLoadError
            raise ModelLoadError(f"onnxruntime cannot run the model, so the split could not be verified: {first_line(e)}",
                                 "Pass --no-verify to split without checking, or --shapes for dynamic inputs.") from None
        got: dict[str, np.ndarray] = {}
        try:
            d_names, d_out = run(ort, dla, [{k: feeds[k] for k in _used_inputs(dla)}], Path(tmp), "dla")
            got.update(zip(d_names, d_out[0]))
            if gpu is not None:
                g_feeds = {t: (got[t] if t in got else feeds[t]) for t in gpu_inputs}
                g_names, g_out = run(ort, gpu, [g_feeds], Path(tmp), "gpu")
                got.update(zip(g_names, g_out[0]))
        except Exception as e:  # noqa: BLE001 - a part the runtime rejects is a failed verification
            return tuple(OutputCheck(n, (), float("inf"), False, f"the parts could not run: {first_line(e)}")
                         for n in names)
    out = []
    for name, ref_value in zip(names, ref[0]):
        if name not in got:
            out.append(OutputCheck(name, tuple(np.shape(ref_value)), float("inf"), False, "is not produced by the parts"))
            continue
        worst, ok, detail = _compare(np.asarray(ref_value), np.asarray(got[name]), atol, rtol)
        out.append(OutputCheck(name, tuple(np.shape(ref_value)), worst, ok, detail))
    return tuple(out)


def _all_shapes(net, shapes):
    """Input shapes for the random feeds: the analysis' fixed shapes (dynamic dims already resolved)."""
    out = dict(shapes or {})
    for n in net.inputs:
        t = net.tensors.get(n)
        if n not in out and t is not None and t.shape and n in net.dynamic_inputs:
            out[n] = tuple(int(d) for d in t.shape)
    return out
