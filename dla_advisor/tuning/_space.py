"""The deployment search space: which engines go on GPU, DLA0 and DLA1, and how each is built.

The space is one define-by-run function, :meth:`SearchSpace.sample`, that asks a ``choose(name,
choices)`` callback for each decision. Optuna's ``trial.suggest_categorical`` is one such callback;
the exhaustive enumerator in :mod:`._enumerate` is another, so the search and the brute-force check
explore exactly the same space. Decisions only asked when they matter (DLA settings only when a DLA
core is used) keep the space small and let TPE learn the structure.

Illegal combinations raise :class:`PlanRejected` with a one-line reason before anything is measured.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from ..layout import DEFAULT_IO_FORMAT, BuildConfig, IOFormat, parse_precision
from ._models import ModelCatalog
from ._plan import DeploymentPlan, PlannedEngine

Choose = Callable[[str, Sequence[Any]], Any]
DEFAULT_FORMAT = str(DEFAULT_IO_FORMAT)


class PlanRejected(Exception):
    """A sampled plan that cannot be built or makes no sense; ``reason`` says why in one line."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class SpaceOptions:
    """What the search may vary.

    Attributes:
        max_gpu_instances: GPU instances per model range over 0..this.
        batches: batch sizes tried for models with a dynamic batch axis (a static model keeps its own).
        precisions: precisions tried per engine.
        io_formats: try the platform's native I/O formats (else every engine keeps ``fp32:chw``).
        gpu_fallback: values of ``--allowGPUFallback`` tried for DLA engines.
        dla_sram_mib: ``--memPoolSize=dlaSRAM`` values tried (None: TensorRT's default).
        split: also try a split point: the first k layers on DLA, the rest on the GPU.
        dla_cores: DLA cores to use (None: all the platform has).
    """

    max_gpu_instances: int = 2
    batches: tuple[int, ...] = (1, 2, 4, 8, 16, 32)
    precisions: tuple[str, ...] = ("int8", "fp16")
    io_formats: bool = True
    gpu_fallback: tuple[bool, ...] = (False, True)
    dla_sram_mib: tuple[float | None, ...] = (None, 0.5)
    split: bool = False
    dla_cores: int | None = None


@dataclass(frozen=True)
class _Model:
    key: str
    path: str
    dynamic_batch: bool
    static_batch: int
    input_shapes: tuple[tuple[str, tuple[int, ...]], ...]
    split_nodes: tuple[tuple[str, ...], ...]  # ONNX node names of each layer, in engine order


class SearchSpace:
    """The plans for ``models`` on ``platform``.

    Args:
        models: ONNX paths; each gets engines on some of the devices.
        platform: a :class:`~dla_advisor.platforms.Platform` (legal DLA I/O formats, cores, fallback).
        options: what to vary.
        catalog: network/layout cache shared with the ``sim`` backend.
        shapes: trtexec-style fixed shapes for dynamic inputs other than the batch axis.

    Raises:
        ModelLoadError: a model cannot be read.
    """

    def __init__(self, models: Sequence[str], platform, options: SpaceOptions | None = None,
                 catalog: ModelCatalog | None = None, shapes: dict[str, tuple[int, ...]] | None = None):
        self.platform = platform
        self.options = options or SpaceOptions()
        self.catalog = catalog or ModelCatalog()
        self.shapes = dict(shapes or {})
        self.cores = min(platform.cores, self.options.dla_cores if self.options.dla_cores is not None else 99)
        self.models = self._load(models)

    def _load(self, paths: Sequence[str]) -> list[_Model]:
        out, keys = [], set()
        for path in paths:
            base = BuildConfig(use_dla=False, shapes=tuple(self._own_shapes(path)))
            net = self.catalog.network(path, base)
            key = Path(path).stem
            while key in keys:
                key += "_"
            keys.add(key)
            dyn = any(dims and not (isinstance(dims[0], int) and dims[0] > 0) for dims in net.dynamic_inputs.values())
            shapes = tuple((i, tuple(net.tensors[i].shape)) for i in net.inputs)
            static_batch = shapes[0][1][0] if shapes and shapes[0][1] else 1
            out.append(_Model(key, str(path), dyn and not any(i in self.shapes for i in net.dynamic_inputs), static_batch,
                              shapes, tuple(tuple(l.onnx_nodes) or (l.name,) for l in net.layers.values())))
        return out

    def _own_shapes(self, path: str):
        # --shapes names inputs; each model takes the entries for its own inputs.
        from ..graph import load_network  # only to read input names; cached by the catalog afterwards

        if not self.shapes:
            return []
        names = set(load_network(path).inputs)
        return [(n, s) for n, s in self.shapes.items() if n in names]

    def fingerprint(self) -> str:
        """A short hash of everything that defines the space (models, platform, options)."""
        blob = json.dumps({"models": [m.path for m in self.models], "platform": self.platform.id,
                           "options": asdict(self.options), "shapes": {k: list(v) for k, v in self.shapes.items()}},
                          sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:8]

    # -- sampling -----------------------------------------------------------------------------------

    def sample(self, choose: Choose) -> DeploymentPlan:
        """Build one plan from the decisions ``choose`` makes.

        Raises:
            PlanRejected: the decisions give an illegal or empty plan.
        """
        keys = tuple(m.key for m in self.models)
        owner = {c: choose(f"dla{c}", ("none", *keys)) for c in range(self.cores)}
        engines: list[PlannedEngine] = []
        for m in self.models:
            n_gpu = choose(f"{m.key}.gpu_instances", tuple(range(self.options.max_gpu_instances + 1)))
            cores = [c for c in range(self.cores) if owner[c] == m.key]
            if n_gpu == 0 and not cores:
                raise PlanRejected(f"{m.key} has no engine: give it a GPU instance or a DLA core")
            if n_gpu:
                cfg = self._gpu_config(m, choose)
                engines += [PlannedEngine(m.path, "gpu", cfg, i) for i in range(n_gpu)]
            if cores:
                cfg = self._dla_config(m, choose)
                engines += [PlannedEngine(m.path, f"dla{c}", cfg.with_(dla_core=c)) for c in cores]
        return DeploymentPlan(tuple(engines))

    def _batch(self, m: _Model, choose: Choose, prefix: str) -> tuple[int, tuple]:
        if not m.dynamic_batch:
            return m.static_batch, tuple((n, s) for n, s in self.shapes.items() if n in dict(m.input_shapes))
        b = choose(f"{prefix}.batch", self.options.batches)
        return b, tuple((n, (b, *s[1:])) for n, s in m.input_shapes)

    def _gpu_config(self, m: _Model, choose: Choose) -> BuildConfig:
        p = f"{m.key}.gpu"
        spec = choose(f"{p}.precision", self.options.precisions)
        prec = parse_precision(spec)[0]
        batch, shapes = self._batch(m, choose, p)
        fin = fout = DEFAULT_FORMAT
        if self.options.io_formats:
            fin = choose(f"{p}.{prec}.input_format", (DEFAULT_FORMAT, f"{prec}:chw"))
            fout = choose(f"{p}.{prec}.output_format", (DEFAULT_FORMAT, f"{prec}:chw"))
        prec = spec
        return BuildConfig(precision=prec, input_formats=_fmt(fin), output_formats=_fmt(fout), gpu_fallback=False,
                           use_dla=False, batch=batch, shapes=shapes)

    def _dla_config(self, m: _Model, choose: Choose) -> BuildConfig:
        p = f"{m.key}.dla"
        spec = choose(f"{p}.precision", self.options.precisions)
        # I/O formats follow the preferred precision: INT8 bindings whenever INT8 is enabled.
        prec = parse_precision(spec)[0]
        batch, shapes = self._batch(m, choose, p)
        fin = fout = DEFAULT_FORMAT
        if self.options.io_formats:
            fin = choose(f"{p}.{prec}.input_format", _formats(DEFAULT_FORMAT, prec, self.platform.native_input_formats(prec)))
            fout = choose(f"{p}.{prec}.output_format", _formats(DEFAULT_FORMAT, prec, self.platform.native_output_formats(prec)))
        prec = spec
        fallbacks = tuple(v for v in self.options.gpu_fallback if self.platform.gpu_fallback_allowed or not v) or (False,)
        fallback = choose(f"{p}.gpu_fallback", fallbacks)
        sram = choose(f"{p}.sram_mib", self.options.dla_sram_mib)
        split = 0
        if self.options.split and len(m.split_nodes) > 1:
            split = choose(f"{p}.split", tuple(range(len(m.split_nodes))))
        overrides = tuple((n, "GPU") for nodes in m.split_nodes[split:] for n in nodes) if split else ()
        cfg = BuildConfig(precision=prec, input_formats=_fmt(fin), output_formats=_fmt(fout), gpu_fallback=fallback,
                          use_dla=True, dla_core=0, batch=batch, shapes=shapes, layer_device_overrides=overrides,
                          dla_sram_mib=sram)
        self.check_dla(m, cfg)
        return cfg

    def check_dla(self, m: _Model, cfg: BuildConfig) -> None:
        """Reject a DLA build TensorRT would refuse or that could not use the DLA at all."""
        if cfg.layer_device_overrides and not cfg.gpu_fallback:
            raise PlanRejected(f"{m.key}: a split point moves layers to the GPU, which needs --allowGPUFallback")
        for i, (name, shape) in enumerate(m.input_shapes):
            fmt = cfg.input_format(i)
            if fmt.layout == "dla_hwc4" and (len(shape) != 4 or shape[1] > 4):
                raise PlanRejected(f"{m.key}: {fmt} input needs at most 4 channels; '{name}' has shape "
                                   f"{'x'.join(map(str, shape))}")
        limit = self.platform.limit("managed_sram_mib")
        if cfg.dla_sram_mib is not None and limit is not None and cfg.dla_sram_mib > limit:
            raise PlanRejected(f"{m.key}: dlaSRAM {cfg.dla_sram_mib:g} MiB exceeds the {limit:g} MiB of this DLA")
        layout = self.catalog.layout(m.path, cfg, self.platform)
        if not layout.dla_layers:
            raise PlanRejected(f"{m.key}: no layer can run on DLA with {cfg.precision_spec}; the engine would be GPU-only")
        if not cfg.gpu_fallback:
            blocked = [p for p in layout.gpu_layers if not any(r.id == "layer-override" for r in p.reasons)]
            if blocked:
                why = blocked[0].reasons[0].id if blocked[0].reasons else "unsupported"
                raise PlanRejected(f"{m.key}: {len(blocked)} layer(s) cannot run on DLA (first: {blocked[0].name}, "
                                   f"{why}) and GPU fallback is off, so the build would fail")

    # -- reference ----------------------------------------------------------------------------------

    def reference_plan(self) -> DeploymentPlan | None:
        """The forum seed's best hand-made plan for the first model: GPU + every DLA core, INT8,
        ``int8:dla_linear`` I/O on the DLA engines. None where the platform cannot express it."""
        if not self.models or self.cores == 0 or "dla_linear" not in self.platform.native_input_formats("int8"):
            return None
        m = self.models[0]
        shapes = tuple((n, s) for n, s in m.input_shapes) if m.dynamic_batch else ()
        batch = m.input_shapes[0][1][0] if m.dynamic_batch else m.static_batch
        gpu = BuildConfig(precision="int8", gpu_fallback=False, use_dla=False, batch=batch, shapes=shapes)
        dla = BuildConfig(precision="int8", input_formats=_fmt("int8:dla_linear"), output_formats=_fmt("int8:dla_linear"),
                          gpu_fallback=False, use_dla=True, batch=batch, shapes=shapes)
        try:
            self.check_dla(m, dla)
        except PlanRejected:
            dla = dla.with_(gpu_fallback=True)
        engines = [PlannedEngine(m.path, "gpu", gpu, 0)]
        engines += [PlannedEngine(m.path, f"dla{c}", dla.with_(dla_core=c)) for c in range(self.cores)]
        return DeploymentPlan(tuple(engines), label=f"hand-made: GPU + {self.cores}×DLA, int8:dla_linear I/O on DLA")


def _formats(default: str, precision: str, layouts: Sequence[str]) -> tuple[str, ...]:
    out = [default]
    for lay in layouts:
        f = lay if ":" in lay else f"{precision}:{lay}"
        if f not in out:
            out.append(f)
    return tuple(out)


def _fmt(spec: str) -> tuple[IOFormat, ...]:
    if spec == DEFAULT_FORMAT:
        return ()
    dtype, _, layout = spec.partition(":")
    return (IOFormat(dtype, layout),)
