"""Calibration: measured points (trtexec results) -> fitted ModelParams and the error per point.

A measurements file (``rules/calibration/*.yaml``, or a user's own) names the device, the sources,
and points: the model, precision, I/O formats, power mode (or locked clocks), the engines that ran
(plan syntax) and one measured number (an engine's ``qps`` or ``latency_ms``, or the
``total_images_per_s``). Models are paths relative to the file or names of the reference generators
in ``models/``.
"""

from __future__ import annotations

import importlib.util
import math
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from .._words import DEFAULT_DEVICE
from ..errors import RuleFileError, UsageError
from ..graph import load_network
from ..layout import BuildConfig, parse_io_formats
from ._concurrent import estimate_concurrent
from ._device import PARAM_BOUNDS, DeviceModel, ModelParams, load_device
from ._fit import least_squares
from ._inherit import file_params_from, fit_names, inherited_params
from ._plan import parse_plan, plan_specs

QUANTITIES = ("qps", "latency_ms", "total_images_per_s")
# The shipped measurements file an error points to as the example to follow.
EXAMPLE_MEASUREMENTS_FILE = f"rules/calibration/{DEFAULT_DEVICE}.yaml"
_REPO_MODELS = Path(__file__).resolve().parents[2] / "models"


@dataclass(frozen=True)
class CalPoint:
    """One measured number and the conditions it was measured under."""

    id: str
    model: str
    plan: str
    quantity: str
    measured: float
    engine: int = 0
    precision: str = "int8"
    power_mode: str = ""
    clocks: tuple[tuple[str, float], ...] = ()
    input_formats: str = ""
    output_formats: str = ""
    batch: int | None = None
    platform: str | None = None
    weight: float = 1.0
    source: str = ""
    one_process: bool = False
    cuda_graphs: bool = False
    sequential_batches: int = 1
    quote: str = ""
    data_transfers: bool = True
    postprocess: str = ""


@dataclass(frozen=True)
class PointResult:
    """Measured vs modelled for one point; ``error_pct`` is signed (modelled - measured) / measured."""

    id: str
    quantity: str
    measured: float
    modelled: float
    error_pct: float
    source: str = ""


@dataclass(frozen=True)
class CalibrationResult:
    """A fit: the parameters, the error per point and the mean absolute percentage error."""

    device: str
    params: ModelParams
    points: tuple[PointResult, ...]
    mape_pct: float
    evaluations: int = 0
    measurements: str = ""
    free: tuple[str, ...] = field(default=())
    params_from: str = ""
    # A transfer (nothing fitted, every parameter from ``params_from``): its error on the files named.
    transfer_error_pct: float | None = None
    transfer_points: int = 0
    transfer_check: tuple[str, ...] = ()


def load_measurements(path: str | Path) -> tuple[str, list[CalPoint]]:
    """Read a measurements file; returns (device id, points)."""
    p = Path(path)
    from .._safe_write import special_kind

    special = special_kind(p)
    if special is not None:
        raise UsageError(f"{path} is {special}, not a measurements file", "Give a measurements YAML file.")
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except OSError:
        raise UsageError(f"cannot read {path}", "Give a measurements YAML file (see rules/calibration/).") from None
    except RecursionError:
        raise UsageError(f"{path} nests too deeply to be a measurements file", "Give a measurements YAML file.") from None
    except (UnicodeDecodeError, ValueError):
        raise UsageError(f"{path} is not a UTF-8 text file", "Give a measurements YAML file (see rules/calibration/).") from None
    except yaml.YAMLError as e:
        line = getattr(getattr(e, "problem_mark", None), "line", None)
        raise RuleFileError(f"{path}: not valid YAML", "Fix the YAML syntax.", path=str(p),
                            line=None if line is None else line + 1) from None
    if not isinstance(raw, dict) or "device" not in raw or not isinstance(raw.get("points"), list):
        raise RuleFileError(f"{path}: needs 'device' and a list of 'points'", f"See {EXAMPLE_MEASUREMENTS_FILE}.",
                            path=str(p))
    sources = raw.get("sources") or {}
    # `defaults` holds what every point of the file shares (platform, processes, power mode ...).
    defaults = raw.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise RuleFileError(f"{path}: 'defaults' is a mapping", "Write defaults: {platform: ..., processes: one}.",
                            path=str(p), key="defaults")
    points = []
    for i, e in enumerate(raw["points"]):
        key = f"points[{i}]"
        e = {**defaults, **e} if isinstance(e, dict) else e
        # How the engines were run: `separate` processes (one trtexec each, the default) or `one`.
        processes = e.get("processes", "separate") if isinstance(e, dict) else "separate"
        if processes not in ("one", "separate"):
            raise RuleFileError(f"{path}: {key}.processes is '{processes}'", "Use 'one' or 'separate'.",
                                path=str(p), key=f"{key}.processes")
        postprocess = e.get("postprocess", "") if isinstance(e, dict) else ""
        if postprocess not in ("", "nms"):
            raise RuleFileError(f"{path}: {key}.postprocess is '{postprocess}'", "Use 'nms' (or leave it out).",
                                path=str(p), key=f"{key}.postprocess")
        try:
            quantity = next(q for q in QUANTITIES if q in e["measured"])
            points.append(CalPoint(
                id=str(e.get("id", key)), model=str(e["model"]), plan=str(e["plan"]), quantity=quantity,
                measured=float(e["measured"][quantity]), engine=int(e["measured"].get("engine", 0)),
                precision=str(e.get("precision", "int8")), power_mode=str(e.get("power_mode", "")),
                clocks=tuple(sorted((k, float(v)) for k, v in (e.get("clocks") or {}).items())),
                input_formats=str(e.get("inputIOFormats", "")), output_formats=str(e.get("outputIOFormats", "")),
                batch=e.get("batch"), platform=e.get("platform"), weight=float(e.get("weight", 1.0)),
                source=str(sources.get(e.get("source"), e.get("source", ""))), one_process=processes == "one",
                cuda_graphs=bool(e.get("cuda_graphs", False)), sequential_batches=int(e.get("sequential_batches", 1)),
                quote=str(e.get("quote", "")), data_transfers=bool(e.get("data_transfers", True)),
                postprocess=str(e.get("postprocess", "")),
            ))
        except (KeyError, TypeError, ValueError, StopIteration):
            raise RuleFileError(f"{path}: {key} needs model, plan and measured: {{qps|latency_ms|total_images_per_s: N}}",
                                f"See {EXAMPLE_MEASUREMENTS_FILE}.", path=str(p), key=key) from None
    return str(raw["device"]), points


def resolve_model(name: str, base: Path, cache: Path | None = None) -> Path:
    """A model path relative to the measurements file, or a reference model generated on demand."""
    direct = (base / name) if not Path(name).is_absolute() else Path(name)
    if direct.is_file():
        return direct
    cache = cache or Path(tempfile.gettempdir()) / "dla-advisor-models"
    for script in ("make_models.py", "make_perf_models.py", "make_holdout_models.py"):
        gen = _REPO_MODELS / script
        if not gen.is_file():
            continue
        spec = importlib.util.spec_from_file_location(f"_dla_ref_{gen.stem}", gen)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        if name in module.MODELS:
            out = cache / f"{name}.onnx"
            if not out.exists():
                import onnx
                cache.mkdir(parents=True, exist_ok=True)
                onnx.save(module.MODELS[name](), str(out))
            return out
    raise UsageError(f"model '{name}' is neither a file next to the measurements nor a reference model",
                     "Give the ONNX path relative to the measurements file.")


@dataclass
class _Prepared:
    point: CalPoint
    dev: DeviceModel
    specs: list


def prepare(path: str | Path, device: DeviceModel | None = None) -> tuple[DeviceModel, list[_Prepared]]:
    """Load networks and predict layouts for every point once (the fit only re-evaluates them)."""
    from ..platforms import load_platform
    dev_id, points = load_measurements(path)
    base_dev = device or load_device(dev_id)
    base = Path(path).resolve().parent
    nets: dict[tuple, Any] = {}
    out = []
    for pt in points:
        key = (pt.model, pt.batch)
        if key not in nets:
            nets[key] = load_network(str(resolve_model(pt.model, base)), batch=pt.batch)
        net = nets[key]
        dev = load_device(base_dev.path, power_mode=pt.power_mode or None)
        if pt.clocks:
            dev = dev.with_clocks(**dict(pt.clocks))
        cfg = BuildConfig(precision=pt.precision, input_formats=parse_io_formats(pt.input_formats),
                          output_formats=parse_io_formats(pt.output_formats, "--outputIOFormats"))
        specs = plan_specs(net, load_platform(pt.platform), cfg, parse_plan(pt.plan))
        if pt.postprocess:
            specs = [replace(s, postprocess=pt.postprocess) for s in specs]
        out.append(_Prepared(pt, dev, specs))
    return base_dev, out


def evaluate(prepared: list[_Prepared], params: ModelParams) -> list[PointResult]:
    """Modelled value and signed error of every point under ``params``."""
    results = []
    for pr in prepared:
        pt = pr.point
        est = estimate_concurrent(pr.specs, pr.dev.with_params(params), pt.one_process, pt.cuda_graphs,
                                  pt.data_transfers)
        if pt.quantity == "total_images_per_s":
            value = est.total_images_per_s
        elif pt.quantity == "qps":
            value = est.engines[pt.engine].throughput_qps
        else:
            # A query of several batches run one after another (MLPerf MultiStream with a smaller GPU batch).
            value = est.engines[pt.engine].latency_ms * pt.sequential_batches
        results.append(PointResult(pt.id, pt.quantity, pt.measured, value,
                                   100.0 * (value - pt.measured) / pt.measured, pt.source))
    return results


def mape(results: list[PointResult]) -> float:
    return float(np.mean([abs(r.error_pct) for r in results])) if results else 0.0


def fit_prepared(start: ModelParams, prepared: list[_Prepared], names: tuple[str, ...],
                 max_evals: int = 1500) -> tuple[ModelParams, int]:
    """Fit ``names`` of ``start`` to already prepared points; returns (parameters, evaluations).

    The objective is the weighted mean squared log-ratio of modelled to measured (symmetric in
    over- and under-estimation), minimised by Levenberg-Marquardt; parameters stay inside
    :data:`PARAM_BOUNDS`.
    """
    unknown = set(names) - set(ModelParams.names())
    if unknown:
        raise UsageError(f"unknown parameter(s) {sorted(unknown)}", f"Fit some of: {', '.join(ModelParams.names())}.")
    if not names:
        return start, 0
    weights = np.array([pr.point.weight for pr in prepared])

    def params_at(x) -> ModelParams:
        return replace(start, **{n: float(v) for n, v in zip(names, x)})

    scale = np.sqrt(weights / np.sum(weights))

    def residuals(x) -> np.ndarray:
        res = evaluate(prepared, params_at(x))
        return scale * np.array([math.log(max(r.modelled, 1e-9) / r.measured) for r in res])

    x0 = [getattr(start, n) for n in names]
    best, _, evals = least_squares(residuals, x0, [PARAM_BOUNDS[n] for n in names], max_evals=max_evals)
    # The device file stores 4 significant digits; report the error of exactly what is stored.
    return params_at([float(f"{v:.4g}") for v in best]), evals


def calibrate(path: str | Path, device: DeviceModel | None = None, free: tuple[str, ...] | None = None,
              max_evals: int = 1500) -> CalibrationResult:
    """Fit the device model's parameters to the points of a measurements file.

    Args:
        path: the measurements YAML.
        device: start from this device model (default: the file's device, shipped parameters).
        free: parameter names to fit (default: the file's ``free:`` list, else all).
        max_evals: evaluation budget of the search.

    Where the file names ``params_from: DEVICE``, the parameters not fitted are that device's.
    """
    dev, prepared = prepare(path, device)
    names = fit_names(path, free)
    start = inherited_params(path, dev.params, names)
    params, evals = fit_prepared(start, prepared, names, max_evals)
    results = evaluate(prepared, params)
    return CalibrationResult(dev.id, params, tuple(results), mape(results), evals, str(path), names,
                             file_params_from(path))


def error_only(path: str | Path, device: DeviceModel | None = None) -> CalibrationResult:
    """The error of the current parameters on a measurements file, without fitting."""
    dev, prepared = prepare(path, device)
    results = evaluate(prepared, dev.params)
    return CalibrationResult(dev.id, dev.params, tuple(results), mape(results), 0, str(path))


_FIT_MARKER = "# --- fitted by `dla-advisor calibrate`; do not edit below by hand ---"


def fitted_block(result: CalibrationResult, measurements: str, cv=None) -> str:
    """The ``params`` and ``calibration`` YAML block a device file ends with (``cv``: a
    :class:`~dla_advisor.perf._crossval.CrossValidation` of the same file, recorded with it)."""
    params = {"params": {k: float(f"{v:.4g}") for k, v in result.params.as_dict().items()}}
    head = _FIT_MARKER + "\n" + yaml.safe_dump(params, sort_keys=False, width=120, default_flow_style=None)
    if result.transfer_error_pct is not None:
        # Nothing fitted here: the label shows the error the same transfer makes where it can be measured.
        cal: dict[str, Any] = {"inherited_from": result.params_from, "measurements": measurements, "mape_pct": None,
                               "transfer_error_pct": round(result.transfer_error_pct, 2),
                               "transfer_points": result.transfer_points,
                               "transfer_check": " + ".join(result.transfer_check)}
        return head + yaml.safe_dump({"calibration": cal}, sort_keys=False, width=120, default_flow_style=False)
    cal = {"measurements": measurements}
    if result.params_from:
        cal["params_from"] = result.params_from
        cal["fitted"] = list(result.free)
    cal["mape_pct"] = round(result.mape_pct, 2)
    if cv is not None:
        cal["cv_mape_pct"] = round(cv.mape_pct, 2)
        cal["cv_networks"] = {net: round(err, 2) for net, err in cv.per_network}
    cal["points"] = [{"id": r.id, "quantity": r.quantity, "measured": r.measured, "modelled": round(r.modelled, 3),
                      "error_pct": round(r.error_pct, 2)} for r in result.points]
    if cv is not None:
        cal["cv_points"] = [{"id": r.id, "modelled": round(r.modelled, 3), "error_pct": round(r.error_pct, 2)}
                            for r in cv.points]
    return head + yaml.safe_dump({"calibration": cal}, sort_keys=False, width=120, default_flow_style=None)


def write_device(device_file: str | Path, result: CalibrationResult, measurements: str, cv=None) -> None:
    """Replace the fitted block of a device file, keeping its hand-written part and comments."""
    from .._safe_write import check_output_path, write_text

    path = check_output_path(device_file, [measurements], option="--write-device")
    try:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"cannot read --write-device {device_file}: {getattr(e, 'strerror', None) or e}",
                         "Name a device YAML file (UTF-8 text).") from None
    head = text.split(_FIT_MARKER)[0].rstrip("\n")
    write_text(path, (head + "\n" if head else "") + fitted_block(result, measurements, cv), [measurements],
               option="--write-device")
