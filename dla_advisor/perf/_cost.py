"""Per-kernel cost arrays of GPU and DLA work: a roofline per kernel plus a fixed cost.

A :class:`JobCost` holds, for every kernel (GPU) or hardware operation (DLA) of a piece of work,
its compute time at the engine's peak rate scaled by how the shape fits the engine, its DRAM time at
the engine's streaming bandwidth, and a fixed time. Under concurrent DRAM traffic only the memory
term stretches (:meth:`JobCost.time`), so the arrays are built once and reused for every estimate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..layout import BYTES_PER_ELEMENT
from ._device import DeviceModel
from ._work import LayerWork, NetworkWork

# DLA SDP can apply these to a convolution's output in the same pass.
_DLA_FUSABLE_ACTIVATIONS = ("RELU", "CLIP", "LEAKY_RELU", "SIGMOID", "TANH", "")
# Activations DLA runs as a lookup pass plus an elementwise product with the input.
_DLA_TWO_PASS_ACTIVATIONS = ("SILU", "SWISH", "HARD_SWISH", "GELU", "MISH")
_LAYOUT_CHANNEL_VECTOR = {"chw32": 32, "cdhw32": 32, "chw16": 16, "hwc8": 8, "dhwc8": 8, "chw4": 4,
                          "dla_hwc4": 4, "chw2": 2}


@dataclass(frozen=True)
class JobCost:
    """Kernels of one job, independent of the fitted parameters.

    ``comp``: seconds at the engine's full peak MAC rate; ``mem``: seconds at the full peak DRAM
    bandwidth; ``units``: how many fixed costs (GPU kernels, DLA operations) each kernel pays;
    ``dw``: 1 where the kernel is a depthwise convolution (on DLA it uses a fraction of the MAC
    array, ``dw_eff``); ``cuda``: for GPU kernels, seconds at the CUDA cores' peak rate (IDP4A/FMA;
    ``inf`` where no such kernel exists), while ``comp`` is then the tensor-core time (``inf`` where
    none): the kernel runs on whichever is faster at the fitted efficiencies, as TensorRT's tactic
    timing picks; ``bytes``: DRAM traffic of the whole job. :meth:`time` applies the efficiencies.
    """

    comp: np.ndarray
    mem: np.ndarray
    units: np.ndarray
    bytes: float
    dw: np.ndarray | None = None
    labels: tuple[str, ...] = ()
    cuda: np.ndarray | None = None

    @classmethod
    def build(cls, comp, mem, units, dw=None, labels=(), cuda=None) -> "JobCost":
        comp, mem, units = (np.asarray(x, dtype=float) for x in (comp, mem, units))
        dw = np.zeros(len(comp)) if dw is None else np.asarray(dw, dtype=float)
        cuda = None if cuda is None else np.asarray(cuda, dtype=float)
        return cls(comp, mem, units, 0.0, dw, tuple(labels), cuda)

    @classmethod
    def empty(cls) -> "JobCost":
        z = np.zeros(0)
        return cls(z, z, z, 0.0, z)

    @classmethod
    def concat(cls, jobs: list["JobCost"], nbytes: float | None = None) -> "JobCost":
        if not jobs:
            return cls.empty()
        arrays = [np.concatenate([getattr(j, a) for j in jobs]) for a in ("comp", "mem", "units")]
        dw = np.concatenate([j.dw if j.dw is not None else np.zeros(len(j.comp)) for j in jobs])
        labels = tuple(l for j in jobs for l in (j.labels or ("",) * len(j.comp)))
        cuda = None
        if any(j.cuda is not None for j in jobs):
            cuda = np.concatenate([j.cuda if j.cuda is not None else np.full(len(j.comp), np.inf) for j in jobs])
        return cls(*arrays, float(nbytes if nbytes is not None else sum(j.bytes for j in jobs)), dw, labels, cuda)

    def with_bytes(self, nbytes: float) -> "JobCost":
        return JobCost(self.comp, self.mem, self.units, float(nbytes), self.dw, self.labels, self.cuda)

    def _compute(self, eff: float, dw_eff: float, cuda_eff: float) -> np.ndarray:
        rate = eff if dw_eff == 1.0 or not self.has_dw else eff * np.where(self.dw > 0, dw_eff, 1.0)
        comp = self.comp / rate
        if self.cuda is not None:
            comp = np.minimum(comp, self.cuda / cuda_eff)
        return comp

    def __len__(self) -> int:
        return len(self.comp)

    def kernel_times(self, external: float, knee: float, eff: float, bw_eff: float, unit_s: float,
                     dw_eff: float = 1.0, cuda_eff: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per kernel: (compute seconds, memory seconds, total seconds) under ``external`` DRAM demand.

        A kernel is slowed only where its own demand plus the external demand passes the knee; it
        then gets its share of what the DRAM sustains (the three regions of PCCS). ``unit_s`` is
        the fixed time each unit adds (for GPU kernels: ramp-up and tail plus the gap before the
        next kernel of the stream starts). ``cuda_eff`` is the fraction of the CUDA cores' peak
        their kernels reach (``eff`` is the tensor cores').
        """
        comp = self._compute(eff, dw_eff, cuda_eff)
        mem = self.mem / bw_eff
        if external > 0.0:
            alone = np.maximum(comp, mem)
            s = np.where(alone > 0, self.mem / np.where(alone > 0, alone, 1.0), 0.0)
            mem = mem * np.maximum(1.0, (s + external) / np.maximum(knee, s))
        return comp, mem, np.maximum(comp, mem) + unit_s * self.units

    def time(self, external: float, knee: float, eff: float, bw_eff: float, unit_s: float,
             dw_eff: float = 1.0, cuda_eff: float = 1.0) -> float:
        """Seconds for the job while other engines draw ``external`` (fraction of peak) from DRAM."""
        if not len(self.comp):
            return 0.0
        if external <= 0.0:
            # The common case of the solver's loop, without the contention term.
            comp = self._compute(eff, dw_eff, cuda_eff)
            return float((np.maximum(comp, self.mem / bw_eff) + unit_s * self.units).sum())
        return float(np.sum(self.kernel_times(external, knee, eff, bw_eff, unit_s, dw_eff, cuda_eff)[2]))

    @property
    def has_dw(self) -> bool:
        return self.dw is not None and bool(self.dw.any())

    def residual(self, eff: float, bw_eff: float, unit_s: float, dw_eff: float = 1.0,
                 cuda_eff: float = 1.0) -> float:
        """Mean remaining time of the kernel found running at a random instant (sum t^2 / 2 sum t)."""
        if not len(self.comp):
            return 0.0
        t = self.kernel_times(0.0, 1.0, eff, bw_eff, unit_s, dw_eff, cuda_eff)[2]
        total = float(np.sum(t))
        return float(np.sum(t * t)) / (2.0 * total) if total > 0 else 0.0


def format_bytes(fmt: str, elems: float, channels: int) -> float:
    """DRAM bytes of a tensor stored as ``type:layout`` (vectorised layouts pad C)."""
    dtype, _, layout = fmt.partition(":")
    vec = _LAYOUT_CHANNEL_VECTOR.get(layout, 1)
    padded = math.ceil(channels / vec) * vec if vec > 1 else channels
    return elems * padded / max(channels, 1) * BYTES_PER_ELEMENT.get(dtype, 4)


def _groups(names: list[str], work: NetworkWork, joins) -> list[list[LayerWork]]:
    """Fuse layers into kernels: a layer joins the kernel that produced one of its inputs if ``joins``
    says the engine can run it in the same pass."""
    groups: list[list[LayerWork]] = []
    group_of: dict[str, int] = {}
    for n in names:
        w = work.layers[n]
        target = None
        for t in w.inputs:
            p = work.producer.get(t)
            if p in group_of and joins(w, t, groups[group_of[p]], work):
                target = group_of[p]
                break
        if target is None:
            groups.append([w])
            group_of[n] = len(groups) - 1
        else:
            groups[target].append(w)
            group_of[n] = target
    return groups


def _gpu_joins(w: LayerWork, t: str, group: list[LayerWork], work: NetworkWork) -> bool:
    # TensorRT fuses pointwise chains (bias, activations, residual adds, SiLU) into the producer kernel.
    return w.kind in ("pointwise", "free") and group[0].kind in ("gemm", "depthwise", "pointwise")


def _dla_joins(w: LayerWork, t: str, group: list[LayerWork], work: NetworkWork) -> bool:
    # DLA's SDP follows the convolution core in one pass: one pointwise step per intermediate, no forks.
    if group[0].kind not in ("gemm", "depthwise") or w.kind not in ("pointwise", "free"):
        return False
    if w.kind == "pointwise" and w.layer_kind == "Activation" and w.activation.upper() not in _DLA_FUSABLE_ACTIVATIONS:
        return False
    return len(work.consumers.get(t, ())) == 1


def _group_io(group: list[LayerWork], work: NetworkWork) -> tuple[list[str], list[str]]:
    inside = {w.name for w in group}
    produced = {t for w in group for t in w.outputs}
    reads = list(dict.fromkeys(t for w in group for t in w.inputs if t not in produced))
    writes = [t for t in dict.fromkeys(t for w in group for t in w.outputs)
              if t in work.outputs or any(c not in inside for c in work.consumers.get(t, ()))]
    return reads, writes


def gpu_job(names: list[str], work: NetworkWork, dev: DeviceModel, precision: str, batch: int,
            formats: dict[str, str]) -> JobCost:
    """Cost of GPU layers ``names`` run as TensorRT kernels for ``batch`` images.

    ``formats`` gives the stored format of tensors that are bindings or Reformat outputs; other
    tensors are in the build precision.
    """
    bw = dev.dram_bytes_per_s
    prec_bytes = BYTES_PER_ELEMENT[precision]
    comp, cuda, mem, units, labels, total = [], [], [], [], [], 0.0
    # An intermediate tensor that fits in half the GPU's L2 is read back from L2 by its consumer
    # (its write still goes to DRAM when the dirty lines are evicted).
    l2_half = float(dev.gpu.get("l2_mib", 0.0)) * 2**20 / 2
    inside = set(names)
    cached = {t for n in names for t in work.layers[n].outputs
              if t not in work.outputs and work.consumers.get(t) and all(c in inside for c in work.consumers[t])
              and _tensor_bytes(t, work, formats, prec_bytes) * batch <= l2_half}
    for group in _groups(names, work, _gpu_joins):
        head = group[0]
        if all(w.kind == "free" for w in group):
            continue
        reads, writes = _group_io(group, work)
        b = sum(_tensor_bytes(t, work, formats, prec_bytes) for t in reads if t not in cached) * batch
        b += sum(_tensor_bytes(t, work, formats, prec_bytes) for t in writes) * batch
        b += sum(w.weight_elems for w in group) * prec_bytes
        kernels = 1
        cc = math.inf
        if head.kind == "gemm":
            layout = formats.get(head.inputs[0], "").partition(":")[2] if head.inputs else ""
            c = _gpu_gemm_seconds(head, batch, dev, precision, "tensor", packed=layout in _PACKED_INPUTS)
            cc = _gpu_gemm_seconds(head, batch, dev, precision, "cuda")
        elif head.kind == "depthwise":
            # Nominal CUDA-core time of streaming kernels, at the GPU's fitted efficiency like the rest
            # of their (memory-bound) work; gpu_cuda_eff describes the IDP4A/FMA convolution kernels.
            c = head.macs * batch / dev.gpu_macs_per_s("cuda", precision)
        else:
            elems = sum(work.tensors[t].elems for t in reads + writes) * batch
            c = elems / dev.gpu_macs_per_s("cuda", "fp32")
            if head.kind == "norm":
                b += sum(work.tensors[t].elems for t in reads) * batch * prec_bytes  # statistics pass
                kernels = 2
        # Transcendental activations fused into the kernel's epilogue run on the SMs' special
        # function units after the MACs of each tile, not under them.
        sfu = _sfu_seconds(group, work, dev, batch)
        labels.append(_label(group))
        comp.append(c + sfu)
        cuda.append(cc + sfu)
        mem.append(b / bw)
        units.append(kernels)
        total += b
    return JobCost.build(comp, mem, units, labels=labels, cuda=cuda).with_bytes(total)


# Special-function-unit operations per output element of an activation (exp2 and reciprocal for
# sigmoid-like functions; the cheap piecewise ones use none).
_SFU_OPS = {"SIGMOID": 2, "SILU": 2, "SWISH": 2, "TANH": 2, "GELU": 2, "GELU_ERF": 2, "GELU_TANH": 2, "MISH": 4,
            "SOFTPLUS": 2, "ELU": 1, "SELU": 1, "EXP": 1, "LOG": 1}


def _sfu_seconds(group: list[LayerWork], work: NetworkWork, dev: DeviceModel, batch: int) -> float:
    rate = float(dev.gpu.get("sfu_ops_per_sm_clk", 0.0)) * dev.mode.sms * dev.mode.gpu_mhz * 1e6
    if rate <= 0:
        return 0.0
    ops = sum(_SFU_OPS.get(w.activation.upper(), 0) * work.tensors[w.outputs[0]].elems
              for w in group if w.activation and w.outputs and w.outputs[0] in work.tensors)
    return ops * batch / rate


# Inputs stored with channels vectorised by 4: TensorRT's small-channel kernels read them and pack
# the kernel window into the reduction (why NVIDIA's MLPerf harness feeds ResNet-50 as int8 chw4).
_PACKED_INPUTS = ("chw4", "hwc4", "dla_hwc4")
_TILES = ((128, 128), (128, 64), (64, 128), (64, 64), (64, 32), (32, 64), (32, 32))


def _gpu_gemm_seconds(w: LayerWork, batch: int, dev: DeviceModel, precision: str, path: str,
                      packed: bool = False) -> float:
    """Implicit-GEMM time on the tensor cores or the CUDA cores (``path``; ``inf`` where the
    precision has no kernel there) at their peak rate: the best CTA tile (and split-K where too few
    tiles exist to fill the SMs), with channel padding to the kernels' vector width and whole waves
    of CTAs over the SMs.

    A tile of tm x tn outputs does tm*tn MACs per (tm + tn) operands it loads; below the reuse the
    SM needs to keep its MAC pipes fed (``tile_full_reuse``) a smaller tile runs proportionally
    slower. A layer with fewer input channels than the vector width, reading a tensor stored with
    channels vectorised by 4 (``packed``), packs the kernel window into the reduction (TensorRT's
    small-channel first-layer kernels) instead of padding every tap to the vector width.
    """
    g = dev.gpu
    align = g[f"{path}_channel_align"].get(precision)
    if align is None:
        return math.inf
    sms = dev.mode.sms
    m = w.pixels * batch
    reuse_full = float(g.get("tile_full_reuse", 48.0))
    # Tensor-core tiles hold whole MMA fragments of output channels; CUDA-core kernels vectorise by 8.
    n_align = int(g["tile_n_align"] if path == "tensor" else g.get("cuda_tile_n_align", g["tile_n_align"]))
    n_pad = math.ceil(w.cout / n_align) * n_align
    if packed and path == "tensor" and w.cin < align:
        k_red = math.ceil(math.ceil(w.cin / 4) * 4 * w.rs / align) * align
    else:
        k_red = math.ceil(w.cin / align) * align * w.rs
    per_sm = dev.gpu_macs_per_s(path, precision) / sms
    best = math.inf
    for tm, tn in _TILES:
        tn = max(1, min(tn, n_pad))  # an empty tensor (zero channels or pixels) still divides by a tile
        ctas = max(1, math.ceil(m / tm) * math.ceil(n_pad / tn) * w.groups)
        split = max(1, min(sms // ctas, k_red // 128)) if ctas < sms else 1
        waves = math.ceil(ctas * split / sms)
        eff = min(1.0, tm * tn / (tm + tn) / reuse_full) if path == "tensor" else 1.0
        best = min(best, waves * tm * tn * (k_red / split) / (per_sm * eff))
    return best


def dla_job(names: list[str], work: NetworkWork, dev: DeviceModel, precision: str, batch: int,
            formats: dict[str, str]) -> JobCost:
    """Cost of one DLA loadable running ``names`` for ``batch`` images (DLA loops over the batch)."""
    bw = dev.dram_bytes_per_s
    d = dev.dla
    atom_c, atom_k = int(d["atom_c"][precision]), int(d["atom_k"][precision])
    native = f"{precision}:chw{atom_c}"
    comp, mem, units, dw, labels, total = [], [], [], [], [], 0.0
    resident = _sram_resident(names, work, formats, native, float(d.get("sram_mib", 0.0)) * 2**20)
    for group in _groups(names, work, _dla_joins):
        head = group[0]
        if all(w.kind == "free" for w in group):
            continue
        reads, writes = _group_io(group, work)
        b = sum(format_bytes(formats.get(t, native), work.tensors[t].elems, work.tensors[t].channels)
                for t in reads + writes if t not in resident)
        b += sum(w.weight_elems for w in group) * BYTES_PER_ELEMENT[precision]
        c, ops = 0.0, 1
        if head.kind in ("gemm", "depthwise"):
            first_fmt = formats.get(head.inputs[0], "") if head.inputs else ""
            kp = math.ceil(head.cout / atom_k) * atom_k
            if head.kind == "depthwise":
                # One channel per kernel: only a fraction of the MAC array works (dla_dw_eff).
                macs = head.pixels * math.ceil(head.groups / atom_k) * atom_k * head.rs
            elif first_fmt.endswith("dla_hwc4"):
                # Image input mode packs each kernel row's pixels (C padded to 4, times the kernel
                # width) into the channel atom instead of padding C alone to the atom: a 3-channel
                # 9x9 conv uses ceil(4*9/32) = 2 atoms per kernel row, not 9. NVDLA hardware
                # architecture, "image input" / channel extension: http://nvdla.org/hw/v1/hwarch.html
                kw = max(1, head.kw)
                packed = math.ceil(int(d.get("image_mode_c", atom_c)) * kw / atom_c) * atom_c * (head.rs // kw)
                macs = head.pixels * packed * kp * head.groups
            else:
                cp = math.ceil(head.cin / atom_c) * atom_c
                macs = head.pixels * cp * kp * head.rs * head.groups
            c = macs / dev.dla_macs_per_s(_compute_precision(group, work, formats, precision))
        elif head.layer_kind == "Activation" and head.activation.upper() in _DLA_TWO_PASS_ACTIVATIONS:
            # x * f(x): one pass writes f(x), a second reads x and f(x) back.
            t = head.inputs[0]
            b += 3 * format_bytes(native, work.tensors[t].elems, work.tensors[t].channels)
            ops = 2
        labels.append(_label(group))
        comp.append(c * batch)
        mem.append(b * batch / bw)
        units.append(ops * batch)
        dw.append(1.0 if head.kind == "depthwise" else 0.0)
        total += b * batch
    return JobCost.build(comp, mem, units, dw, labels).with_bytes(total)


def reformat_job(bytes_each: list[float], dev: DeviceModel, labels: list[str] | None = None) -> JobCost:
    """GPU reformat kernels: pure streaming, one kernel each."""
    bw = dev.dram_bytes_per_s
    return JobCost.build([0.0] * len(bytes_each), [b / bw for b in bytes_each], [1.0] * len(bytes_each),
                         labels=labels or ["reformat"] * len(bytes_each)).with_bytes(sum(bytes_each))


def _label(group: list[LayerWork]) -> str:
    """A kernel's name in explanations: its first layer, and how many layers TensorRT fused into it."""
    rest = sum(1 for w in group[1:] if w.kind != "free")
    return group[0].name + (f" (+{rest} fused)" if rest else "")


def _tensor_bytes(t: str, work: NetworkWork, formats: dict[str, str], prec_bytes: int) -> float:
    info = work.tensors[t]
    fmt = formats.get(t)
    if fmt is None:
        return info.elems * prec_bytes
    return format_bytes(fmt, info.elems, info.channels)


def _compute_precision(group: list[LayerWork], work: NetworkWork, formats: dict[str, str], precision: str) -> str:
    """A DLA layer writing an FP16 network output computes in FP16 even in an INT8 build."""
    for w in group:
        for t in w.outputs:
            if t in work.outputs and formats.get(t, "").startswith("fp16"):
                return "fp16"
    return precision


def _sram_resident(names: list[str], work: NetworkWork, formats: dict[str, str], native: str,
                   sram_bytes: float) -> set[str]:
    """Intermediate tensors of one loadable small enough to stay in the DLA's managed SRAM (it must
    hold a layer's input and output at once, so half of it per tensor) never touch DRAM."""
    if sram_bytes <= 0:
        return set()
    inside = set(names)
    out = set()
    for n in names:
        for t in work.layers[n].outputs:
            cons = work.consumers.get(t, ())
            if t in work.outputs or not cons or any(c not in inside for c in cons):
                continue
            info = work.tensors[t]
            if format_bytes(formats.get(t, native), info.elems, info.channels) <= sram_bytes / 2:
                out.add(t)
    return out
