"""The static parts of the HTML report, one builder per command, from the command's JSON document.

Everything here is server-side markup with every value escaped; the graph and its interaction live
in ``html_assets/report.js``. The DLA loadables and GPU layers are also listed here as tables, so the
page names every one of them even where the graph shows a collapsed group.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from .._words import SEVERITIES
from . import _html_charts as charts


def e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def _link(url: str) -> str:
    if url.lower().startswith(("http://", "https://")):
        return f'<a href="{e(url)}" target="_blank" rel="noopener noreferrer">{e(url)}</a>'
    return e(url)


def _n(v, digits: int = 1) -> str:
    return f"{v:,.{digits}f}" if isinstance(v, (int, float)) else "–"


def _mib(b) -> str:
    return f"{b / 2**20:,.2f} MiB" if isinstance(b, (int, float)) else "–"


def _reason(r: dict) -> str:
    return f"<b>{e(r.get('id'))}</b> {e(r.get('message'))}"


def heading(doc: dict) -> tuple[str, str]:
    cmd = doc.get("command", "report")
    if cmd == "inspect":
        sub = ", ".join(a.get("path", "") for a in doc.get("artifacts", []))
    elif cmd == "check":
        sub = ", ".join(i.get("path", "") for i in doc.get("inputs", []))
    elif cmd == "tune":
        sub = ", ".join(doc.get("models", []))
    else:
        sub = str(doc.get("model") or doc.get("measurements") or "")
    return f"dla-advisor {cmd}", sub


def copy_button(text: str, label: str = "copy") -> str:
    return f'<button type="button" class="dla-copy" data-copy="{e(text)}">{e(label)}</button>'


def kpis(summary: dict) -> str:
    items = (("layers", "layers"), ("DLA layers", "dla_layers"), ("GPU layers", "gpu_layers"),
             ("DLA loadables", "dla_loadables"), ("Reformats", "reformats"))
    def shown(k):
        v = summary.get(k, "–")
        return "not shown" if v is None else v  # the artifacts are silent on this count

    out = "".join(f'<div class="kpi"><b>{e(shown(k))}</b>{e(label)}</div>' for label, k in items)
    if summary.get("reformat_bytes") is not None:
        out += f'<div class="kpi"><b>{e(_mib(summary["reformat_bytes"]))}</b>Reformat traffic / inference</div>'
    return f'<div class="kpis">{out}</div>'


def layout_tables(layout: dict, title: str = "Placement") -> str:
    """The loadables, the GPU layers with reasons and constraint sources, and the Reformats."""
    src = layout.get("source", "")
    out = [f"<section><h2>{e(title)} <span class='note'>({e(src)}{', platform ' + e(layout.get('platform')) if layout.get('platform') else ''})</span></h2>",
           kpis(layout.get("summary", {}))]
    loadables = layout.get("loadables", [])
    limit = layout.get("loadable_limit")
    summary = layout.get("summary", {})

    def count(key: str, listed: int) -> str:
        # A measured layout whose artifacts are silent on a count has it as null: never show a 0.
        return "not shown in the artifacts" if key in summary and summary[key] is None else str(listed)

    out.append(f"<h3>DLA loadables: {count('dla_loadables', len(loadables))}"
               f"{f' (limit {e(limit)} per core)' if limit else ''}</h3>")
    if loadables:
        out.append("<table class='loadables'><tr><th>loadable</th><th>layers</th><th>first</th><th>last</th></tr>")
        for k, ld in enumerate(loadables):
            name = ld.get("name") or f"DLA loadable {k}"
            out.append(f"<tr><td class='dla'>{e(name)}</td><td class='num'>{len(ld.get('layers', []))}</td>"
                       f"<td class='mono'>{e(ld.get('first'))}</td><td class='mono'>{e(ld.get('last'))}</td></tr>")
        out.append("</table>")
    gpu = [p for p in layout.get("layers", []) if p.get("device") != "DLA"]
    out.append(f"<h3>GPU layers: {count('gpu_layers', len(gpu))}</h3>")
    if gpu:
        out.append("<div class='scroll'><table class='gpu-layers'><tr><th>layer</th><th>kind</th><th>reason</th>"
                   "<th>constraint</th><th>source</th></tr>")
        for p in gpu:
            reasons = p.get("reasons") or [{}]
            out.append(f"<tr><td class='gpu mono'>{e(p['name'])}</td><td>{e(p.get('kind'))}</td>"
                       f"<td>{'<br>'.join(_reason(r) for r in reasons if r)}</td>"
                       f"<td class='mono'>{'<br>'.join(e(r.get('platform_key')) for r in reasons if r)}</td>"
                       f"<td class='mono'>{'<br>'.join(_link(r.get('source') or '') for r in reasons if r)}</td></tr>")
        out.append("</table></div>")
    rfs = layout.get("reformats", [])
    out.append(f"<h3>Reformat layers: {count('reformats', len(rfs))}</h3>")
    if rfs:
        out.append("<table class='reformats'><tr><th>tensor</th><th>where</th><th>from</th><th>to</th>"
                   "<th>bytes / inference</th><th>runs on</th></tr>")
        for r in rfs:
            out.append(f"<tr><td class='mono'>{e(r.get('tensor'))}</td><td>{e(r.get('location'))}</td>"
                       f"<td>{e(r.get('from_format'))}</td><td>{e(r.get('to_format'))}</td>"
                       f"<td class='num'>{e(_mib(r.get('bytes')))}</td><td>{e(r.get('device'))}</td></tr>")
        out.append("</table>")
    flags = (layout.get("build_config") or {}).get("trtexec_flags")
    if flags:
        text = " ".join(flags)
        out.append(f"<p>Build flags: <code>{e(text)}</code>{copy_button(text)}</p>")
    if layout.get("notes"):
        out.append("<ul class='note'>" + "".join(f"<li>{e(n)}</li>" for n in layout["notes"]) + "</ul>")
    out.append("</section>")
    return "".join(out)


def findings(items: list[dict] | None, title: str = "Findings") -> str:
    if items is None:
        return ""
    out = [f"<section><h2>{e(title)}: {len(items)}</h2>"]
    if not items:
        out.append("<p>No findings.</p>")
    for f in items:
        sev = f.get("severity", "info")
        out.append(f"<div class='finding'><span class='sev-{e(sev)}'>{e(sev).upper()}</span> "
                   f"<b>{e(f.get('rule_id'))}</b> <i>{e(f.get('name'))}</i>: {e(f.get('title'))}"
                   f"<p>{e(f.get('message'))}</p>")
        where = list(f.get("layers") or []) + list(f.get("tensors") or [])
        if where:
            out.append(f"<p class='note'>at: <span class='mono'>{e(', '.join(where[:40]))}"
                       f"{' ...' if len(where) > 40 else ''}</span></p>")
        for fix in f.get("fixes") or []:
            out.append(f"<div class='fix'>Fix ({e(fix.get('trt', '*'))}): {e(fix.get('summary'))}")
            if fix.get("trtexec_flags"):
                text = " ".join(fix["trtexec_flags"])
                out.append(f"<div>trtexec: <code>{e(text)}</code>{copy_button(text)}</div>")
            if fix.get("api_lines"):
                out.append("<details><summary>TensorRT Python API</summary><pre class='mono'>"
                           + e("\n".join(fix["api_lines"])) + "</pre></details>")
            if fix.get("rewrite"):
                out.append(f"<div>rewrite: <code>dla-advisor fix MODEL -o FIXED.onnx --rewrites {e(fix['rewrite'])}</code></div>")
            out.append("</div>")
        out.append("</div>")
    out.append("</section>")
    return "".join(out)


def _engine_rows(engines: list[dict], prefix: str = "") -> tuple[str, list[tuple[str, float, float]]]:
    rows, bars = [], []
    for en in engines:
        label = f"{prefix}{en.get('name', '')}"
        rows.append(f"<tr><td>{e(label)}</td><td>{e(en.get('device'))}</td><td class='num'>{e(en.get('batch'))}</td>"
                    f"<td class='num'>{_n(en.get('images_per_s'))}</td><td class='num'>{_n(en.get('latency_ms'), 3)}</td>"
                    f"<td class='num'>{_n(en.get('gpu_busy_ms'), 3)}</td><td class='num'>{_n(en.get('dla_busy_ms'), 3)}</td>"
                    f"<td class='note'>{e((en.get('provenance') or {}).get('label'))}</td></tr>")
        bars.append((label, en.get("gpu_busy_ms") or 0.0, en.get("dla_busy_ms") or 0.0))
    return "".join(rows), bars


_ENGINE_HEAD = ("<tr><th>engine</th><th>device</th><th>batch</th><th>images/s</th><th>latency ms</th>"
                "<th>GPU busy ms</th><th>DLA busy ms</th><th>provenance</th></tr>")


def estimates(items: list[dict] | None) -> str:
    if not items:
        return ""
    out = ["<section><h2>Throughput</h2><table class='throughput'><tr><th>scenario</th><th>total images/s</th>"
           "<th>provenance</th></tr>"]
    for s in items:
        out.append(f"<tr><td>{e(s.get('scenario'))}</td><td class='num'>{_n(s.get('total_images_per_s'))}</td>"
                   f"<td class='note'>{e((s.get('provenance') or {}).get('label'))}</td></tr>")
    out.append("</table><h3>Engines</h3><table>" + _ENGINE_HEAD)
    bars = []
    for s in items:
        rows, b = _engine_rows(s.get("engines", []), f"{s.get('scenario', '')}: ")
        out.append(rows)
        bars += b
    out.append("</table><h3>GPU vs DLA time per engine</h3>" + charts.time_bars(bars) + "</section>")
    return "".join(out)


def estimate_section(est: dict, title: str) -> str:
    rows, bars = _engine_rows(est.get("engines", []))
    prov = (est.get("provenance") or {}).get("label", "")
    out = [f"<section><h2>{e(title)}</h2><div class='kpis'><div class='kpi'><b>{_n(est.get('total_images_per_s'))}</b>"
           f"total images/s</div><div class='kpi'><b>{_n(100 * (est.get('gpu_utilisation') or 0), 0)} %</b>GPU busy</div>"
           f"<div class='kpi'><b>{_n(100 * (est.get('dram_utilisation') or 0), 0)} %</b>DRAM bandwidth</div></div>"
           f"<p class='note'>{e(prov)}</p><table class='throughput'>{_ENGINE_HEAD}{rows}</table>",
           "<h3>GPU vs DLA time per engine</h3>" + charts.time_bars(bars)]
    breakdown = [(en.get("name"), en.get("breakdown") or {}) for en in est.get("engines", [])]
    keys = sorted({k for _, b in breakdown for k in b})
    if keys:
        out.append("<h3>Where each engine's time goes (ms)</h3><table><tr><th>engine</th>"
                   + "".join(f"<th>{e(k)}</th>" for k in keys) + "</tr>")
        for name, b in breakdown:
            out.append(f"<tr><td>{e(name)}</td>" + "".join(f"<td class='num'>{_n(b.get(k), 3)}</td>" for k in keys) + "</tr>")
        out.append("</table>")
    out.append("</section>")
    return "".join(out)


def advise(doc: dict, graphs: str, extras) -> str:
    return (graphs + layout_tables(doc["layout"], "Predicted placement") + findings(doc.get("findings"))
            + estimates(doc.get("estimates")))


def estimate(doc: dict, graphs: str, extras) -> str:
    title = f"Plan {doc.get('plan', '')} on {doc.get('device', '')}, {doc.get('power_mode', '')}"
    return graphs + estimate_section(doc.get("estimate", {}), title)


def check(doc: dict, graphs: str, extras) -> str:
    c = doc.get("counts", {})
    verdict = "passed" if doc.get("passed") else "FAILED"
    out = [f"<section><h2>Gate {e(verdict)} <span class='note'>(fail on {e(doc.get('fail_on'))})</span></h2>"
           f"<div class='kpis'>" + "".join(f"<div class='kpi'><b>{e(c.get(k, 0))}</b>{k}</div>" for k in reversed(SEVERITIES))
           + f"</div><p class='note'>rules checked: {e(', '.join(doc.get('rules_checked', [])))}</p></section>", graphs]
    for i in doc.get("inputs", []):
        out.append(f"<section><h2 class='mono'>{e(i.get('path'))}</h2><p class='note'>{e(i.get('source'))}, "
                   f"platform {e(i.get('platform'))}</p>{kpis(i.get('summary', {}))}</section>")
        out.append(findings(i.get("findings", []), f"Findings for {i.get('path')}"))
    return "".join(out)


def _measurement(m: dict | None) -> str:
    if not m:
        return "<section><h2>Measurements</h2><p>No timing in these artifacts.</p></section>"
    out = [f"<section><h2>Measurements</h2><p class='note'>{e(m.get('label'))}</p><div class='kpis'>"
           f"<div class='kpi'><b>{_n(m.get('throughput_qps'))}</b>throughput (qps)</div>"]
    if m.get("dla_time_share") is not None:
        out.append(f"<div class='kpi'><b>{_n(100 * m['dla_time_share'], 0)} %</b>time on DLA</div>")
    out.append("</div>")
    lat = m.get("latency_ms") or {}
    if lat:
        out.append("<table><tr>" + "".join(f"<th>latency {e(k)}</th>" for k in lat) + "</tr><tr>"
                   + "".join(f"<td class='num'>{_n(v, 3)} ms</td>" for v in lat.values()) + "</tr></table>")
    times = m.get("layer_times") or []
    if times:
        gpu = sum(t.get("avg_ms") or 0 for t in times if t.get("device") != "DLA")
        dla = sum(t.get("avg_ms") or 0 for t in times if t.get("device") == "DLA")
        out.append("<h3>GPU vs DLA time (sum of per-layer averages)</h3>" + charts.time_bars([("engine", gpu, dla)]))
        out.append("<details><summary>Per-layer times</summary><div class='scroll'><table><tr><th>layer</th><th>device</th>"
                   "<th>avg ms</th><th>%</th></tr>")
        for t in times:
            out.append(f"<tr><td class='mono'>{e(t.get('name'))}</td><td>{e(t.get('device'))}</td>"
                       f"<td class='num'>{_n(t.get('avg_ms'), 4)}</td><td class='num'>{_n(t.get('percent'))}</td></tr>")
        out.append("</table></div></details>")
    out.append("</section>")
    return "".join(out)


def _comparison(doc: dict) -> str:
    cmp_ = doc.get("comparison")
    if not cmp_:
        return ""
    pred, meas = doc["predicted"]["summary"], doc["layout"]["summary"]
    keys = ("layers", "dla_layers", "gpu_layers", "dla_loadables", "reformats")
    out = [f"<section><h2>Predicted vs measured <span class='note'>(model {e(doc.get('model'))}: "
           f"{'prediction matches' if cmp_.get('matches') else str(len(cmp_.get('wrong', []))) + ' layer(s) predicted wrong'})"
           f"</span></h2><div class='side'><div><h3>Predicted</h3>{kpis(pred)}</div><div><h3>Measured</h3>{kpis(meas)}</div></div>",
           "<table><tr><th></th>" + "".join(f"<th>{e(k)}</th>" for k in keys) + "</tr>"
           + "<tr><td>predicted</td>" + "".join(f"<td class='num'>{e(pred.get(k))}</td>" for k in keys) + "</tr>"
           + "<tr><td>measured</td>" + "".join(f"<td class='num'>{e(meas.get(k))}</td>" for k in keys) + "</tr></table>",
           "<h3>Layer by layer</h3><div class='scroll'><table class='comparison'><tr><th>layer (prediction)</th>"
           "<th>predicted</th><th>measured</th><th>measured as</th><th>agrees</th><th>predicted reasons</th></tr>"]
    for row in cmp_.get("layers", []):
        agrees = row.get("agrees")
        mark = "yes" if agrees else ("no" if agrees is False else "not in artifact")
        out.append(f"<tr><td class='mono'>{e(row.get('layer'))}</td>"
                   f"<td class='{e((row.get('predicted') or '').lower())}'>{e(row.get('predicted'))}</td>"
                   f"<td class='{e((row.get('measured') or '').lower())}'>{e(row.get('measured') or '–')}</td>"
                   f"<td class='mono'>{e(row.get('measured_layer'))}</td><td>{e(mark)}</td>"
                   f"<td>{e(', '.join(row.get('predicted_reasons') or []))}</td></tr>")
    out.append("</table></div></section>")
    return "".join(out)


def inspect(doc: dict, graphs: str, extras) -> str:
    arts = "".join(f"<li><span class='mono'>{e(a.get('path'))}</span>: {e(a.get('label'))}</li>" for a in doc.get("artifacts", []))
    out = [f"<section><h2>Artifacts</h2><ul>{arts}</ul></section>", graphs,
           layout_tables(doc["layout"], "Measured placement"), _measurement(doc.get("measurement")), _comparison(doc)]
    return "".join(out)


def _plan_row(o: dict, label: str) -> str:
    return (f"<tr><td>{e(label)}</td><td>{e(o.get('summary'))}</td><td class='num'>{_n(o.get('total_images_per_s'))}</td>"
            f"<td class='num'>{_n(o.get('makespan_ms'), 3)}</td><td class='note'>{e((o.get('provenance') or {}).get('label'))}</td></tr>")


def tune(doc: dict, graphs: str, extras) -> str:
    t = doc.get("trials", {})
    out = [f"<section><h2>Search</h2><p>Study <code>{e(doc.get('study'))}</code> in <code>{e(doc.get('storage'))}</code>; "
           f"backend {e((doc.get('backend') or {}).get('name'))}; objective {e(doc.get('objective'))}; "
           f"{e(t.get('total'))} trial(s), {e(t.get('this_run'))} this run.</p>",
           "<table><tr><th></th><th>plan</th><th>images/s</th><th>makespan ms</th><th>provenance</th></tr>"]
    if doc.get("best"):
        out.append(_plan_row(doc["best"], f"best (trial {doc['best'].get('trial')})"))
    if doc.get("reference"):
        out.append(_plan_row(doc["reference"], "hand-made reference"))
    out.append("</table>")
    if doc.get("reference_note"):
        out.append(f"<p class='note'>{e(doc['reference_note'])}</p>")
    out.append("</section>")
    front = doc.get("pareto_front") or []
    pts = [(mk, ips, f"trial {n}: {ips:.1f} images/s, {mk:.3f} ms") for n, ips, mk in extras.history
           if ips is not None and mk is not None]
    hi = [(o.get("makespan_ms"), o.get("total_images_per_s"), f"trial {o.get('trial')}: {o.get('summary')}") for o in front]
    if front:
        heading = f"Pareto front: {len(front)} plan(s)"
    else:
        best = doc.get("best") or {}
        hi = [(best.get("makespan_ms"), best.get("total_images_per_s"), f"best: {best.get('summary')}")] if best else []
        heading = "Trials: images/s against makespan (best plan highlighted; --objective both gives the Pareto front)"
    out.append(f"<section><h2>{e(heading)}</h2>"
               + charts.scatter(pts, hi, "makespan (ms)", "images/s", "trials and Pareto front")
               + ("<table><tr><th></th><th>plan</th><th>images/s</th><th>makespan ms</th><th>provenance</th></tr>"
                  + "".join(_plan_row(o, f"trial {o.get('trial')}") for o in front) + "</table>" if front else "")
               + "</section>")
    maximise = doc.get("objective") != "latency"
    values = [(n, ips if maximise else mk) for n, ips, mk in extras.history]
    if values:
        out.append("<section><h2>History</h2>" + charts.history(values, "images/s" if maximise else "makespan (ms)",
                                                                   maximise) + "</section>")
    if doc.get("commands"):
        script = "\n".join(doc["commands"])
        out.append(f"<section><h2>Reproduce {copy_button(script, 'copy all')}</h2>")
        for c in doc["commands"]:
            out.append(f"<div><code>{e(c)}</code>{copy_button(c)}</div>")
        out.append("</section>")
    bad = [("rejected", r) for r in doc.get("rejected_examples", [])] + [("failed", r) for r in doc.get("failed_examples", [])]
    if bad:
        out.append("<section><h2>Rejected and failed trials</h2><ul>"
                   + "".join(f"<li>{k} trial {e(r.get('trial'))}: {e(r.get('reason'))}</li>" for k, r in bad) + "</ul></section>")
    return graphs + "".join(out)


def generic(doc: dict, graphs: str, extras) -> str:
    return graphs + f"<section><h2>Report</h2><pre class='mono'>{e(json.dumps(doc, indent=2, default=str))}</pre></section>"


SECTIONS = {"advise": advise, "estimate": estimate, "check": check, "inspect": inspect, "tune": tune}
