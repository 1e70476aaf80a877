"""The search space: what it offers, what it rejects before measuring, and the reference plan."""

from __future__ import annotations

from collections import Counter

import onnx
import pytest

from dla_advisor.layout import BuildConfig, IOFormat
from dla_advisor.platforms import load_platform
from dla_advisor.tuning import PlanRejected, SearchSpace, SpaceOptions, enumerate_plans
from onnx_builder import conv, model, vi
from support import SEED_MODEL, load_script


def _space(models, **options):
    return SearchSpace([str(m) for m in models], load_platform(None), SpaceOptions(**options))


def _fixed(decisions):
    return lambda name, choices: decisions[name] if name in decisions else choices[0]


def test_default_space_of_the_seed_model():
    outcomes = [o for _, o in enumerate_plans(_space([SEED_MODEL]))]
    plans = [o for o in outcomes if not isinstance(o, PlanRejected)]
    # GPU: none, or 1-2 instances x 2 precisions x 2x2 formats = 17; DLA cores: none, DLA0, DLA1 or
    # both x 2 precisions x 4 inputs x 3 outputs x 2 fallback x 2 SRAM = 289; minus the empty plan.
    assert len(plans) == 17 * 289 - 1
    assert len({p.key() for p in plans}) == len(plans)


def test_dla_formats_come_from_the_platform():
    seen = {}

    def choose(name, choices):
        seen[name] = tuple(choices)
        return choices[-1] if name in ("dla0", "dla1") else choices[0]

    _space([SEED_MODEL]).sample(choose)
    assert seen["conv2d_1024.dla.int8.input_format"] == ("fp32:chw", "int8:dla_linear", "int8:dla_hwc4", "int8:chw32")
    assert seen["conv2d_1024.dla.int8.output_format"] == ("fp32:chw", "int8:dla_linear", "int8:chw32")
    assert seen["conv2d_1024.gpu_instances"] == (0, 1, 2)


def test_empty_plan_is_rejected_with_reason():
    with pytest.raises(PlanRejected) as r:
        _space([SEED_MODEL]).sample(_fixed({"dla0": "none", "dla1": "none", "conv2d_1024.gpu_instances": 0}))
    assert r.value.reason == "conv2d_1024 has no engine: give it a GPU instance or a DLA core"


def _conv_model(path, channels):
    node, w = conv("Conv_0", "x", "y", channels, 4, pad=0)
    onnx.save(model([node], [vi("x", [1, channels, 32, 32])], [vi("y", [1, 4, 30, 30])], [w], name="m"), path)
    return path


def test_hwc4_input_needs_four_channels_or_fewer(tmp_path):
    model = _conv_model(tmp_path / "c8.onnx", 8)
    with pytest.raises(PlanRejected) as r:
        _space([model]).sample(_fixed({"dla0": "c8", "c8.gpu_instances": 0, "c8.dla.int8.input_format": "int8:dla_hwc4"}))
    assert r.value.reason == "c8: int8:dla_hwc4 input needs at most 4 channels; 'x' has shape 1x8x32x32"


def test_fallback_off_with_gpu_layers_is_rejected(tmp_path):
    MODELS = load_script("models/make_models.py", "make_models").MODELS
    path = tmp_path / "cifar_gn.onnx"
    onnx.save(MODELS["cifar_gn"](), path)
    space = _space([path], batches=(32,))
    with pytest.raises(PlanRejected) as r:
        space.sample(_fixed({"dla0": "cifar_gn", "cifar_gn.gpu_instances": 0, "cifar_gn.dla.gpu_fallback": False}))
    assert "cannot run on DLA" in r.value.reason and "GPU fallback is off, so the build would fail" in r.value.reason
    plan = space.sample(_fixed({"dla0": "cifar_gn", "cifar_gn.gpu_instances": 0, "cifar_gn.dla.gpu_fallback": True}))
    assert plan.engines[0].config.shapes[0][1][0] == 32 and plan.engines[0].batch == 32


def test_split_point_needs_gpu_fallback(tmp_path):
    MODELS = load_script("models/make_models.py", "make_models").MODELS
    path = tmp_path / "cifar_bn.onnx"
    onnx.save(MODELS["cifar_bn"](), path)
    space = _space([path], split=True, batches=(1,))
    base = {"dla0": "cifar_bn", "cifar_bn.gpu_instances": 0, "cifar_bn.dla.split": 2}
    with pytest.raises(PlanRejected) as r:
        space.sample(_fixed({**base, "cifar_bn.dla.gpu_fallback": False}))
    assert r.value.reason == "cifar_bn: a split point moves layers to the GPU, which needs --allowGPUFallback"
    plan = space.sample(_fixed({**base, "cifar_bn.dla.gpu_fallback": True}))
    cfg = plan.engines[0].config
    assert cfg.layer_device_overrides and all(d == "GPU" for _, d in cfg.layer_device_overrides)
    assert "--layerDeviceTypes=" in " ".join(cfg.trtexec_flags())


def test_sram_above_the_platform_limit_is_rejected():
    with pytest.raises(PlanRejected) as r:
        _space([SEED_MODEL], dla_sram_mib=(2.0,)).sample(_fixed({"dla0": "conv2d_1024"}))
    assert r.value.reason == "conv2d_1024: dlaSRAM 2 MiB exceeds the 1 MiB of this DLA"


def test_reference_plan_is_the_seeds_hand_made_split():
    plan = _space([SEED_MODEL]).reference_plan()
    assert [e.device for e in plan.engines] == ["gpu", "dla0", "dla1"]
    dla_io = (IOFormat("int8", "dla_linear"),)
    assert plan.engines[1].config == BuildConfig(precision="int8", input_formats=dla_io, output_formats=dla_io,
                                                 gpu_fallback=False, use_dla=True, dla_core=0, batch=1)
    assert plan.engines[0].config.use_dla is False and plan.engines[0].config.precision == "int8"


def test_fingerprint_changes_with_the_space():
    a, b = _space([SEED_MODEL]), _space([SEED_MODEL], max_gpu_instances=3)
    assert a.fingerprint() == _space([SEED_MODEL]).fingerprint() != b.fingerprint()


def test_rejections_in_the_default_space():
    reasons = Counter(o.reason for _, o in enumerate_plans(_space([SEED_MODEL])) if isinstance(o, PlanRejected))
    assert reasons == Counter({"conv2d_1024 has no engine: give it a GPU instance or a DLA core": 1})
