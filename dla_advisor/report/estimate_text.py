"""Plain-text rendering of modelled estimates (``estimate``, ``advise``) and of calibration results."""

from __future__ import annotations


def render_concurrent(est, title: str = "") -> str:
    """One table row per engine instance, then the total, all labelled with their provenance."""
    lines = [title] if title else []
    lines.append(f"{'engine':<10} {'batch':>5} {'qps':>10} {'images/s':>10} {'latency ms':>11} {'GPU ms':>8} {'DLA ms':>8}")
    for e in est.engines:
        lines.append(f"{e.name:<10} {e.batch:>5} {e.throughput_qps:>10.1f} {e.images_per_s:>10.1f} {e.latency_ms:>11.3f} "
                     f"{e.gpu_busy_ms:>8.3f} {e.dla_busy_ms:>8.3f}")
    lines.append(f"{'total':<10} {'':>5} {'':>10} {est.total_images_per_s:>10.1f}")
    lines.append(f"GPU busy {est.gpu_utilisation * 100:.0f} %, DRAM {est.dram_utilisation * 100:.0f} % of peak bandwidth")
    lines.append(est.provenance.label() + (f" — {est.provenance.detail}" if est.provenance.detail else ""))
    return "\n".join(lines) + "\n"


def render_breakdown(est) -> str:
    """Where each engine's time per inference goes (milliseconds)."""
    lines = ["time per inference (ms):"]
    for e in est.engines:
        parts = ", ".join(f"{k} {v:.3f}" for k, v in e.breakdown)
        lines.append(f"  {e.name}: {parts}")
    return "\n".join(lines) + "\n"


def render_explain(explanations, top: int = 15) -> str:
    """Per engine: the slowest kernels with their time and what bounds it, and the share per bound."""
    lines = ["where the time goes (per inference, steady state of this plan):"]
    for ex in explanations:
        shares = ", ".join(f"{b} {ex.share(b) * 100:.0f} %" for b in ("compute", "memory", "overhead"))
        lines.append(f"  {ex.name} (batch {ex.batch}): {ex.total_ms:.3f} ms of kernels in {len(ex.kernels)} "
                     f"kernels/operations — bound by {shares}")
        width = min(max([6] + [len(k.layers) for k in ex.kernels[:top]]), 60)
        lines.append(f"    {'kernel':<{width}} {'unit':<4} {'ms':>8} {'compute':>8} {'memory':>8} {'overhead':>8}  bound")
        for k in ex.kernels[:top]:
            name = k.layers if len(k.layers) <= width else k.layers[:width - 1] + "…"
            lines.append(f"    {name:<{width}} {k.unit:<4} {k.time_ms:>8.3f} {k.compute_ms:>8.3f} {k.memory_ms:>8.3f} "
                         f"{k.overhead_ms:>8.3f}  {k.bound}")
        if len(ex.kernels) > top:
            rest = sum(k.time_ms for k in ex.kernels[top:])
            lines.append(f"    ... {len(ex.kernels) - top} more, {rest:.3f} ms together")
    return "\n".join(lines) + "\n"


def render_scenarios(scenarios) -> str:
    """The standard scenarios of ``advise``: one line per scenario with the total and per engine."""
    if not scenarios:
        return ""
    label = scenarios[0][1].provenance.label()
    lines = [f"Modelled throughput — {label}"]
    width = max(len(name) for name, _ in scenarios)
    for name, est in scenarios:
        per = ", ".join(f"{e.name} {e.images_per_s:.1f}" for e in est.engines)
        lines.append(f"  {name:<{width}} {est.total_images_per_s:>9.1f} images/s  ({per})")
    return "\n".join(lines) + "\n"


def render_calibration(result, written: str | None = None) -> str:
    """Measured vs modelled per point, the fitted parameters and the MAPE."""
    width = max([26] + [len(r.id) for r in result.points])
    lines = [f"calibration of {result.device} on {result.measurements}",
             f"{'point':<{width}} {'quantity':<18} {'measured':>10} {'modelled':>10} {'error %':>8}"]
    for r in result.points:
        lines.append(f"{r.id:<{width}} {r.quantity:<18} {r.measured:>10.2f} {r.modelled:>10.2f} {r.error_pct:>+8.1f}")
    lines.append(f"MAPE {result.mape_pct:.1f} % over {len(result.points)} points"
                 + (f" ({result.evaluations} model evaluations)" if result.evaluations else " (parameters not refitted)"))
    if result.transfer_error_pct is not None:
        lines.append(f"transfer from {result.params_from}: error {result.transfer_error_pct:.1f} % over "
                     f"{result.transfer_points} points of {' + '.join(result.transfer_check)}")
    lines.append("parameters:")
    params = result.params.as_dict()
    width = max(map(len, params))
    for k, v in params.items():
        if result.params_from:
            mark = "" if k in result.free else f"  (from {result.params_from})"
        else:
            mark = "" if not result.free or k in result.free else "  (fixed)"
        lines.append(f"  {k:<{width}} {v:.4g}{mark}")
    if written:
        lines.append(f"wrote the fit into {written}")
    return "\n".join(lines) + "\n"


def render_cross_validation(cv) -> str:
    """Leave-one-network-out predictions: the error per network and over all points."""
    lines = [f"cross-validation (each network predicted by a fit without it): MAPE {cv.mape_pct:.1f} % "
             f"over {len(cv.points)} points, {len(cv.networks)} networks"]
    width = max([24] + [len(net) for net, _ in cv.per_network])
    for net, err in cv.per_network:
        lines.append(f"  {net:<{width}} {err:>6.1f} %")
    return "\n".join(lines) + "\n"
