"""Weights for running a model whose weight file is absent (a weight-free skeleton).

Verification runs the model with onnxruntime, which needs every initializer's data. Where the
external weight file is missing, each such initializer gets seeded random data of its dtype and
dims, scaled so activations stay finite through deep networks; the caller says so in its report.
"""

from __future__ import annotations

import os
from math import prod
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper
from onnx.external_data_helper import _get_all_tensors, load_external_data_for_tensor

from ..errors import ModelLoadError


def _location(t: onnx.TensorProto) -> str:
    return next((e.value for e in t.external_data if e.key == "location"), "")


def load_weights_or_fill(model: onnx.ModelProto, model_path: str | os.PathLike, seed: int = 0) -> tuple[onnx.ModelProto, list[str]]:
    """A copy of ``model`` with external weights read where their file exists and random where not.

    Returns:
        ``(model with data, names of the initializers filled with random data)``.

    Raises:
        ModelLoadError: a weight file exists but cannot be read.
    """
    out = onnx.ModelProto()
    out.CopyFrom(model)
    base = Path(model_path).resolve().parent
    rng = np.random.default_rng(seed)
    filled: list[str] = []
    # Initializers and tensors inside nodes (Constant values, sub-graphs) may both live outside.
    for t in _get_all_tensors(out):
        if t.data_location != onnx.TensorProto.EXTERNAL:
            continue
        loc = _location(t)
        if loc and (base / loc).is_file():
            try:
                load_external_data_for_tensor(t, str(base))
            except (OSError, ValueError) as e:
                raise ModelLoadError(f"cannot read the weights of {t.name} from {loc} ({e})",
                                     "Keep the weight file next to the model, as the exporter wrote it.") from None
            t.data_location = onnx.TensorProto.DEFAULT
            del t.external_data[:]
            continue
        t.CopyFrom(numpy_helper.from_array(_random(t, rng), t.name))
        filled.append(t.name or "(constant)")
    return out, filled


def _random(t: onnx.TensorProto, rng: np.random.Generator) -> np.ndarray:
    dtype = onnx.helper.tensor_dtype_to_np_dtype(t.data_type)
    dims = tuple(int(d) for d in t.dims)
    if np.issubdtype(dtype, np.floating):
        if len(dims) >= 2:
            # Fan-in scaling (weights of Conv/Gemm/MatMul) keeps each layer's output near unit size.
            fan_in = max(1, prod(dims[1:]) if len(dims) > 2 else dims[0])
            return (rng.standard_normal(dims) / np.sqrt(fan_in)).astype(dtype)
        # 1-D tensors are biases, scales, variances: positive and near 1 stay valid for all of them.
        return rng.uniform(0.5, 1.5, size=dims).astype(dtype)
    if dtype == np.bool_:
        return np.ones(dims, dtype=np.bool_)
    return np.zeros(dims, dtype=dtype)
