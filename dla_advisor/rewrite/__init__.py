"""Semantics-preserving ONNX rewrites that keep more of a network on DLA, verified with onnxruntime.

Each rewrite is a module with a registry entry (:class:`Rewrite`: name, when it applies, why it is
exact, and a function ``(onnx_graphsurgeon.Graph, RewriteContext) -> sites changed``). The pipeline
runs them on a copy of the model (:func:`apply_rewrites`), :func:`verify` runs original and result on
the same random inputs, and :func:`save_model_atomic` writes the result without touching the input.

Each module registers its rewrite in :data:`REWRITES` with an explicit ``order`` (the order they run
in; ``qdq-to-calib`` is 0 and the others are spaced by 10 so a new one can go between), so the order
of the import lines below does not matter.
"""

from ._context import DlaLimits, RewriteContext, limits_from_platform
from ._registry import REWRITES, Rewrite, all_rewrites, register, select, unregister

# The plug-in package imports its modules; importing one registers its rewrite.
from . import (channel_shuffle, fc_to_conv, gap_to_avgpool, hard_activations, large_pool_split,  # noqa: E402,F401
               pad_fold, qdq_to_calib, reducemean_to_avgpool, split_to_slices, upsample_to_resize)

from ._apply import RewriteResult, apply_rewrites, external_data_files, load_model_with_weights  # noqa: E402
from ._fix import predicted_layouts, rewrite_and_verify  # noqa: E402
from ._calib_out import CalibrationOutput, cache_path_for, plan_calibration, write_text_atomic  # noqa: E402
from ._qdq_verify import QuantCheck, verify_translation  # noqa: E402
from ._outcome import FixReport, Throughput  # noqa: E402
from ._save import check_output_path, same_file, save_model_atomic  # noqa: E402
from ._cut import Cut  # noqa: E402
from ._split_model import SplitResult, handover_formats, output_paths, split_model  # noqa: E402
from ._verify import (INSTALL_HINT, OutputCheck, Verification, VerificationFailed, require_onnxruntime,  # noqa: E402
                      verify)

__all__ = [
    "DlaLimits", "RewriteContext", "limits_from_platform", "REWRITES", "Rewrite", "all_rewrites", "register", "select",
    "unregister", "RewriteResult", "apply_rewrites", "external_data_files", "load_model_with_weights",
    "check_output_path", "same_file", "save_model_atomic", "INSTALL_HINT", "OutputCheck", "Verification",
    "VerificationFailed", "require_onnxruntime", "verify", "FixReport", "Throughput",
    "predicted_layouts", "rewrite_and_verify", "Cut", "SplitResult", "handover_formats", "output_paths",
    "split_model", "CalibrationOutput", "cache_path_for", "plan_calibration",
    "write_text_atomic", "QuantCheck", "verify_translation",
]
