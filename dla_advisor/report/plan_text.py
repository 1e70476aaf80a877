"""Text for ``tune``: the best plan, per-engine and total numbers with provenance, the hand-made
reference side by side, the Pareto front, and the trtexec lines that reproduce the plan."""

from __future__ import annotations

import math

from ..layout import DEFAULT_IO_FORMAT

_DEFAULT_FORMAT = str(DEFAULT_IO_FORMAT)


def _f(x: float | None, digits: int = 1) -> str:
    return "-" if x is None or (isinstance(x, float) and not math.isfinite(x)) else f"{x:,.{digits}f}"


def _engine_rows(result) -> list[str]:
    head = f"  {'engine':<26} {'device':<6} {'batch':>5} {'prec':<5} {'input':<16} {'output':<16} {'qps':>9} {'images/s':>9} {'latency ms':>10}  provenance"
    rows = [head]
    for r in result.engines:
        c = r.engine.config
        fin = ",".join(map(str, c.input_formats)) or _DEFAULT_FORMAT
        fout = ",".join(map(str, c.output_formats)) or _DEFAULT_FORMAT
        rows.append(f"  {r.engine.name:<26} {r.engine.device.upper():<6} {r.engine.batch:>5} {c.precision_spec:<9} {fin:<16} "
                    f"{fout:<16} {_f(r.qps):>9} {_f(r.images_per_s):>9} {_f(r.latency_ms, 2):>10}  "
                    f"{r.measurement.provenance.label()}")
    rows.append(f"  {'total':<26} {'':<6} {'':>5} {'':<5} {'':<16} {'':<16} {'':>9} {_f(result.total_images_per_s):>9} "
                f"{_f(result.makespan_ms, 2):>10}  {result.provenance.label()}")
    return rows


def _config_line(result) -> list[str]:
    lines, seen = [], set()
    for e in result.plan.engines:
        c = e.config
        if e.device == "gpu" or e.model in seen:
            continue
        seen.add(e.model)
        extra = [f"GPU fallback {'on' if c.gpu_fallback else 'off'}",
                 f"dlaSRAM {c.dla_sram_mib:g} MiB" if c.dla_sram_mib is not None else "dlaSRAM default"]
        if c.layer_device_overrides:
            extra.append(f"split: {len(c.layer_device_overrides)} layer(s) forced to GPU")
        lines.append(f"  DLA build of {e.model_name}: " + ", ".join(extra))
    return lines


def render_plan_text(report) -> str:
    """The human report of a tuning run."""
    req, s, b = report.request, report.summary, report.backend
    out = [f"dla-advisor tune: {', '.join(req.models)}",
           f"  device {req.device} ({req.power_mode}), platform {req.platform or 'default'}, backend {b.name}: "
           f"{b.kind} ({b.device}); {b.detail}",
           f"  objective {req.objective}" + (f", latency budget {req.latency_budget_ms:g} ms" if req.latency_budget_ms else ""),
           f"  study '{s.study_name}' in {report.storage}",
           "  trials: " + ", ".join(f"{n} {k.lower()}" for k, n in sorted(s.counts.items())) +
           f" ({s.n_trials} in the study, {report.ran_now} run now)" + ("; interrupted" if report.interrupted else ""),
           ""]
    if s.best is None:
        out.append("No feasible plan yet: every trial was rejected, failed or broke the latency budget.")
    else:
        o = s.best
        reused = f", numbers reused from trial {o.reused_from}" if o.reused_from is not None else ""
        out.append(f"Best plan (trial {o.number}{reused}): {o.result.plan.describe()}")
        out += _engine_rows(o.result)
        out += _config_line(o.result)
    if report.reference is not None and s.best is not None:
        ref, best = report.reference, s.best.result
        ratio = best.total_images_per_s / ref.total_images_per_s if ref.total_images_per_s else float("nan")
        out += ["", f"Side by side with the {ref.plan.label or 'reference plan'}:",
                f"  {'':<26} {'tuned images/s':>15} {'hand-made images/s':>19}"]
        for model in best.plan.models:
            name = best.plan.engines[0].model_name if len(best.plan.models) == 1 else model
            out.append(f"  {name:<26} {_f(best.per_model().get(model)):>15} {_f(ref.per_model().get(model)):>19}")
        out.append(f"  {'total':<26} {_f(best.total_images_per_s):>15} {_f(ref.total_images_per_s):>19}   "
                   f"(tuned/hand-made {ratio:.3f})")
        out.append(f"  both {best.provenance.label()}" if best.provenance.label() == ref.provenance.label()
                   else f"  tuned: {best.provenance.label()}; hand-made: {ref.provenance.label()}")
        out.append("  hand-made engines:")
        out += ["  " + r for r in _engine_rows(ref)[1:]]
    elif report.reference_note:
        out += ["", f"Hand-made reference not shown: {report.reference_note}"]
    if s.pareto:
        out += ["", "Pareto front (throughput vs makespan):",
                f"  {'trial':>5} {'images/s':>10} {'makespan ms':>12}  plan"]
        for o in s.pareto:
            out.append(f"  {o.number:>5} {_f(o.result.total_images_per_s):>10} {_f(o.result.makespan_ms, 2):>12}  "
                       f"{o.result.plan.describe()}")
    if s.rejected:
        out += ["", "Rejected before measuring (examples):"] + [f"  trial {n}: {r}" for n, r in s.rejected]
    if s.failed:
        out += ["", "Failed measurements (examples):"] + [f"  trial {n}: {r}" for n, r in s.failed]
    if report.commands:
        out += ["", "Reproduce on the board (build each engine once, then run all of them at once):"]
        out += [f"  {line}" for line in report.commands]
    return "\n".join(out) + "\n"
