"""Semantics-preserving ONNX rewrites that keep more of a network on DLA, verified with onnxruntime.

Each rewrite is a module with a registry entry (:class:`Rewrite`: name, when it applies, why it is
exact, and a function ``(onnx_graphsurgeon.Graph, RewriteContext) -> sites changed``). The pipeline
runs them on a copy of the model (:func:`apply_rewrites`), :func:`verify` runs original and result on
the same random inputs, and :func:`save_model_atomic` writes the result without touching the input.
"""

from ._context import DlaLimits, RewriteContext, limits_from_platform
from ._registry import Rewrite, all_rewrites, register, select, unregister

# Importing a rewrite module registers it; this order is the order they run in. qdq-to-calib runs
# first: the others match float patterns (Flatten→Gemm, ...) that Q/DQ nodes would hide.
from . import qdq_to_calib  # noqa: E402,F401,I001
from . import upsample_to_resize, split_to_slices, hard_activations, channel_shuffle  # noqa: E402,F401,I001
from . import pad_fold, gap_to_avgpool, reducemean_to_avgpool, large_pool_split, fc_to_conv  # noqa: E402,F401,I001

from ._apply import RewriteResult, apply_rewrites, external_data_files, load_model_with_weights  # noqa: E402
from ._fix import predicted_layouts, rewrite_and_verify  # noqa: E402
from ._calib_out import CalibrationOutput, cache_path_for, plan_calibration, write_text_atomic  # noqa: E402
from ._qdq_verify import QuantCheck, verify_translation  # noqa: E402
from ._outcome import FixReport, Throughput  # noqa: E402
from ._save import check_output_path, same_file, save_model_atomic  # noqa: E402
from ._verify import (INSTALL_HINT, OutputCheck, Verification, VerificationFailed, require_onnxruntime,  # noqa: E402
                      verify)

__all__ = [
    "DlaLimits", "RewriteContext", "limits_from_platform", "Rewrite", "all_rewrites", "register", "select",
    "unregister", "RewriteResult", "apply_rewrites", "external_data_files", "load_model_with_weights",
    "check_output_path", "same_file", "save_model_atomic", "INSTALL_HINT", "OutputCheck", "Verification",
    "VerificationFailed", "require_onnxruntime", "verify", "FixReport", "Throughput",
    "predicted_layouts", "rewrite_and_verify", "CalibrationOutput", "cache_path_for", "plan_calibration",
    "write_text_atomic", "QuantCheck", "verify_translation",
]
