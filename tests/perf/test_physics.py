"""The mechanisms of the model, each checked against its own arithmetic whatever the fitted values:
copies overlapped with compute, a detection NMS plugin on the GPU, a kernel's fixed cost in GPU cycles
plus its launch gap, and the tensor-core and CUDA-core efficiencies of GPU kernels."""

from dataclasses import replace

import numpy as np
import pytest

from dla_advisor.perf import estimate_concurrent, estimate_engine
from dla_advisor.perf._concurrent import kernel_constants
from dla_advisor.perf._cost import JobCost
from dla_advisor.perf._engine_profile import network_work

from .conftest import specs_for


def test_copies_bound_the_rate_but_add_to_the_latency(seed_net, dev):
    spec = specs_for(seed_net, "gpu")[0]
    fast = estimate_engine(spec, dev.with_params(replace(dev.params, copy_gbps=100.0)))
    none = estimate_engine(spec, dev.with_params(replace(dev.params, copy_gbps=100.0)), data_transfers=False)
    # Overlapped copies cost the rate nothing while the engine's compute is longer than them ...
    assert fast.throughput_qps == pytest.approx(none.throughput_qps, rel=1e-6)
    # ... but one inference still waits for its own input and output copies.
    copy_ms = fast.latency_ms - none.latency_ms
    assert copy_ms > 0.1
    # A copy path slower than the compute sets the rate: one copy in flight per engine.
    slow_gbps = 2.0
    slow = estimate_engine(spec, dev.with_params(replace(dev.params, copy_gbps=slow_gbps)))
    slow_copy_s = copy_ms * 1e-3 * 100.0 / slow_gbps
    assert slow.throughput_qps == pytest.approx(1.0 / slow_copy_s, rel=1e-3)


def test_nms_plugin_puts_gpu_work_on_every_engine_even_dla_ones(model_dir, dev):
    from dla_advisor.graph import load_network
    net = load_network(str(model_dir / "yolov5s.onnx"), batch=1)
    plain = specs_for(net, "gpu,dla0,dla1", platform="orin-trt8.6")
    nms = [replace(s, postprocess="nms") for s in plain]
    a = estimate_concurrent(plain, dev, one_process=True, data_transfers=False)
    b = estimate_concurrent(nms, dev, one_process=True, data_transfers=False)
    for e_plain, e_nms in zip(a.engines, b.engines):
        assert e_nms.gpu_busy_ms > e_plain.gpu_busy_ms
    assert b.total_images_per_s < a.total_images_per_s
    # The plugin streams over the outputs nms_passes times: its memory time is in proportion.
    p = dev.params
    for passes in (p.nms_passes, 2 * p.nms_passes):
        d = dev.with_params(replace(p, nms_passes=passes))
        base = estimate_engine(plain[1], d, data_transfers=False).gpu_busy_ms
        extra = estimate_engine(nms[1], d, data_transfers=False).gpu_busy_ms - base
        out_bytes = sum(t.elems for n, t in network_work(net).tensors.items() if n in net.outputs) * 4  # fp32
        stream_ms = passes * out_bytes / (dev.dram_bytes_per_s * p.gpu_bw_eff) * 1e3
        unit_ms = kernel_constants(d)[0][2] * 1e3
        assert extra == pytest.approx(stream_ms + len(net.outputs) * unit_ms, rel=1e-3)


def test_a_kernels_fixed_cost_is_gpu_cycles_plus_the_launch_gap_a_cuda_graph_removes(seed_net, dev):
    from dla_advisor.perf._engine_profile import engine_profile

    p = dev.params
    f = dev.mode.gpu_mhz * 1e6
    unit = kernel_constants(dev)[0][2]
    assert unit == pytest.approx(p.gpu_kernel_kcycles * 1e3 / f + p.gpu_launch_us * 1e-6)
    # Ramp-up and tail are SM cycles: half the GPU clock doubles them, the launch gap stays.
    slow = kernel_constants(dev.with_clocks(gpu_mhz=dev.mode.gpu_mhz / 2))[0][2]
    assert slow - unit == pytest.approx(p.gpu_kernel_kcycles * 1e3 / f)
    # A CUDA graph replaces the launch gap with its own (smaller) gap between kernel nodes.
    graph = kernel_constants(dev, cuda_graphs=True)[0][2]
    assert unit - graph == pytest.approx((p.gpu_launch_us - p.gpu_graph_us) * 1e-6)
    # Every kernel pays it: ten empty kernels take ten fixed costs.
    empty = JobCost.build(comp=[0.0] * 10, mem=[0.0] * 10, units=[1] * 10)
    assert empty.time(0.0, 1.0, *kernel_constants(dev)[0]) == pytest.approx(10 * unit)
    # The engine's GPU time moves by exactly that per kernel between the two launch modes.
    spec = specs_for(seed_net, "gpu")[0]
    plain = estimate_engine(spec, dev, data_transfers=False).gpu_busy_ms
    graphed = estimate_engine(spec, dev, cuda_graphs=True, data_transfers=False).gpu_busy_ms
    profile = engine_profile(spec, dev)
    kernels = float(profile.gpu.units.sum() + profile.reformat.units.sum())
    assert plain - graphed == pytest.approx(kernels * (unit - graph) * 1e3, rel=1e-6)


def test_cuda_core_kernels_run_at_their_own_efficiency(seed_net, dev):
    from dla_advisor.perf._cost import gpu_job
    job = gpu_job(["Conv_1"], network_work(seed_net), dev, "int8", 1, {})
    # The 3-channel 9x9 convolution has both a tensor-core and a CUDA-core (IDP4A) kernel; whichever
    # is faster at the two efficiencies runs.
    assert np.isfinite(job.comp[0]) and np.isfinite(job.cuda[0])
    for eff, ceff in ((1.0, 1.0), (1.0, 0.2), (0.3, 1.0)):
        t = job.time(0.0, 1.0, eff, 1e9, 0.0, cuda_eff=ceff)
        assert t == pytest.approx(min(job.comp[0] / eff, job.cuda[0] / ceff))


def test_sigmoid_like_activations_cost_special_function_unit_time(model_dir, dev):
    from dla_advisor.graph import load_network
    from dla_advisor.perf._cost import gpu_job
    net = load_network(str(model_dir / "yolov5s.onnx"), batch=1)
    work = network_work(net)
    silu = next(n for n, w in work.layers.items() if w.activation.upper() == "SILU")
    conv = work.producer[work.layers[silu].inputs[0]]
    with_act = gpu_job([conv, silu], work, dev, "int8", 4, {})
    without = gpu_job([conv], work, dev, "int8", 4, {})
    # Two SFU results (exp2, reciprocal) per output element, at the SFU rate of every SM.
    elems = work.tensors[work.layers[silu].outputs[0]].elems * 4
    sfu_s = 2 * elems / (dev.gpu["sfu_ops_per_sm_clk"] * dev.mode.sms * dev.mode.gpu_mhz * 1e6)
    assert with_act.comp[0] - without.comp[0] == pytest.approx(sfu_s, rel=1e-9)
    assert with_act.cuda[0] - without.cuda[0] == pytest.approx(sfu_s, rel=1e-9)
