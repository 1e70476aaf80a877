"""Issue acceptance: ResNet-style export becomes one DLA loadable; MobileNetV3 hard activations move to DLA."""

from dla_advisor import rewrite as rw
from dla_advisor.layout import BuildConfig
from dla_advisor.platforms import load_platform

from .models import mobilenetv3_like, resnet_like

INT8 = BuildConfig(precision="int8")


def _fix(model):
    plat = load_platform(None)
    result, check = rw.rewrite_and_verify(model, rw.all_rewrites(), rw.limits_from_platform(plat))
    (_, before), (_, after) = rw.predicted_layouts(model, result.model, plat, INT8)
    return result, check, before, after


def test_resnet_two_loadables_become_one():
    result, check, before, after = _fix(resnet_like())
    assert len(before.dla_loadables) == 2 and len(after.dla_loadables) == 1
    assert [p.kind for p in before.gpu_layers if p.kind == "Reduce"] == ["Reduce"]  # the GlobalAveragePool
    assert all(p.kind != "Reduce" for p in after.gpu_layers)
    assert dict(result.sites) == {**{r.name: 0 for r in rw.all_rewrites()}, "gap-to-avgpool": 1, "fc-to-conv": 1}
    assert check.ok and check.max_abs_diff < 1e-5


def test_resnet_with_large_map_and_matmul_head():
    # 28x28 before pooling needs a 7x7 then 4x4 chain; the head is MatMul + Add instead of Gemm.
    result, check, before, after = _fix(resnet_like(hw=28, gemm=False))
    assert (len(before.dla_loadables), len(after.dla_loadables)) == (2, 1)
    assert check.ok


def test_mobilenetv3_hard_activations_move_to_dla():
    model = mobilenetv3_like()
    hard = [n.name for n in model.graph.node if n.op_type in ("HardSwish", "HardSigmoid")]
    result, check, before, after = _fix(model)
    gpu_before = sorted(p.name for p in before.gpu_layers)
    assert gpu_before == sorted(hard)
    assert len(after.gpu_layers) == 0
    assert (len(before.dla_loadables), len(after.dla_loadables)) == (4, 1)
    assert dict(result.sites)["hardswish-to-clip"] == 3 and dict(result.sites)["hardsigmoid-to-clip"] == 1
    assert check.ok and check.max_abs_diff < 1e-5
