"""Check with onnxruntime that a rewritten model computes the same outputs as the original.

Both models run on the CPU with graph optimisations off, on the same seeded random inputs (fixed
dims as the model gives them, dynamic dims from ``--shapes`` or 1). An output matches when every
element satisfies ``|rewritten − original| ≤ atol + rtol·|original|`` (NaN only where the original
has NaN); non-float outputs must be equal.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx

from ..errors import BackendUnavailable, DlaAdvisorError, ModelLoadError, UsageError, first_line

INSTALL_HINT = "pip install 'dla-advisor[verify]'"


class VerificationFailed(DlaAdvisorError):
    """The rewritten model's outputs differ from the original's beyond the tolerance."""


@dataclass(frozen=True)
class OutputCheck:
    """One output of the original compared with the rewritten model (``fix``) or the two parts in sequence (``split``).

    Attributes:
        name: output name.
        shape: its shape in the original model's run.
        max_abs_diff: the largest |rewritten − original| over all elements and trials.
        ok: within tolerance everywhere.
        detail: why it failed when it is not a numeric difference (shape, dtype, NaN placement).
    """

    name: str
    shape: tuple[int, ...]
    max_abs_diff: float
    ok: bool
    detail: str = ""


@dataclass(frozen=True)
class Verification:
    """The outcome of comparing two models on random inputs."""

    ok: bool
    atol: float
    rtol: float
    seed: int
    trials: int
    inputs: tuple[tuple[str, tuple[int, ...], str], ...]
    outputs: tuple[OutputCheck, ...]

    @property
    def max_abs_diff(self) -> float:
        return max((o.max_abs_diff for o in self.outputs), default=0.0)

    def failures(self) -> tuple[OutputCheck, ...]:
        return tuple(o for o in self.outputs if not o.ok)

    def describe_failure(self) -> str:
        parts = []
        for o in self.failures():
            parts.append(f"output '{o.name}' {o.detail}" if o.detail else
                         f"output '{o.name}' differs by up to {o.max_abs_diff:.6g}")
        return "; ".join(parts) + f" (tolerance {self.atol:g} + {self.rtol:g}*|reference|)"


def require_onnxruntime():
    """Import onnxruntime, or raise BackendUnavailable with the install hint."""
    try:
        import onnxruntime
    except ImportError:
        raise BackendUnavailable("onnxruntime is not installed; `fix` needs it to prove the rewritten model "
                                 "computes the same outputs", INSTALL_HINT) from None
    return onnxruntime


_NP_OF = {onnx.TensorProto.FLOAT: np.float32, onnx.TensorProto.FLOAT16: np.float16, onnx.TensorProto.DOUBLE: np.float64,
          onnx.TensorProto.INT8: np.int8, onnx.TensorProto.UINT8: np.uint8, onnx.TensorProto.INT16: np.int16,
          onnx.TensorProto.INT32: np.int32, onnx.TensorProto.INT64: np.int64, onnx.TensorProto.BOOL: np.bool_}


def input_specs(model: onnx.ModelProto, shapes: dict[str, tuple[int, ...]] | None = None):
    """``(name, shape, numpy dtype)`` of each real input; dynamic dims from ``shapes`` or 1."""
    shapes = shapes or {}
    inits = {i.name for i in model.graph.initializer}
    real = [vi for vi in model.graph.input if vi.name not in inits]
    unknown = sorted(set(shapes) - {vi.name for vi in real})
    if unknown:
        raise UsageError(f"--shapes names input(s) {', '.join(unknown)} that the model does not have",
                         f"The model's inputs are: {', '.join(vi.name for vi in real) or '(none)'}.")
    specs = []
    for vi in model.graph.input:
        if vi.name in inits:
            continue
        t = vi.type.tensor_type
        if t.elem_type not in _NP_OF:
            raise ModelLoadError(f"input '{vi.name}' has an element type random inputs cannot be made for "
                                 f"({onnx.TensorProto.DataType.Name(t.elem_type)})", "Only numeric/bool inputs are supported.")
        if vi.name in shapes:
            shape = tuple(shapes[vi.name])
            dims = [d.dim_value if d.HasField("dim_value") else None for d in t.shape.dim]
            if len(dims) != len(shape) or any(d and d != g for d, g in zip(dims, shape)):
                model_dims = "x".join(str(d) if d else "?" for d in dims)
                raise UsageError(f"--shapes sets '{vi.name}' to {'x'.join(map(str, shape))}, but the model's input is "
                                 f"{model_dims}", "Only dynamic dims (?) can be chosen with --shapes; give every dim.")
        else:
            shape = tuple(d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else 1 for d in t.shape.dim)
        specs.append((vi.name, shape, np.dtype(_NP_OF[t.elem_type])))
    return specs


def random_inputs(specs, rng: np.random.Generator) -> dict[str, np.ndarray]:
    feeds = {}
    for name, shape, dtype in specs:
        if np.issubdtype(dtype, np.floating):
            feeds[name] = rng.standard_normal(shape).astype(dtype)
        elif dtype == np.bool_:
            feeds[name] = rng.integers(0, 2, size=shape).astype(np.bool_)
        else:
            # Small non-negative integers: safe as indices and as values.
            feeds[name] = rng.integers(0, 4, size=shape).astype(dtype)
    return feeds


def _session(ort, model: onnx.ModelProto, tmp: Path, tag: str):
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    opts.log_severity_level = 3
    opts.intra_op_num_threads = 2
    try:
        data = model.SerializeToString()
    except ValueError:  # over protobuf's 2 GiB: hand onnxruntime a file with external weights
        path = tmp / f"{tag}.onnx"
        onnx.save_model(model, str(path), save_as_external_data=True, location=f"{tag}.onnx.data")
        return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    return ort.InferenceSession(data, opts, providers=["CPUExecutionProvider"])


def run(ort, model: onnx.ModelProto, feeds_list, tmp: Path, tag: str):
    """Outputs of ``model`` for each feed dict; raises the runtime's own exception on failure."""
    sess = _session(ort, model, tmp, tag)
    names = [o.name for o in sess.get_outputs()]
    return names, [sess.run(names, feeds) for feeds in feeds_list]


def _compare(ref: np.ndarray, got: np.ndarray, atol: float, rtol: float) -> tuple[float, bool, str]:
    if ref.shape != got.shape:
        return float("inf"), False, f"has shape {got.shape}, expected {ref.shape}"
    if not (np.issubdtype(ref.dtype, np.floating) and np.issubdtype(got.dtype, np.floating)):
        if ref.dtype != got.dtype:
            return float("inf"), False, f"has dtype {got.dtype}, expected {ref.dtype}"
        same = bool(np.array_equal(ref, got))
        return (0.0 if same else float("inf")), same, "" if same else "differs (integer/bool output)"
    r, g = ref.astype(np.float64), got.astype(np.float64)
    nan_r, nan_g = np.isnan(r), np.isnan(g)
    if not np.array_equal(nan_r, nan_g):
        return float("inf"), False, "has NaN where the original has none (or the reverse)"
    finite = ~nan_r
    diff = np.abs(g[finite] - r[finite])
    diff = np.where(np.isnan(diff), 0.0, diff)  # inf - inf of matching infinities
    worst = float(diff.max()) if diff.size else 0.0
    ok = bool(np.all(diff <= atol + rtol * np.abs(r[finite]))) if diff.size else True
    return worst, ok, ""


# Random inputs for both runs live in memory next to two onnxruntime sessions; past this the check
# would swap or be killed on the boards (and CI machines) fix runs on.
MAX_VERIFY_INPUT_BYTES = 2 * 2**30


def verify(original: onnx.ModelProto, rewritten: onnx.ModelProto, shapes: dict[str, tuple[int, ...]] | None = None,
           atol: float = 1e-4, rtol: float = 1e-4, seed: int = 0, trials: int = 2) -> Verification:
    """Run both models on the same seeded random inputs and compare every output.

    Raises:
        BackendUnavailable: onnxruntime is not installed.
        ModelLoadError: onnxruntime cannot run the original model.
        UsageError: ``shapes`` names an unknown input or contradicts a fixed dim.
    """
    ort = require_onnxruntime()
    specs = input_specs(original, shapes)
    need = trials * sum(int(np.prod(shape, dtype=object)) * dtype.itemsize for _, shape, dtype in specs)
    if need > MAX_VERIFY_INPUT_BYTES:
        raise UsageError(f"verifying the rewrite would need {need / 2**30:.1f} GiB of random inputs "
                         f"(limit {MAX_VERIFY_INPUT_BYTES / 2**30:.0f} GiB), so nothing was written",
                         "Pass --shapes with smaller dims for the dynamic inputs, or check the model's input shapes.")
    rng = np.random.default_rng(seed)
    feeds_list = [random_inputs(specs, rng) for _ in range(trials)]
    with tempfile.TemporaryDirectory(prefix="dla-advisor-verify-") as tmp:
        try:
            names, ref = run(ort, original, feeds_list, Path(tmp), "original")
        except Exception as e:  # noqa: BLE001 - onnxruntime raises its own exception types for bad models
            raise ModelLoadError(f"onnxruntime cannot run the model, so a rewrite could not be verified: {first_line(e)}",
                                 "Check the model with onnxruntime (or pass --shapes for dynamic inputs); "
                                 "nothing was written.") from None
        try:
            got_names, got = run(ort, rewritten, feeds_list, Path(tmp), "rewritten")
        except Exception as e:  # noqa: BLE001 - a rewrite produced a model the runtime rejects
            checks = tuple(OutputCheck(n, (), float("inf"), False, f"could not be computed: onnxruntime rejected the "
                                       f"rewritten model ({first_line(e)})") for n in names)
            return Verification(False, atol, rtol, seed, trials, _spec_tuple(specs), checks)
    checks = []
    for i, name in enumerate(names):
        if name not in got_names:
            checks.append(OutputCheck(name, tuple(ref[0][i].shape), float("inf"), False, "is missing from the rewritten model"))
            continue
        j = got_names.index(name)
        worst, ok, detail = 0.0, True, ""
        for t in range(trials):
            w, o, d = _compare(np.asarray(ref[t][i]), np.asarray(got[t][j]), atol, rtol)
            worst, ok, detail = max(worst, w), ok and o, detail or d
        checks.append(OutputCheck(name, tuple(np.asarray(ref[0][i]).shape), worst, ok, detail))
    return Verification(all(c.ok for c in checks), atol, rtol, seed, trials, _spec_tuple(specs), tuple(checks))


def _spec_tuple(specs):
    return tuple((n, tuple(s), str(d)) for n, s, d in specs)
