"""tune, calibrate, fix: the use cases that search, fit or rewrite."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from .._limits import MAX_DIM
from .._words import DEFAULT_DEVICE, DEFAULT_POWER_MODE
from ..errors import UsageError
from ._options import check_precision, path_text, spec_text
from ._results import CalibrateResult, FixResult, TuneResult


def _ints(value, option: str) -> tuple[int, ...]:
    if isinstance(value, str):
        parts = value.split(",")
        try:
            # A 10-digit cap keeps int() from a 4,300-digit conversion error on a pasted number.
            value = [int(v) if len(v.strip()) <= 10 else None for v in parts]
        except ValueError:
            value = [None]
        if None in value:
            raise UsageError(f"{option}: cannot read '{','.join(parts)[:40]}'",
                             f"Write a comma-separated list, e.g. {option} 1,2,4.")
    values = tuple(value)
    if not values or any(not isinstance(v, int) or not 1 <= v <= MAX_DIM for v in values):
        raise UsageError(f"{option}: values must be between 1 and {MAX_DIM}", f"e.g. {option} 1,2,4.")
    return values


def _engines_dir(storage: str | None, model: str) -> str:
    from ..tuning._storage import sqlite_path

    path = sqlite_path(storage) if storage else None
    if path and Path(path).name:
        return str(Path(path).with_name(Path(path).stem + ".engines"))
    m = Path(model).resolve()
    return str(m.with_name(m.stem + ".dla-tune.engines"))


def tune(models, *, device: str = DEFAULT_DEVICE, power_mode: str = DEFAULT_POWER_MODE, platform: str | None = None,
         backend: str = "sim", trials: int = 60, timeout: float | None = None, objective: str = "throughput",
         latency_budget: float | None = None, storage: str | None = None, study: str | None = None,
         seed: int | None = None, sampler: str = "tpe", shapes=None, batches="1,2,4,8,16,32",
         max_gpu_instances: int = 2, precisions: str = "both", split: bool = False, duration: float = 5.0,
         trtexec: str | None = None, engines_dir: str | None = None, heartbeat: int = 30,
         reference: bool = True, callbacks: Sequence[Callable] = (),
         on_start: Callable[[str, str, int], None] | None = None) -> TuneResult:
    """Search GPU/DLA deployments of ``models`` for the best combined throughput (or latency).

    The study lives in ``storage`` (default: next to the first model) and resumes: ``trials`` counts
    the whole study. ``callbacks`` are Optuna trial callbacks; ``on_start(study, storage, done)`` is
    called once the study is open. A KeyboardInterrupt stops the search and returns what was found
    (``result.interrupted``), without the reference plan.
    """
    from ..layout import parse_shapes
    from ..tuning import BACKENDS, OBJECTIVES, SpaceOptions, Tuner, TuneRequest
    from ..tuning._search import feasible_outcomes

    models = tuple(path_text(m) for m in ([models] if isinstance(models, (str, Path)) else models))
    if not models:
        raise UsageError("no model given", "Pass one or more ONNX models.")
    if backend not in BACKENDS:
        raise UsageError(f"backend '{backend}' is not one of {', '.join(BACKENDS)}", "Use sim, trtexec or tensorrt.")
    if objective not in OBJECTIVES:
        raise UsageError(f"objective '{objective}' is not one of {', '.join(OBJECTIVES)}", "e.g. objective='throughput'.")
    if precisions not in ("both", "all", "int8", "fp16", "int8,fp16", "best"):
        raise UsageError(f"precisions '{precisions}' is not both, all, int8, fp16, int8,fp16 or best", "e.g. precisions='both'.")
    if not isinstance(trials, int) or trials < 1:
        raise UsageError(f"trials {trials!r} must be at least 1", "e.g. trials=60.")
    space = SpaceOptions(max_gpu_instances=max_gpu_instances, batches=_ints(batches, "--batches"),
                         precisions={"both": ("int8", "fp16"), "all": ("int8", "fp16", "int8,fp16")}.get(precisions, (precisions,)), split=split)
    backend_options = {"duration_s": duration, "trtexec": trtexec,
                       "engines_dir": engines_dir or _engines_dir(storage, models[0])}
    request = TuneRequest(models=models, device=device, power_mode=power_mode, platform=platform, backend=backend,
                          backend_options=backend_options, n_trials=trials, timeout_s=timeout, objective=objective,
                          latency_budget_ms=latency_budget, storage=storage, study=study, seed=seed, sampler=sampler,
                          shapes=parse_shapes(spec_text(shapes, "--shapes")), space=space, heartbeat_s=heartbeat)
    tuner = Tuner(request)
    done = len(tuner.study.trials)
    if on_start is not None:
        on_start(tuner.study_name, tuner.storage_label, done)
    interrupted = False
    try:
        ran = tuner.run(list(callbacks))
    except KeyboardInterrupt:
        interrupted, ran = True, len(tuner.study.trials) - done
    report = tuner.report(ran, with_reference=reference and not interrupted, interrupted=interrupted)
    history = tuple(sorted((o.number, o.result.total_images_per_s, o.result.makespan_ms)
                           for o in feasible_outcomes(tuner.study)))
    return TuneResult(report=report, study=tuner.study, history=history, ran_now=ran)


def calibrate(measurements, *, device: str | None = None, fit: bool = True, params=None, max_evals: int = 2500,
              cross_validate: bool = False, cv_max_evals: int | None = None, write_device=None) -> CalibrateResult:
    """Fit the performance model to measured results (a YAML file like rules/calibration/*.yaml).

    ``fit=False`` only reports the current error; ``cross_validate`` also refits once per network
    with it left out; ``write_device`` stores the fit in a device YAML.
    """
    from ..perf import load_device
    from ..perf._calibrate import calibrate as fit_model
    from ..perf._calibrate import error_only
    from ..perf._calibrate import write_device as write_fit

    measurements = path_text(measurements)
    dev = load_device(device) if device else None
    names = tuple(n.strip() for n in (spec_text(params, "--params") or "").split(",") if n.strip()) or None
    if not isinstance(max_evals, int) or max_evals < 10:
        raise UsageError(f"max_evals {max_evals!r} must be at least 10", "e.g. max_evals=2500.")
    result = fit_model(measurements, dev, names, max_evals=max_evals) if fit else error_only(measurements, dev)
    if fit and not result.free and result.params_from:
        result = _with_transfer_error(result, measurements, dev)
    cv = None
    if cross_validate:
        from ..perf._crossval import cross_validate as leave_one_network_out
        start = (dev or load_device(result.device)).with_params(result.params)
        cv = leave_one_network_out(measurements, start, names, max_evals=cv_max_evals or max(10, max_evals // 4))
    if write_device:
        if str(write_device) == measurements:
            raise UsageError("--write-device is the measurements file", "Name a device YAML file.")
        write_fit(str(write_device), result, measurements, cv)
    return CalibrateResult(calibration=result, cross_validation=cv)


def _with_transfer_error(result, measurements: str, dev):
    """A file that fits nothing (``free: []``) takes every parameter from its ``params_from`` board:
    its error is that transfer's, measured on its own points and on the ``transfer_check`` files."""
    from dataclasses import replace

    from ..perf._inherit import file_transfer_check, source_device
    from ..perf._crossval import transfer_error

    checks = file_transfer_check(measurements)
    err, n = transfer_error(source_device(measurements), {**{c: None for c in checks}, measurements: dev})
    return replace(result, transfer_error_pct=err, transfer_points=n, transfer_check=(*checks, measurements))


def fix(model, output, *, platform: str | None = None, rewrites=None, shapes=None, precision: str = "int8",
        atol: float = 1e-4, rtol: float = 1e-4, seed: int = 0, qdq_tolerance: float = 0.1,
        trt_version: str | None = None, device: str | None = None, power_mode: str | None = None) -> FixResult:
    """Rewrite ``model`` so more of it runs on DLA, verify equal outputs with onnxruntime, write ``output``.

    The input file is never modified; a rewrite that changes the outputs raises instead of writing.
    ``qdq-to-calib`` also writes ``<output stem>_calib.cache`` beside it (``result.report.calibration``).
    """
    from .. import rewrite as rw
    from ..graph import read_model
    from ..layout import BuildConfig, parse_shapes
    from ..platforms import load_platform

    model = path_text(model)
    if not output:
        raise UsageError("missing output path", "Say where to write the fixed model; the input is never overwritten.")
    if str(output) == "-":
        # A binary model on stdout would be interleaved with the report, and a file named '-' is a trap.
        raise UsageError("-o - cannot take an ONNX model: the report goes to stdout",
                         "Give a file name, e.g. -o fixed.onnx.")
    for name, tol in (("atol", atol), ("rtol", rtol)):
        if not isinstance(tol, (int, float)) or tol < 0:
            raise UsageError(f"{name} {tol!r} must be 0 or more", f"e.g. {name}=1e-4.")
    selected = rw.select(spec_text(rewrites, "--rewrites"))
    proto_no_weights = read_model(model)
    out_path = rw.check_output_path(str(output), [model, *rw.external_data_files(proto_no_weights, model)])
    rw.require_onnxruntime()
    plat = load_platform(platform)
    shape_map = parse_shapes(spec_text(shapes, "--shapes"))
    config = BuildConfig(precision=check_precision(precision), shapes=tuple(shape_map.items()))
    original = rw.load_model_with_weights(model)
    result, verification = rw.rewrite_and_verify(original, selected, rw.limits_from_platform(plat), shapes=shape_map,
                                                 atol=atol, rtol=rtol, seed=seed, qdq_tolerance=qdq_tolerance)
    before, after, layout_note = _layouts(original, result.model, plat, config, Path(model).stem)
    tp_before, tp_after, perf_note = _throughputs(before, after, config, device, power_mode, plat)
    calibration = None
    scales = result.extras.get("int8_scales")
    if scales:
        calibration = rw.plan_calibration(scales, out_path, trt_version or plat.trt_max,
                                          network=after[0] if after else None, layout=after[1] if after else None)
        rw.check_output_path(calibration.cache, [model, *rw.external_data_files(proto_no_weights, model)])
    written = rw.save_model_atomic(result.model, out_path)
    if calibration is not None:
        written = [*written, rw.write_text_atomic(calibration.text, calibration.cache)]
    report = rw.FixReport(model=str(model), output=str(out_path), platform=plat.id, precision=precision,
                          sites=result.sites, notes=result.notes, verification=verification,
                          before=before[1] if before else None, after=after[1] if after else None,
                          layout_note=layout_note, throughput_before=tp_before, throughput_after=tp_after,
                          perf_note=perf_note, written=tuple(str(p) for p in written), calibration=calibration,
                          quant_check=result.extras.get("quant_check"))
    return FixResult(report=report)


def _layouts(original, rewritten, plat, config, name):
    """(network, layout) before and after, or a note saying why there are none."""
    from .. import rewrite as rw
    from ..errors import DlaAdvisorError
    try:
        before, after = rw.predicted_layouts(original, rewritten, plat, config, name=name)
    except DlaAdvisorError as e:
        return None, None, f"no before/after layout: {e.one_line()}"
    return before, after, ""


def _throughputs(before, after, config, device, power_mode, plat):
    """Modelled images/s of one DLA engine before and after (device default: the platform's board)."""
    from ..perf import EngineSpec, device_for_platform, estimate_engine, load_device
    from ..rewrite import Throughput

    if before is None or after is None:
        return None, None, "modelled throughput not shown: no predicted layout"
    dev = load_device(device_for_platform(plat, device), power_mode=power_mode)
    batch = next((s[0] for _, s in config.shapes), 1) if config.shapes else 1
    out = []
    for net, layout in (before, after):
        est = estimate_engine(EngineSpec(net, layout, config, device="dla0", batch=batch), dev)
        out.append(Throughput(float(est.images_per_s), est.provenance.label()))
    return out[0], out[1], ""
