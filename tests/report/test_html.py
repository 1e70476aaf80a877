"""The HTML page as text (no browser): self-contained, escaped, small, and carrying its licences.

What the page does once rendered is tested in test_html_browser.py.
"""

from __future__ import annotations

import json
import re

from dla_advisor.report.html import BIG_NETWORK, GraphInput, HtmlExtras, graph_payload, render_html, script_json
from support import REPO

NASTY = "</script><script>alert(1)</script> & \"q\" 'a' {ForeignNode[Conv_1...Relu_9]}"


def _layout(names: list[str], devices: list[str]) -> dict:
    layers = [{"name": n, "kind": "Convolution", "device": d, "onnx_nodes": [n],
               "reasons": [] if d == "DLA" else [{"id": "unsupported-layer", "message": f"{n} <unsupported>",
                                                   "platform_key": "orin-trt10.yaml:layers", "source": "javascript:alert(1)"}]}
              for n, d in zip(names, devices)]
    segments = []
    for layer in layers:
        if not segments or segments[-1]["device"] != layer["device"]:
            segments.append({"index": len(segments), "device": layer["device"], "layers": [], "name": ""})
        segments[-1]["layers"].append(layer["name"])
    return {"source": "predicted", "platform": "orin-trt10", "summary": {"layers": len(layers)}, "layers": layers,
            "segments": segments, "notes": [], "reformats": [],
            "loadables": [{"name": "", "first": s["layers"][0], "last": s["layers"][-1], "layers": s["layers"]}
                          for s in segments if s["device"] == "DLA"]}


def _page(layout: dict, edges=None, **doc) -> str:
    return render_html({"command": "advise", "model": NASTY, "layout": layout, **doc},
                       HtmlExtras(graphs=(GraphInput(NASTY, layout, edges),)))


def test_user_text_is_escaped_in_markup_and_cannot_close_the_data_block():
    layout = _layout([NASTY, "b", "c"], ["GPU", "DLA", "DLA"])
    html = _page(layout, findings=[{"rule_id": "DLA1", "severity": "warning", "message": NASTY, "layers": [NASTY],
                                    "fixes": [{"summary": NASTY, "trtexec_flags": [f"--x={NASTY}"]}]}])
    # Only the page's own script elements: no name opened or closed one.
    assert html.count("<script") == html.count("</script>")
    assert "alert(1)</script>" not in html
    assert "&lt;/script&gt;&lt;script&gt;alert(1)" in html
    # A javascript: source is shown as text, never made a link.
    assert 'href="javascript:' not in html
    # The JSON block parses back to the very same names.
    block = re.search(r'<script type="application/json" id="dla-graph-data-0">(.*?)</script>', html, re.S).group(1)
    assert json.loads(block)["layers"][0][0] == NASTY


def test_script_json_escapes_markup_characters():
    text = script_json({"a": "</script>&<!--"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"a": "</script>&<!--"}


def test_the_page_fetches_nothing_and_inlines_the_libraries_with_their_licences():
    html = _page(_layout(["a", "b"], ["DLA", "GPU"]))
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", html)
    assert "default-src 'none'" in html  # CSP: the browser itself refuses any fetch
    assert "cytoscape" in html and "Permission is hereby granted" in html
    for lic in ("cytoscape.LICENSE", "cytoscape-dagre.LICENSE", "dagrejs-dagre.LICENSE", "dagrejs-graphlib.LICENSE"):
        assert f"--- {lic} ---" in html


def test_vendored_assets_are_package_data_with_licences():
    setup = (REPO / "setup.py").read_text()
    assert "html_assets/*.js" in setup and "html_assets/licenses/*.LICENSE" in setup
    assets = REPO / "dla_advisor" / "report" / "html_assets"
    assert {p.name for p in (assets / "licenses").iterdir()} >= {"cytoscape.LICENSE", "cytoscape-dagre.LICENSE"}
    assert "3.35.0" in (assets / "VENDORED.md").read_text()


def test_small_networks_start_expanded_and_big_ones_collapsed():
    small = graph_payload(GraphInput("s", _layout([f"l{i}" for i in range(10)], ["DLA"] * 5 + ["GPU"] + ["DLA"] * 4)))
    assert small["collapsed"] == [] and [s[0] for s in small["segments"]] == ["DLA", "GPU", "DLA"]
    n = BIG_NETWORK + 100
    big = graph_payload(GraphInput("b", _layout([f"l{i}" for i in range(n)], ["DLA"] * 200 + ["GPU"] + ["DLA"] * (n - 201))))
    assert big["collapsed"] == [0, 2]  # both loadables; the single GPU layer stays a node
    assert big["edges"] == [[i, i + 1] for i in range(n - 1)]  # no edges given: listed order, and said so
    assert big["edge_source"].startswith("the order the artifact lists")


def test_edges_and_reformats_are_by_layer_index():
    layout = _layout(["a", "b", "c"], ["DLA", "GPU", "DLA"])
    layout["reformats"] = [{"tensor": "t", "location": "dla_to_gpu", "from_format": "fp16:chw16", "to_format": "fp32:chw",
                            "bytes": 10, "producer": "a", "consumer": "b"},
                           {"tensor": "in", "location": "network_input", "from_format": "fp32:chw",
                            "to_format": "fp16:chw16", "bytes": 5, "producer": "", "consumer": "a"}]
    p = graph_payload(GraphInput("g", layout, (("a", "b"), ("b", "c"), ("a", "c"), ("x", "a"))))
    assert p["edges"] == [[0, 1], [1, 2], [0, 2]]  # an edge to an unknown layer is dropped
    assert [r[:4] for r in p["reformats"]] == [[0, 1, "t", 10], [-1, 0, "in", 5]]


def test_a_5000_layer_page_stays_under_5_mb():
    n = 5000
    names = [f"/model.{i // 100}/block/conv{i}/Conv_output_0 + /model/act{i}/Relu" for i in range(n)]
    devices = ["GPU" if i % 300 == 299 or i > 4600 else "DLA" for i in range(n)]
    layout = _layout(names, devices)
    html = _page(layout, [(names[i], names[i + 1]) for i in range(n - 1)])
    assert len(html.encode()) < 5 * 2**20


def test_every_command_has_its_own_sections():
    est = {"engines": [{"name": "dla0", "device": "dla0", "gpu_busy_ms": 0.5, "dla_busy_ms": 2.0, "images_per_s": 400}],
           "total_images_per_s": 400, "provenance": {"label": "modelled (x)"}}
    html = render_html({"command": "estimate", "model": "m.onnx", "plan": "dla0", "device": "d", "power_mode": "MAXN",
                        "estimate": est})
    assert "GPU vs DLA time" in html and "<svg" in html and "modelled (x)" in html
    tune = {"command": "tune", "models": ["m.onnx"], "objective": "both", "trials": {"total": 3},
            "best": {"trial": 2, "summary": "GPU x1", "total_images_per_s": 10.0, "makespan_ms": 2.0},
            "pareto_front": [{"trial": 2, "summary": "GPU x1", "total_images_per_s": 10.0, "makespan_ms": 2.0},
                             {"trial": 1, "summary": "DLA0", "total_images_per_s": 5.0, "makespan_ms": 1.0}],
            "commands": ["trtexec --onnx=m.onnx"]}
    html = render_html(tune, HtmlExtras(history=((0, 4.0, 3.0), (1, 5.0, 1.0), (2, 10.0, 2.0))))
    assert "Pareto front: 2 plan(s)" in html and "History" in html
    assert 'data-copy="trtexec --onnx=m.onnx"' in html
