"""Text for ``fix``: rewrites applied, the onnxruntime check, and the layout before/after."""

from __future__ import annotations


def _bytes(n: int) -> str:
    for unit, size in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} B"


def _shape(shape) -> str:
    return "x".join(str(d) for d in shape) if shape else "scalar"


def render_rewrite_list(rewrites) -> str:
    """``fix --list``: every rewrite with what it does, when it applies and why it is exact."""
    lines = []
    for rw in rewrites:
        lines += [rw.name, f"  does:    {rw.title}", f"  applies: {rw.applies}", f"  exact:   {rw.exact}", ""]
    return "\n".join(lines).rstrip() + "\n"


def render_fix(report) -> str:
    """The human report of one ``fix`` run."""
    out = [f"fix: {report.model} -> {report.output}  (platform {report.platform}, {report.precision.upper()})", ""]
    applied = [(n, k) for n, k in report.sites if k]
    idle = [n for n, k in report.sites if not k]
    out.append("Rewrites applied" + ("" if applied else ": none (no site matched)"))
    width = max((len(n) for n, _ in applied), default=0)
    out += [f"  {n:<{width}}  {k} site(s)" for n, k in applied]
    if idle:
        out.append(f"  not applicable here: {', '.join(idle)}")
    out.append("")

    v = report.verification
    feeds = ", ".join(f"{n} {_shape(s)} {d}" for n, s, d in v.inputs)
    out.append(f"Verification: measured (onnxruntime, CPU), {v.trials} seeded random input set(s) (seed {v.seed}): {feeds}")
    out.append(f"  tolerance per element: |rewritten - original| <= {v.atol:g} + {v.rtol:g}*|original|")
    width = max((len(o.name) for o in v.outputs), default=6)
    for o in v.outputs:
        verdict = "match" if o.ok else f"MISMATCH {o.detail}".rstrip()
        out.append(f"  {o.name:<{width}}  {_shape(o.shape):>12}  max |diff| {o.max_abs_diff:.3g}  {verdict}")
    out.append("")
    out += _quantization(report)

    if report.before is not None and report.after is not None:
        b, a = report.before.summary(), report.after.summary()
        out.append(f"{'Layout: predicted (' + report.platform + ', ' + report.precision.upper() + ')':<40}{'before':>10}{'after':>10}")
        rows = [("DLA loadables", b["dla_loadables"], a["dla_loadables"]),
                ("GPU layers", b["gpu_layers"], a["gpu_layers"]),
                ("Reformats", b["reformats"], a["reformats"]),
                ("Reformat traffic", _bytes(b["reformat_bytes"]), _bytes(a["reformat_bytes"]))]
        out += [f"  {label:<38}{str(x):>10}{str(y):>10}" for label, x, y in rows]
        if report.after.gpu_layers:
            out.append("  still on GPU after: " + ", ".join(
                f"{p.name} ({p.kind}: {', '.join(r.id for r in p.reasons) or 'placement'})" for p in report.after.gpu_layers))
    else:
        out.append(f"Layout: {report.layout_note}")
    if report.throughput_before is not None and report.throughput_after is not None:
        out.append(f"  {'one DLA engine, images/s':<38}{report.throughput_before.images_per_s:>10.1f}"
                   f"{report.throughput_after.images_per_s:>10.1f}  {report.throughput_after.provenance}")
    elif report.perf_note:
        out.append(f"  {report.perf_note}")
    if report.notes:
        out += ["", "Notes"] + [f"  - {n}" for n in report.notes]
    return "\n".join(out) + "\n"


def _quantization(report) -> list[str]:
    """The Q/DQ translation: how close the float model is, and the cache with the command that uses it."""
    q, c = getattr(report, "quant_check", None), getattr(report, "calibration", None)
    out = []
    if q is not None:
        ranges = ", ".join(f"{n} within +-{a:.3g}" for n, a in q.input_ranges)
        out.append(f"Q/DQ translation: measured (onnxruntime, CPU), inputs drawn uniformly {ranges}")
        out.append(f"  tolerance: relative RMS error <= {q.tolerance:g} (float vs Q/DQ: the rounding the Q/DQ nodes did); "
                   "round trip (scales put back as fake quantization) <= 0.001")
        for name, err, rt, worst in q.outputs:
            out.append(f"  {name}  relative RMS {err:.3g}  max |diff| {worst:.3g}  round trip {rt:.2g}")
        out.append("")
    if c is not None:
        out.append(f"Calibration cache: {c.cache}  ({c.model_scales} scale(s) from the model's Q/DQ"
                   + (f", {c.inferred} passed through max-pool/reshape/slice" if c.inferred else "") + ")")
        if c.unscaled:
            out.append(f"  {len(c.unscaled)} DLA tensor(s) without a scale, their layers kept in FP16: "
                       + ", ".join(c.unscaled[:8]) + (f" and {len(c.unscaled) - 8} more" if len(c.unscaled) > 8 else ""))
        out.append("  build: trtexec " + " ".join(c.trtexec))
        out.append("")
    return out
