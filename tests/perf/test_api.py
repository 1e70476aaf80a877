"""Device loading, plans, provenance, the solver's sharing rule and the optimiser."""

import numpy as np
import pytest

from dla_advisor.errors import UsageError
from dla_advisor.perf import (EngineSpec, estimate_concurrent, estimate_engine, list_devices, load_device, parse_plan,
                              standard_scenarios)
from dla_advisor.perf._concurrent import _fair_share
from dla_advisor.perf._fit import least_squares
from dla_advisor.perf._plan import split_overrides
from dla_advisor.layout import BuildConfig
from dla_advisor.platforms import load_platform

from .conftest import specs_for


def test_devices_and_power_modes():
    assert list_devices() == ["orin-agx-32gb", "orin-agx-64gb", "orin-nx-16gb", "xavier-agx"]
    d = load_device("orin-agx-64gb", power_mode="15w")
    assert (d.mode.gpu_mhz, d.mode.dla_mhz, d.mode.emc_mhz, d.mode.sms) == (408.0, 614.4, 2133, 6)
    assert d.dram_bytes_per_s == pytest.approx(204.8e9 * 2133 / 3199)
    assert d.dla_macs_per_s("int8") == pytest.approx(8192 * 614.4e6)


def test_unknown_device_and_mode_list_the_valid_ones():
    with pytest.raises(UsageError) as e:
        load_device("orin-agx-128gb")
    assert "orin-agx-64gb" in e.value.one_line()
    with pytest.raises(UsageError) as e:
        load_device("orin-agx-64gb", power_mode="20W")
    assert "MAXN, 50W, 30W, 15W" in e.value.one_line()


def test_provenance_carries_model_and_error(seed_net, dev):
    est = estimate_engine(specs_for(seed_net, "gpu")[0], dev)
    assert est.provenance.kind == "modelled" and est.provenance.device == "orin-agx-64gb-maxn"
    assert est.provenance.error_pct == dev.error_pct
    assert est.provenance.holdout_error_pct == dev.holdout_error_pct
    assert est.provenance.label() == (f"modelled (orin-agx-64gb-maxn, error {dev.error_pct:.0f} % cross-validated / "
                                      f"{dev.holdout_error_pct:.0f} % held-out)")
    nx = load_device("orin-nx-16gb")
    assert (estimate_engine(specs_for(seed_net, "gpu")[0], nx).provenance.label()
            == f"modelled (orin-nx-16gb-maxn, error {nx.error_pct:.0f} % cross-validated)")


def test_plan_syntax():
    assert [(e.device, e.batch, e.split) for e in parse_plan("gpu:bs=8,dla0:bs=2,dla1:bs=2:split=Conv_9")] == [
        ("gpu", 8, ""), ("dla0", 2, ""), ("dla1", 2, "Conv_9")]
    for bad in ("gpu;dla0", "npu:bs=1", "gpu:bs=0", "gpu:batch=2", "gpu:split=Conv_1", ""):
        with pytest.raises(UsageError) as e:
            parse_plan(bad)
        assert "DEVICE[:bs=N]" in e.value.one_line()


def test_split_puts_the_suffix_on_gpu(model_dir, dev):
    from dla_advisor.graph import load_network
    net = load_network(str(model_dir / "cifar_bn.onnx"), batch=32)
    over = split_overrides(net, "Conv_2")
    assert [n for n, _ in over] == list(net.layers)[2:]
    spec = specs_for(net, "dla0:bs=32:split=Conv_2")[0]
    dla = [p.name for p in spec.layout.placements if p.device == "DLA"]
    assert dla == ["Conv_0 + Relu_1", "Conv_2 + Relu_3"]
    whole = estimate_engine(specs_for(net, "dla0:bs=32")[0], dev)
    split = estimate_engine(spec, dev)
    assert split.gpu_busy_ms > whole.gpu_busy_ms and split.dla_busy_ms < whole.dla_busy_ms


def test_gpu_spec_rejects_a_dla_layout(seed_net):
    dla = specs_for(seed_net, "dla0")[0]
    with pytest.raises(UsageError):
        EngineSpec(seed_net, dla.layout, dla.config, "gpu")


def test_standard_scenarios(seed_net, dev):
    sc = standard_scenarios(seed_net, load_platform(None), BuildConfig(precision="int8"), dev)
    assert [label for label, _ in sc] == ["GPU only", "one DLA", "GPU + 2xDLA", "GPU + 2xDLA, one process",
                                          "GPU + 2xDLA, DLA I/O int8:dla_linear"]
    assert [len(e.engines) for _, e in sc] == [1, 1, 3, 3, 3]
    assert sc[2][1].total_images_per_s == pytest.approx(sum(e.images_per_s for e in sc[2][1].engines))
    assert sc[3][1].one_process and not sc[2][1].one_process
    assert sc[3][1].total_images_per_s > sc[2][1].total_images_per_s
    # What the seed's I/O fix is worth: the GPU engine keeps fp32 I/O, the DLA engines lose their reformats.
    assert sc[4][1].total_images_per_s > 1.15 * sc[2][1].total_images_per_s


def test_standard_scenarios_skip_the_io_fix_when_the_build_has_it(seed_net, dev):
    from dla_advisor.layout import parse_io_formats
    native = BuildConfig(precision="int8", input_formats=parse_io_formats("int8:dla_linear"),
                         output_formats=parse_io_formats("int8:dla_linear"))
    sc = standard_scenarios(seed_net, load_platform(None), native, dev)
    assert [label for label, _ in sc] == ["GPU only", "one DLA", "GPU + 2xDLA", "GPU + 2xDLA, one process"]


def test_two_engines_on_one_dla_core_share_it(seed_net, dev):
    one = estimate_concurrent(specs_for(seed_net, "dla0", io="int8:dla_linear"), dev).engines[0]
    two = estimate_concurrent(specs_for(seed_net, "dla0,dla0", io="int8:dla_linear"), dev).engines
    assert two[0].dla_busy_ms / 1e3 * two[0].throughput_qps * 2 == pytest.approx(1.0, rel=0.01)
    assert two[0].throughput_qps < 0.55 * one.throughput_qps


def test_fair_share_is_max_min():
    assert list(_fair_share(np.array([0.1, 0.9, 0.9]), 1.0)) == pytest.approx([0.1, 0.45, 0.45])
    assert list(_fair_share(np.array([0.2, 0.3]), 1.0)) == pytest.approx([0.2, 0.3])


def test_least_squares_finds_a_bounded_minimum():
    # The unbounded minimum (0.3, 2.0) lies outside the box; the fit must stop on its edge.
    x, fx, _ = least_squares(lambda v: np.array([v[0] - 0.3, v[1] - 2.0]), [0.9, 0.5], [(0, 1), (0, 1.5)])
    assert x == pytest.approx([0.3, 1.5], abs=1e-3) and fx == pytest.approx(0.25, abs=1e-4)
