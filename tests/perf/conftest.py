import pytest

from dla_advisor.graph import load_network
from dla_advisor.layout import BuildConfig, parse_io_formats
from dla_advisor.perf import load_device, plan_specs, parse_plan
from dla_advisor.platforms import load_platform
from support import SEED_MODEL, load_script


# The reference models these tests read (the large detectors of the calibration files are built on
# demand by the calibration itself, not for every test session).
_TEST_MODELS = {"make_models": ("cifar_bn", "cifar_gn"), "make_perf_models": ("resnet50", "yolov5s")}


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory):
    """Reference models generated once per test session."""
    import onnx
    out = tmp_path_factory.mktemp("perf_models")
    for script, names in _TEST_MODELS.items():
        models = load_script(f"models/{script}.py", script).MODELS
        for name in names:
            onnx.save(models[name](), str(out / f"{name}.onnx"))
    return out


@pytest.fixture(scope="session")
def dev():
    return load_device("orin-agx-64gb", power_mode="MAXN")


@pytest.fixture(scope="session")
def seed_net():
    return load_network(str(SEED_MODEL))


def specs_for(net, plan, io=None, precision="int8", platform=None):
    fmts = parse_io_formats(io) if io else ()
    cfg = BuildConfig(precision=precision, input_formats=fmts, output_formats=fmts)
    return plan_specs(net, load_platform(platform), cfg, parse_plan(plan))
