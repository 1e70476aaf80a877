"""Engines running at the same time: shared GPU, one engine at a time per DLA core, shared DRAM.

Every engine instance loops (as trtexec does). The steady state is a fixed point:

* throughputs give each engine's share of GPU time and of DRAM bandwidth;
* DRAM traffic of the others stretches the memory-bound kernels of each engine past the knee;
* an engine's GPU jobs wait for the kernel another engine has running (mean residual kernel time)
  and cost the GPU a switch each time they interleave with it -- when the engines run in separate
  processes (one trtexec per engine, as in the seed measurements), whose CUDA contexts the GPU
  time-slices. Engines of one process (DeepStream, Triton, NVIDIA's MLPerf harness: one server
  holding the GPU and DLA devices) share one context: their streams' kernels run side by side as
  SMs free up, so neither the wait nor the switch applies;
* GPU time and each DLA core are split max-min fairly among the engines that want more than
  their share (time slicing), which caps the throughputs;

and the iteration repeats until the throughputs stop moving.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Sequence

import numpy as np

from ..layout import Provenance
from ._device import DeviceModel
from ._engine_profile import EngineProfile, EngineSpec, Estimate, engine_profile, provenance

_MAX_ITER = 200
_TOL = 1e-6


@dataclass(frozen=True)
class ConcurrentEstimate:
    """Modelled steady state of engines running together.

    Attributes:
        engines: one :class:`Estimate` per engine instance, in the order given.
        total_images_per_s: sum of the engines' images per second.
        gpu_utilisation: fraction of GPU time in use (kernels plus switches).
        dram_utilisation: DRAM traffic as a fraction of the peak bandwidth at this EMC clock.
        iterations: fixed-point iterations used.
    """

    engines: tuple[Estimate, ...]
    total_images_per_s: float
    provenance: Provenance
    gpu_utilisation: float = 0.0
    dram_utilisation: float = 0.0
    iterations: int = 0
    one_process: bool = False
    cuda_graphs: bool = False

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["engines"] = [e.to_dict() for e in self.engines]
        d["provenance"]["label"] = self.provenance.label()
        return d


def estimate_engine(spec: EngineSpec, dev: DeviceModel, cuda_graphs: bool = False,
                    data_transfers: bool = True) -> Estimate:
    """Throughput and latency of one engine running alone on ``dev``."""
    return estimate_concurrent([spec], dev, cuda_graphs=cuda_graphs, data_transfers=data_transfers).engines[0]


def estimate_concurrent(specs: Sequence[EngineSpec], dev: DeviceModel, one_process: bool = False,
                        cuda_graphs: bool = False, data_transfers: bool = True) -> ConcurrentEstimate:
    """Steady-state throughput of engine instances running at the same time on ``dev``.

    Args:
        specs: the engine instances (several may share a network and layout).
        dev: the device model.
        one_process: the engines share one process (one CUDA context) instead of one process each.
        cuda_graphs: the GPU engines are launched as CUDA graphs (cheaper launch per kernel).
        data_transfers: every inference copies its inputs in and outputs out, in line with the
            engine (trtexec's default); False for zero-copy input (``--noDataTransfers``, NVIDIA's
            MLPerf harness with direct host access) or copies overlapped on other streams.

    Returns:
        A :class:`ConcurrentEstimate` with one Estimate per spec, in order.
    """
    profiles = [engine_profile(s, dev) for s in specs]
    state = solve(profiles, dev, one_process, cuda_graphs, data_transfers)
    prov = provenance(dev)
    engines = tuple(_estimate(s, p, state, i, prov) for i, (s, p) in enumerate(zip(specs, profiles)))
    return ConcurrentEstimate(engines, float(sum(e.images_per_s for e in engines)), prov,
                              state.gpu_util, state.dram_util, state.iterations, one_process, cuda_graphs)


@dataclass
class _State:
    x: np.ndarray          # inferences per second
    gpu_s: np.ndarray      # GPU kernel seconds per inference (after DRAM stretch)
    dla_s: np.ndarray
    ref_s: np.ndarray
    wait_s: np.ndarray     # seconds per inference waiting for the GPU
    switch_s: np.ndarray   # GPU seconds lost to switches per inference
    fixed_s: np.ndarray    # DLA submission latency per inference
    gpu_util: float
    dram_util: float
    iterations: int
    external: np.ndarray | None = None  # DRAM demand of the other engines, fraction of peak
    copy_s: np.ndarray | None = None    # host <-> device copies per inference
    latency_s: np.ndarray | None = None  # one inference, from its input copy to its output copy


def kernel_constants(dev: DeviceModel, cuda_graphs: bool = False) -> tuple[tuple, tuple]:
    """(GPU, DLA) arguments of :meth:`JobCost.time` after the efficiencies and fixed costs of ``dev``.

    A GPU kernel's fixed cost is its ramp-up and tail, counted in SM clock cycles (so it grows as a
    power mode lowers the GPU clock), plus the gap before the next kernel of the stream starts: the
    launch latency of a kernel enqueued on its own, which a CUDA graph mostly removes.
    """
    p = dev.params
    gap = (p.gpu_graph_us if cuda_graphs else p.gpu_launch_us) * 1e-6
    unit = p.gpu_kernel_kcycles * 1e3 / (dev.mode.gpu_mhz * 1e6) + gap
    gk = (p.gpu_eff, p.gpu_bw_eff, unit, 1.0, p.gpu_cuda_eff)
    dk = (p.dla_eff, p.dla_bw_eff, p.dla_op_kcycles * 1e3 / (dev.mode.dla_mhz * 1e6), p.dla_dw_eff)
    return gk, dk


def nms_constants(gk: tuple, passes: float) -> tuple:
    """GPU arguments of :meth:`JobCost.time` for one NMS plugin pass costed ``passes`` times (its
    streaming passes over the outputs, each at the GPU's bandwidth)."""
    return (gk[0], gk[1] / passes) + tuple(gk[2:])


def solve(profiles: list[EngineProfile], dev: DeviceModel, one_process: bool = False,
          cuda_graphs: bool = False, data_transfers: bool = True) -> _State:
    """Fixed point of throughputs -> GPU/DRAM shares -> slowdowns -> throughputs."""
    p = dev.params
    n = len(profiles)
    knee = p.dram_knee
    # One context: no time-slice switch, and a job waits for free SMs, not for another's kernel.
    switch = 0.0 if one_process else p.gpu_switch_us * 1e-6
    peak = dev.dram_bytes_per_s
    visits = np.array([q.visits for q in profiles], dtype=float)
    fixed = np.array([q.loadables * p.dla_submit_us * 1e-6 for q in profiles])
    # Host <-> device copies of the bindings run on the copy engine on their own stream, overlapped
    # with the previous inference's compute (trtexec serialises them only with --exposeDMA:
    # https://docs.nvidia.com/deeplearning/tensorrt/latest/reference/command-line-programs.html), so
    # they bound an engine's rate (one copy in flight per engine) instead of adding to its cycle.
    copies = np.array([q.copy_bytes / 2 / (p.copy_gbps * 1e9) for q in profiles]) if data_transfers else np.zeros(n)
    gk, dk = kernel_constants(dev, cuda_graphs)
    nk = nms_constants(gk, p.nms_passes)
    nbytes = np.array([q.bytes + q.nms.bytes * p.nms_passes for q in profiles])
    residual = np.zeros(n) if one_process else np.array([q.gpu_residual(*gk) for q in profiles])
    core = np.array([_core(q) for q in profiles])

    ext = np.zeros(n)
    rho = np.zeros(n)
    res_other = np.zeros(n)
    x = None
    for it in range(1, _MAX_ITER + 1):
        gpu_s = np.array([q.gpu.time(e, knee, *gk) for q, e in zip(profiles, ext)])
        # GPU work outside the layers: Reformats and a detection NMS plugin at the end of the engine.
        ref_s = np.array([q.reformat.time(e, knee, *gk) + q.nms.time(e, knee, *nk) for q, e in zip(profiles, ext)])
        dla_s = np.array([q.dla.time(e, knee, *dk) for q, e in zip(profiles, ext)])
        g = gpu_s + ref_s
        wait = visits * rho * res_other
        lost = visits * switch * rho
        cycle = g + dla_s + fixed + wait
        x0 = 1.0 / np.maximum(cycle, 1e-12)
        gpu_need = g + lost
        cap = _fair_share(x0 * gpu_need, 1.0) / np.where(gpu_need > 0, gpu_need, np.inf)
        x_new = np.minimum(x0, np.where(gpu_need > 0, cap, np.inf))
        for c in set(core[core >= 0].tolist()):
            on = core == c
            share = _fair_share(x0[on] * dla_s[on], 1.0) / np.where(dla_s[on] > 0, dla_s[on], np.inf)
            x_new[on] = np.minimum(x_new[on], np.where(dla_s[on] > 0, share, np.inf))
        # One inference's latency holds its own copies; the rate only the copy stream's capacity.
        period = 1.0 / np.maximum(x_new, 1e-12)
        x_new = np.minimum(x_new, 1.0 / np.maximum(copies, 1e-12))
        x_next = x_new if x is None else 0.5 * x + 0.5 * x_new
        done = x is not None and np.all(np.abs(x_next - x) <= _TOL * np.maximum(x_next, 1e-9))
        x = x_next
        busy = x * g
        rho = np.minimum(busy.sum() - busy, 0.95)
        weighted = busy * residual
        res_other = np.where(rho > 0, (weighted.sum() - weighted) / np.maximum(busy.sum() - busy, 1e-12), 0.0)
        demand = x * nbytes / peak
        ext = demand.sum() - demand
        if done:
            break
    return _State(x, gpu_s, dla_s, ref_s, wait, lost, fixed, float(np.sum(x * gpu_need)), float(np.sum(x * nbytes) / peak), it,
                  ext, copies, period + copies)


def _core(q: EngineProfile) -> int:
    return int(q.spec_device[-1]) if q.spec_device.startswith("dla") and q.loadables else -1


def _fair_share(need: np.ndarray, capacity: float) -> np.ndarray:
    """Max-min fair split of ``capacity`` among demands ``need`` (time slicing)."""
    need = np.asarray(need, dtype=float)
    if need.sum() <= capacity:
        return need.copy()
    out = np.zeros_like(need)
    left, idx = capacity, list(np.argsort(need))
    while idx:
        level = left / len(idx)
        i = idx[0]
        if need[i] <= level:
            out[i] = need[i]
            left -= need[i]
            idx.pop(0)
        else:
            for j in idx:
                out[j] = level
            break
    return out


def _estimate(spec: EngineSpec, q: EngineProfile, st: _State, i: int, prov: Provenance) -> Estimate:
    x = float(st.x[i])
    latency = float(st.latency_s[i]) if st.latency_s is not None else (1.0 / x if x > 0 else float("inf"))
    parts = [("gpu_kernels", st.gpu_s[i]), ("reformats", st.ref_s[i]), ("dla", st.dla_s[i]),
             ("dla_submit", st.fixed_s[i]), ("gpu_wait", st.wait_s[i]),
             ("data_transfers", st.copy_s[i] if st.copy_s is not None else 0.0)]
    accounted = sum(v for _, v in parts)
    parts.append(("share_wait", max(latency - accounted, 0.0)))
    return Estimate(
        name=spec.label, device=spec.device, batch=spec.batch, throughput_qps=x, images_per_s=x * spec.batch,
        latency_ms=latency * 1e3, gpu_busy_ms=float(st.gpu_s[i] + st.ref_s[i] + st.switch_s[i]) * 1e3,
        dla_busy_ms=float(st.dla_s[i]) * 1e3, dram_bytes=q.bytes, provenance=prov,
        breakdown=tuple((k, round(float(v) * 1e3, 6)) for k, v in parts if v > 0),
    )
