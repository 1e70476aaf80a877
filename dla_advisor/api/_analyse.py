"""advise, inspect, check, estimate: the analyses of one model or one engine's artifacts.

Keyword arguments mirror the CLI options (``input_formats`` is ``--inputIOFormats`` ...) and take
the same values, so a call gives the same document as the command with the same inputs.
"""

from __future__ import annotations

from pathlib import Path

from .._words import DEFAULT_POWER_MODE, SEVERITIES, one_of
from ..errors import UsageError
from ._options import build_config, check_precision, ids, path_text, spec_text, with_calibration_cache
from ._results import AdviseResult, CheckResult, EstimateResult, InspectResult

FAIL_ON = SEVERITIES


def advise(model, *, platform: str | None = None, precision: str = "fp16", shapes=None, batch: int | None = None,
           input_formats=None, output_formats=None, gpu_fallback: bool = True, dla_core: int = 0,
           layer_device_types=None, calib=None, device: str | None = None,
           power_mode: str | None = DEFAULT_POWER_MODE) -> AdviseResult:
    """Predict the layout of ``model`` (an ONNX path) on ``platform``, with findings, fixes and throughput.

    ``calib`` is the INT8 calibration cache the build uses (trtexec --calib): INT8 analysis then knows
    which tensors have scales.

    Raises:
        DlaAdvisorError: a subclass for each bad input (unreadable model, unknown platform, bad option value).
    """
    from ..advice import evaluate
    from ..graph import load_network
    from ..layout import predict
    from ..perf import device_for_platform, load_device, standard_scenarios
    from ..platforms import load_platform

    model = path_text(model)
    config = with_calibration_cache(build_config(precision, shapes, batch, input_formats, output_formats, gpu_fallback,
                                                 dla_core, layer_device_types), calib)
    plat = load_platform(platform)
    net = load_network(model, shapes=config.shapes_dict(), batch=config.batch)
    layout = predict(net, plat, config)
    findings = tuple(evaluate(layout, net, plat, config))
    dev = load_device(device_for_platform(plat, device), power_mode=power_mode)  # default: the platform's board
    estimates = tuple(standard_scenarios(net, plat, config, dev))
    return AdviseResult(model=model, layout=layout, findings=findings, estimates=estimates, network=net,
                        platform=plat, config=config)


def inspect(paths, *, model=None, platform: str | None = None, precision: str = "fp16", shapes=None,
            batch: int | None = None, input_formats=None, output_formats=None, gpu_fallback: bool = True,
            dla_core: int = 0, layer_device_types=None) -> InspectResult:
    """Read the artifacts of ONE engine (trtexec logs, layer-info / profile JSON ...), and with
    ``model`` compare the prediction for that model with them layer by layer."""
    from ..artifacts import compare, read

    paths = [path_text(p) for p in ([paths] if isinstance(paths, (str, Path)) else paths)]
    if not paths:
        raise UsageError("no artifact given", "Pass a trtexec log, --exportLayerInfo or --exportProfile JSON.")
    result = read(paths)
    if model is None:
        return InspectResult(read=result)
    from ..graph import load_network
    from ..layout import predict
    from ..platforms import load_platform

    model = path_text(model)
    config = build_config(precision, shapes, batch, input_formats, output_formats, gpu_fallback, dla_core,
                          layer_device_types)
    net = load_network(model, shapes=config.shapes_dict(), batch=config.batch)
    predicted = predict(net, load_platform(platform), config)
    return InspectResult(read=result, model=model, predicted=predicted, comparison=compare(predicted, result.layout, result.counts),
                         network=net)


def check(paths, *, platform: str | None = None, fail_on: str = "warning", select=None, ignore=None,
          max_gpu_layers: int | None = None, max_loadables: int | None = None, max_reformats: int | None = None,
          rules=None, precision: str = "fp16", shapes=None, batch: int | None = None, input_formats=None,
          output_formats=None, gpu_fallback: bool = True, dla_core: int = 0, layer_device_types=None,
          calib: str | None = None, use_cuda_graph: bool = False, direct_io: bool = False,
          standalone: bool = False) -> CheckResult:
    """The CI gate over ONNX models and TensorRT artifacts; ``result.passed`` is the verdict.

    ``rules`` names extra rule folders (``--rules DIR``); ``select``/``ignore`` take ids, names,
    aliases or prefixes. ``[tool.dla-advisor]`` in pyproject.toml is read by the CLI only: here
    every setting is an argument.
    """
    from .._version import __version__
    from ..advice import load_rules
    from ..report import CheckReport

    if fail_on not in FAIL_ON:
        raise UsageError(f"fail_on '{fail_on}' is not one of {', '.join(FAIL_ON)}", f"Use {one_of(FAIL_ON)}.")
    for name, limit in (("max_gpu_layers", max_gpu_layers), ("max_loadables", max_loadables),
                        ("max_reformats", max_reformats)):
        if limit is not None and (not isinstance(limit, int) or limit < 0):
            raise UsageError(f"{name} {limit!r} must be a whole number, 0 or more", f"e.g. {name}=0.")
    paths = [path_text(p) for p in ([paths] if isinstance(paths, (str, Path)) else paths)]
    if not paths:
        raise UsageError("nothing to check", "Pass ONNX models or TensorRT artifacts.")
    rule_dirs = [str(d) for d in ([rules] if isinstance(rules, (str, Path)) else (rules or ()))]
    select, ignore = ids(select), ids(ignore)
    ruleset = load_rules(rule_dirs)
    for metric, limit in (("gpu_layers", max_gpu_layers), ("dla_loadables", max_loadables),
                          ("reformats", max_reformats)):
        ruleset = ruleset.with_budget(metric, limit)
    selected = ruleset.selected(select, ignore)
    extra = [("calib", calib)] if calib else []
    extra += [(flag, "") for flag, on in (("useCudaGraph", use_cuda_graph), ("directIO", direct_io),
                                          ("buildDLAStandalone", standalone)) if on]
    config = build_config(precision, shapes, batch, input_formats, output_formats, gpu_fallback, dla_core,
                          layer_device_types).with_(extra=tuple(extra), calibrated=bool(calib))
    config = with_calibration_cache(config, calib)
    checked, layouts = [], {}
    for path in paths:
        if not Path(path).is_file():
            raise UsageError(f"{path}: no such file", "Pass ONNX models or TensorRT artifacts (trtexec logs, layer-info JSON).")
        item, layout, net = _check_one(path, platform, config, ruleset, select, ignore)
        checked.append(item)
        layouts[path] = (layout, net)
    report = CheckReport(inputs=tuple(checked), rules=selected, fail_on=fail_on, version=__version__, layouts=layouts)
    return CheckResult(report=report)


MODEL_SUFFIXES = (".onnx",)


def _check_one(path: str, platform: str | None, config, rules, select, ignore):
    from ..advice import evaluate
    from ..platforms import load_platform
    from ..report import CheckedInput

    if path.lower().endswith(MODEL_SUFFIXES):
        from ..graph import load_network
        from ..layout import predict

        plat = load_platform(platform)
        network = load_network(path, shapes=config.shapes_dict() or None, batch=config.batch)
        layout = predict(network, plat, config)
        findings = evaluate(layout, network, plat, config, rules=rules, select=select, ignore=ignore)
        return CheckedInput(path, layout.source, plat.id, tuple(findings), layout.summary()), layout, network
    from ..artifacts import read, summary_shown

    result = read([path])
    layout = result.layout
    # An artifact is the engine TensorRT really built: its own build settings apply, not these
    # model options; the platform only when the caller names one.
    plat = load_platform(platform) if platform else None
    findings = evaluate(layout, None, plat, layout.config, rules=rules, select=select, ignore=ignore)
    # Counts the artifact does not show are None, not 0 (check schema 1.1).
    return (CheckedInput(path, layout.source, plat.id if plat else (layout.platform or ""), tuple(findings),
                         summary_shown(layout.summary(), result.counts)), layout, None)


def estimate(model, plan: str = "gpu,dla0,dla1", *, device: str | None = None, power_mode: str | None = None,
             platform: str | None = None, precision: str = "int8", shapes=None, input_formats=None,
             output_formats=None, one_process: bool = False, cuda_graphs: bool = False,
             no_data_transfers: bool = False, explain: bool = False) -> EstimateResult:
    """Model the engines of ``plan`` (``DEVICE[:bs=N][:split=LAYER],...``) running together on ``device``
    (default: the platform's board). ``explain`` adds each kernel / DLA operation and what bounds it."""
    from ..graph import load_network
    from ..perf import device_for_platform, estimate_concurrent, load_device
    from ..perf._plan import parse_plan, plan_specs
    from ..platforms import load_platform

    model = path_text(model)
    plan = spec_text(plan, "--plan")
    entries = parse_plan(plan)
    plat = load_platform(platform)
    dev = load_device(device_for_platform(plat, device), power_mode=power_mode)
    config = build_config(check_precision(precision), shapes, None, input_formats, output_formats, True, 0)
    net = load_network(model, shapes=config.shapes_dict(),
                       batch=max(e.batch for e in entries) if not config.shapes else None)
    specs = plan_specs(net, plat, config, entries)
    est = estimate_concurrent(specs, dev, one_process, cuda_graphs, not no_data_transfers)
    explained = None
    if explain:
        from ..perf import explain_concurrent
        explained = explain_concurrent(specs, dev, one_process, cuda_graphs, not no_data_transfers)
    return EstimateResult(model=model, plan=plan, estimate=est, device=dev, explained=explained)
