"""Facts the model must keep whatever its parameters: directions and proportions, not fitted values."""

from dla_advisor.graph import load_network
from dla_advisor.perf import estimate_concurrent, estimate_engine
from dla_advisor.perf._cost import gpu_job
from dla_advisor.perf._engine_profile import network_work

from .conftest import specs_for


def test_native_dla_io_raises_the_concurrent_total(seed_net, dev):
    default = estimate_concurrent(specs_for(seed_net, "gpu,dla0,dla1"), dev)
    native = estimate_concurrent(specs_for(seed_net, "gpu,dla0,dla1", io="int8:dla_linear"), dev)
    assert native.total_images_per_s > default.total_images_per_s * 1.15


def test_two_busy_dlas_slow_the_gpu_more_than_one(seed_net, dev):
    alone = estimate_engine(specs_for(seed_net, "gpu")[0], dev).throughput_qps
    one = estimate_concurrent(specs_for(seed_net, "gpu,dla0"), dev).engines[0].throughput_qps
    two = estimate_concurrent(specs_for(seed_net, "gpu,dla0,dla1"), dev).engines[0].throughput_qps
    assert alone > one > two
    assert alone - one < one - two + (alone - one)  # the second DLA costs the GPU something too
    assert one - two > 0.05 * alone


def test_dla_latency_linear_in_batch_gpu_sublinear(model_dir, dev):
    lat = {}
    for bs in (1, 16):
        net = load_network(str(model_dir / "yolov5s.onnx"), batch=bs)
        for d in ("gpu", "dla0"):
            lat[(d, bs)] = estimate_engine(specs_for(net, f"{d}:bs={bs}", platform="orin-trt8.6")[0], dev).latency_ms
    assert 15.0 <= lat[("dla0", 16)] / lat[("dla0", 1)] <= 16.5
    assert lat[("gpu", 16)] / lat[("gpu", 1)] < 12.0


def test_lower_dla_clock_lowers_dla_throughput_in_proportion(seed_net, dev):
    spec = specs_for(seed_net, "dla0", io="int8:dla_linear")[0]
    fast = estimate_engine(spec, dev)
    slow = estimate_engine(spec, dev.with_clocks(dla_mhz=dev.mode.dla_mhz / 2))
    # The conv is compute-bound on DLA: DLA time doubles; the fixed submit latency does not.
    assert slow.dla_busy_ms / fast.dla_busy_ms == __import__("pytest").approx(2.0, rel=0.02)
    assert 1.85 <= fast.throughput_qps / slow.throughput_qps <= 2.0


def test_fallback_islands_cost_more_than_their_layers_compute(model_dir, dev):
    gn = load_network(str(model_dir / "cifar_gn.onnx"), batch=32)
    bn = load_network(str(model_dir / "cifar_bn.onnx"), batch=32)
    t_gn = estimate_engine(specs_for(gn, "dla0:bs=32")[0], dev).latency_ms
    t_bn = estimate_engine(specs_for(bn, "dla0:bs=32")[0], dev).latency_ms
    norm_layers = [n for n, l in gn.layers.items() if l.kind == "Normalization"]
    p = dev.params
    own = gpu_job(norm_layers, network_work(gn), dev, "int8", 32, {}).time(
        0, 1, p.gpu_eff, p.gpu_bw_eff, p.gpu_kernel_kcycles * 1e3 / (dev.mode.gpu_mhz * 1e6)) * 1e3
    assert t_gn - t_bn > 3 * own


def test_one_process_removes_time_slicing_between_engines(seed_net, dev):
    specs = specs_for(seed_net, "gpu,dla0,dla1")
    separate = estimate_concurrent(specs, dev)
    shared = estimate_concurrent(specs, dev, one_process=True)
    # No context switches and no waiting for another process's kernel: the GPU engine keeps more of
    # its alone rate, and the DLA engines' GPU-side reformats stop queueing behind it.
    assert shared.engines[0].throughput_qps > separate.engines[0].throughput_qps * 1.1
    assert all(s.latency_ms < p.latency_ms for s, p in zip(shared.engines[1:], separate.engines[1:]))
    assert "gpu_wait" not in dict(shared.engines[1].breakdown)
    assert shared.one_process and not separate.one_process
    # DRAM is still shared: one process does not give back the GPU's alone rate (without host
    # copies, which alone bound the GPU engine's rate here).
    alone = estimate_engine(specs[0], dev, data_transfers=False).throughput_qps
    shared_compute = estimate_concurrent(specs, dev, one_process=True, data_transfers=False)
    assert shared_compute.engines[0].throughput_qps < alone


def test_one_process_changes_nothing_for_a_single_engine(seed_net, dev):
    spec = specs_for(seed_net, "gpu")
    assert (estimate_concurrent(spec, dev, one_process=True).total_images_per_s
            == estimate_concurrent(spec, dev).total_images_per_s)
