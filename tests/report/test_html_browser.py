"""The HTML report in a real browser: headless Chromium (Debian's, driven by Playwright).

Every page is opened from a file with all requests intercepted: anything beyond the file itself is
recorded and refused, so "fetches nothing" is a measurement, not a promise. Screenshots go to
``$DLA_ADVISOR_SCREENSHOTS`` when set, else to pytest's temporary folder (the path is printed).
"""

from __future__ import annotations

import base64
import os
import shutil
from pathlib import Path

import pytest

import dla_advisor
from dla_advisor.report.html import GraphInput, HtmlExtras, render_html

# Headless Chromium renders each page (seconds per test): CI runs them, the inner loop does not.
pytestmark = [pytest.mark.browser, pytest.mark.slow]
from support import CORPUS, SEED_MODEL, load_script
MAX_BYTES = 5 * 2**20


def _chromium() -> str | None:
    for path in (os.environ.get("DLA_ADVISOR_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if path and Path(path).is_file():
            return path
    return shutil.which("chromium")


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed: pip install '.[test]'")
    exe = _chromium()
    if exe is None:
        pytest.skip("no chromium: apt-get install -y chromium (see .ci/chromium.sh)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    out = Path(os.environ.get("DLA_ADVISOR_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    out.mkdir(parents=True, exist_ok=True)
    print(f"screenshots in {out}")
    return out


class Page:
    """One report opened in Chromium, with its console messages and every request it tried."""

    def __init__(self, browser, path: Path):
        self.page = browser.new_page(viewport={"width": 1400, "height": 1000})
        self.console, self.requests = [], []
        self.page.on("console", lambda m: self.console.append((m.type, m.text)))
        self.page.on("pageerror", lambda err: self.console.append(("pageerror", str(err))))
        url = path.resolve().as_uri()

        def route(r):
            self.requests.append(r.request.url)
            return r.continue_() if r.request.url == url else r.abort()

        self.page.route("**/*", route)
        self.page.goto(url)
        self.page.wait_for_selector("body[data-ready='1']", timeout=60_000)

    def errors(self):
        return [m for m in self.console if m[0] in ("error", "pageerror")]

    def js(self, code: str, arg=None):
        return self.page.evaluate(code, arg)

    def click_node(self, node_id: str, graph: int = 0) -> None:
        """A real mouse click where the graph draws the node."""
        box = self.page.locator(".dla-cy").nth(graph).bounding_box()
        pos = self.js("([g, id]) => { const n = window.dlaGraphs[g].cy.getElementById(id);"
                      " n.cy().center(n); return n.renderedPosition(); }", [graph, node_id])
        self.page.mouse.click(box["x"] + pos["x"], box["y"] + pos["y"])

    def graph_variance(self, shot: Path, graph: int = 0) -> float:
        """Pixel variance of the graph's own screenshot, decoded by the browser (no imaging library)."""
        png = self.page.locator(".dla-cy").nth(graph).screenshot(path=str(shot))
        return self.js("""async (b64) => {
            const img = new Image(); img.src = 'data:image/png;base64,' + b64; await img.decode();
            const c = document.createElement('canvas'); c.width = img.width; c.height = img.height;
            const ctx = c.getContext('2d'); ctx.drawImage(img, 0, 0);
            const d = ctx.getImageData(0, 0, c.width, c.height).data; let s = 0, s2 = 0, n = 0;
            for (let i = 0; i < d.length; i += 4) { const v = (d[i] + d[i+1] + d[i+2]) / 3; s += v; s2 += v * v; n++; }
            const m = s / n; return s2 / n - m * m; }""", base64.b64encode(png).decode())


def _open(browser, tmp_path, name: str, html: str) -> Page:
    path = tmp_path / f"{name}.html"
    path.write_text(html, encoding="utf-8")
    return Page(browser, path)


@pytest.fixture(scope="module")
def perf_models(tmp_path_factory) -> Path:
    import onnx

    out = tmp_path_factory.mktemp("html_models")
    for script, names in (("make_models", ("cifar_gn",)), ("make_perf_models", ("resnet50",))):
        mod = load_script(f"models/{script}.py", script)
        for name in names:
            onnx.save(mod.MODELS[name](), str(out / f"{name}.onnx"))
    return out


@pytest.fixture(scope="module")
def advised(perf_models):
    """advise(model, precision="int8") per model name, computed once for the module."""
    cache = {}

    def get(name: str):
        if name not in cache:
            path = SEED_MODEL if name == "seed" else perf_models / f"{name}.onnx"
            cache[name] = dla_advisor.advise(path, precision="int8")
        return cache[name]
    return get


@pytest.mark.parametrize("name", ["seed", "cifar_gn", "resnet50"])
def test_advise_report_renders_offline_and_names_every_loadable_and_gpu_layer(browser, tmp_path, shots, advised, name):
    result = advised(name)
    html = result.to_html()
    assert len(html.encode()) < MAX_BYTES
    page = _open(browser, tmp_path, name, html)
    assert page.requests == [(tmp_path / f"{name}.html").resolve().as_uri()], page.requests
    assert page.errors() == []
    # The graph drew every layer (small networks start expanded) plus the network I/O of the Reformats.
    drawn = page.js("() => window.dlaGraphs[0].cy.nodes('.layer').length")
    assert drawn == len(result.layout.placements)
    text = page.js("() => document.body.innerText")
    doc = result.to_dict()["layout"]
    for k, ld in enumerate(doc["loadables"]):
        assert (ld["name"] or f"DLA loadable {k}") in text
    for p in result.layout.gpu_layers:
        assert p.name in text
    assert page.graph_variance(shots / f"advise_{name}.png") > 20
    page.page.screenshot(path=str(shots / f"advise_{name}_page.png"))


def test_clicking_a_gpu_layer_shows_its_reason_and_source(browser, tmp_path, advised):
    result = advised("cifar_gn")
    gpu = next(p for p in result.layout.gpu_layers if p.reasons)
    index = [p.name for p in result.layout.placements].index(gpu.name)
    page = _open(browser, tmp_path, "click", result.to_html())
    other = next(i for i, p in enumerate(result.layout.placements) if p.device == "DLA")
    page.click_node(f"L{other}")
    assert page.page.locator(".dla-details").get_attribute("data-layer") == result.layout.placements[other].name
    page.click_node(f"L{index}")
    details = page.page.locator(".dla-details")
    assert details.get_attribute("data-layer") == gpu.name
    assert gpu.reasons[0].id in details.inner_text()
    if gpu.reasons[0].source.startswith("http"):
        assert details.locator("a").first.get_attribute("href") == gpu.reasons[0].source
    assert page.errors() == []


def test_the_search_box_finds_a_layer_by_name(browser, tmp_path, advised):
    result = advised("resnet50")
    target = result.layout.placements[len(result.layout.placements) // 2].name
    page = _open(browser, tmp_path, "search", result.to_html())
    page.page.fill(".dla-search", target)
    page.page.press(".dla-search", "Enter")
    assert page.page.locator(".dla-details").get_attribute("data-layer") == target
    selected = page.js("() => window.dlaGraphs[0].cy.$('node:selected').map(n => n.data('idx'))")
    assert selected == [[p.name for p in result.layout.placements].index(target)]
    assert "match" in page.page.locator(".dla-results").inner_text()


def _big_layout(n: int = 5000) -> tuple[dict, tuple[tuple[str, str], ...]]:
    """5,000 layers: 15 DLA loadables of 309 layers split by single GPU layers, then a GPU tail.

    Layer names carry markup and quote characters to prove they are escaped everywhere.
    """
    layers, segments = [], []
    for i in range(n):
        block = i // 310
        dev = "DLA" if block < 15 and i % 310 != 309 else "GPU"
        name = f"blk{block}/n{i} <b>&\"'{{ForeignNode[x]}}</script>"
        reasons = [] if dev == "DLA" else [{"id": "unsupported-layer", "message": "no <DLA> support",
                                              "platform_key": "orin-trt10.yaml:layers", "source": "https://example.invalid/doc"}]
        layers.append({"name": name, "kind": "Convolution", "device": dev, "reasons": reasons, "onnx_nodes": [f"onnx_{i}"]})
        if not segments or segments[-1]["device"] != dev:
            segments.append({"index": len(segments), "device": dev, "layers": [], "name": ""})
        segments[-1]["layers"].append(name)
    loadables = [{"index": s["index"], "name": "", "first": s["layers"][0], "last": s["layers"][-1], "layers": s["layers"]}
                 for s in segments if s["device"] == "DLA"]
    layout = {"source": "predicted", "platform": "orin-trt10", "summary": {"layers": n}, "layers": layers,
              "segments": segments, "loadables": loadables, "notes": [],
              "reformats": [{"tensor": "t", "location": "dla_to_gpu", "from_format": "fp16:chw16", "to_format": "fp32:chw",
                             "bytes": 4096, "device": "GPU", "producer": layers[308]["name"], "consumer": layers[309]["name"]}]}
    edges = tuple((layers[i]["name"], layers[i + 1]["name"]) for i in range(n - 1))
    return layout, edges


def test_a_5000_layer_network_collapses_loadables_expands_on_click_and_searches(browser, tmp_path, shots):
    layout, edges = _big_layout()
    html = render_html({"command": "advise", "model": "big.onnx", "layout": layout},
                       HtmlExtras(graphs=(GraphInput("big", layout, edges),)))
    assert len(html.encode()) < MAX_BYTES
    page = _open(browser, tmp_path, "big", html)
    assert page.errors() == []
    collapsed = page.js("() => window.dlaGraphs[0].cy.nodes('.collapsed').length")
    assert collapsed >= 15  # every loadable is one node
    before = page.js("() => window.dlaGraphs[0].cy.nodes('.layer').length")
    assert before < 200
    page.click_node("S2")  # the third segment is the second DLA loadable
    after = page.js("() => window.dlaGraphs[0].cy.nodes('.layer').length")
    assert after == before + 309
    # A layer inside a still-collapsed loadable: the search expands its group and selects it.
    target = layout["layers"][4000 - 4000 % 310 + 5]["name"]
    page.page.fill(".dla-search", target)
    page.page.press(".dla-search", "Enter")
    assert page.page.locator(".dla-details").get_attribute("data-layer") == target
    assert page.graph_variance(shots / "advise_5000_layers.png") > 20


def test_inspect_with_model_shows_both_graphs_and_the_comparison(browser, tmp_path, shots, perf_models):
    log = CORPUS / "trtexec_orin_trt8.4_cifar_model_gn_dla_placement_excerpt.log"
    result = dla_advisor.inspect([log], model=perf_models / "cifar_gn.onnx", precision="int8")
    page = _open(browser, tmp_path, "inspect", result.to_html())
    assert page.errors() == []
    assert page.js("() => window.dlaGraphs.length") == 2
    text = page.js("() => document.body.innerText")
    assert "Predicted vs measured" in text
    for p in result.layout.placements:  # the measured names, {ForeignNode[...]} included
        assert p.name in text
    page.page.screenshot(path=str(shots / "inspect_cifar_gn.png"), full_page=True)


def _tune_page() -> str:
    """A tune report as the command writes it, without running a search (tests/test_api.py runs one)."""
    plan = {"summary": "GPU x1 int8 + DLA0 int8", "total_images_per_s": 900.0, "makespan_ms": 4.0,
            "provenance": {"label": "modelled (orin-agx-64gb-maxn)"}}
    doc = {"command": "tune", "models": ["m.onnx"], "objective": "both", "study": "s", "storage": "sqlite:///s.db",
           "backend": {"name": "sim"}, "trials": {"total": 5, "this_run": 5}, "best": {"trial": 3, **plan},
           "pareto_front": [{"trial": 3, **plan}, {"trial": 1, **plan, "total_images_per_s": 500.0, "makespan_ms": 2.0}],
           "reference": plan, "commands": ["trtexec --onnx=m.onnx --int8 --useDLACore=0", "wait"],
           "rejected_examples": [{"trial": 2, "reason": "no engine <for> m"}], "failed_examples": []}
    history = ((0, 300.0, 5.0), (1, 500.0, 2.0), (3, 900.0, 4.0), (4, 700.0, 6.0))
    return render_html(doc, HtmlExtras(history=history))


def test_estimate_check_and_tune_pages_render_without_errors(browser, tmp_path, shots):
    seed = SEED_MODEL
    pages = {
        "estimate": dla_advisor.estimate(seed, "gpu,dla0,dla1").to_html(),
        "check": dla_advisor.check([seed]).to_html(),
        "tune": _tune_page(),
    }
    for name, html in pages.items():
        page = _open(browser, tmp_path, name, html)
        assert page.errors() == [], name
        assert len(page.requests) == 1, page.requests
        text = page.js("() => document.body.innerText")
        assert f"dla-advisor {name}" in text
        page.page.screenshot(path=str(shots / f"{name}_seed.png"), full_page=True)
    # tune: the Pareto front over the trials, and the history with the best so far.
    assert page.page.locator("svg.chart").count() == 2
    assert page.page.locator("svg.chart circle").count() >= 4 + 2
    assert "Pareto front: 2 plan(s)" in text
    # The copy button works on a file:// page (clipboard API or its fallback), without console errors.
    page.page.locator("button.dla-copy").first.click()
    # The label changes when the clipboard promise settles, which a loaded machine can delay.
    page.page.wait_for_function(
        "() => ['copied', 'select and copy'].includes(document.querySelector('button.dla-copy').textContent)",
        timeout=15000)
    assert page.errors() == []
