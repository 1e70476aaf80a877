"""The shared backend contract, run against every backend (trtexec's run is in test_trtexec_backend)."""

from __future__ import annotations

import pytest

from dla_advisor.errors import BackendUnavailable
from dla_advisor.testing import BackendContract
from tuning_helpers import needs_perf


@needs_perf
class TestSimContract(BackendContract):
    expected_kind = "modelled"

    def make_backend(self, tmp_path):
        from dla_advisor.tuning.backends.sim import SimBackend
        return SimBackend("orin-agx-64gb", "MAXN")


class TestTensorRTContract(BackendContract):
    def make_backend(self, tmp_path):
        from dla_advisor.tuning.backends.tensorrt import TensorRTBackend
        try:
            return TensorRTBackend(duration_s=1)
        except BackendUnavailable as e:
            pytest.skip(f"TensorRT is not installed here: {e.one_line()}")


def test_tensorrt_absent_says_what_to_do():
    pytest.importorskip("dla_advisor.tuning.backends.tensorrt")
    try:
        import tensorrt  # noqa: F401
        pytest.skip("TensorRT is installed here")
    except ImportError:
        pass
    from dla_advisor.tuning.backends.tensorrt import TensorRTBackend
    with pytest.raises(BackendUnavailable) as e:
        TensorRTBackend()
    assert e.value.one_line() == ("the tensorrt backend needs TensorRT's Python bindings, and 'import tensorrt' failed. "
                                  "On a Jetson install JetPack (python3-libnvinfer); elsewhere use --backend sim.")
