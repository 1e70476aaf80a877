"""The HTML report: one self-contained page (scripts, styles and licences inlined; nothing fetched).

A Jetson is often offline, so the page carries the graph libraries it needs (cytoscape.js with the
dagre layered layout, vendored under ``html_assets/``) and a Content-Security-Policy that forbids
every network fetch. Input is the command's JSON document (the same dict ``--format json`` prints)
plus what that document does not carry: the network's edges for the graph and tune's trial history.

User text (layer names with ``<``, ``&``, quotes, ``{ForeignNode[...]}``) is escaped in the markup
and reaches the script only as JSON inside ``<script type="application/json">``, with ``<``, ``>``
and ``&`` written as ``\\u`` escapes so no name can close the block.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape
from importlib import resources
from typing import Any

from .._version import __version__
from . import _html_sections as sec

# A network this large starts with its groups collapsed: dagre on thousands of nodes takes seconds.
BIG_NETWORK = 400
# In a big network, a GPU run longer than this is a collapsible group too.
GPU_GROUP = 60
_SCRIPTS = ("cytoscape.min.js", "cytoscape-dagre.min.js", "report.js")
_LICENSES = ("cytoscape.LICENSE", "cytoscape-dagre.LICENSE", "dagrejs-dagre.LICENSE", "dagrejs-graphlib.LICENSE")
_CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; "
        "connect-src 'none'; font-src 'none'; form-action 'none'; base-uri 'none'")


@dataclass(frozen=True)
class GraphInput:
    """One layout to draw: the layout's ``to_dict()``, and its edges as (producer, consumer) layer names.

    ``edges=None`` means the connectivity is unknown (a TensorRT artifact lists layers in engine
    order only); the graph then joins consecutive layers and says so.
    """

    title: str
    layout: dict[str, Any]
    edges: tuple[tuple[str, str], ...] | None = None


def network_edges(network) -> tuple[tuple[str, str], ...]:
    """(producer, consumer) layer-name pairs of a Network, for the graph."""
    if network is None:
        return ()
    producer = {t: layer.name for layer in network for t in layer.outputs}
    seen: dict[tuple[str, str], None] = {}
    for layer in network:
        for t in layer.inputs:
            if t in producer and producer[t] != layer.name:
                seen[(producer[t], layer.name)] = None
    return tuple(seen)


def graph_input(title: str, layout, network=None) -> GraphInput:
    """The graph of an EngineLayout, with the network's edges when the network is known."""
    return GraphInput(title, layout.to_dict(), network_edges(network) if network is not None else None)


def check_graphs(layouts) -> tuple[GraphInput, ...]:
    """``check``'s graphs: input path -> (EngineLayout, Network or None), one graph per input."""
    return tuple(graph_input(f"{path} ({layout.source})", layout, net) for path, (layout, net) in layouts.items())


@dataclass(frozen=True)
class HtmlExtras:
    """What the HTML page shows beyond the JSON document."""

    graphs: tuple[GraphInput, ...] = ()
    history: tuple[tuple[int, float | None, float | None], ...] = ()  # (trial, images/s, makespan ms)
    notes: tuple[str, ...] = field(default_factory=tuple)


@lru_cache(maxsize=None)
def _asset(name: str) -> str:
    base = resources.files("dla_advisor.report").joinpath("html_assets")
    path = base.joinpath("licenses", name) if name.endswith(".LICENSE") else base.joinpath(name)
    text = path.read_text(encoding="utf-8")
    # The source-map comment would make a browser's developer tools fetch a file the page lacks.
    return re.sub(r"^//# sourceMappingURL=.*$", "", text, flags=re.M) if name.endswith(".js") else text


def script_json(data: Any) -> str:
    """JSON that is safe inside a <script> element whatever the strings contain."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, default=str, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def graph_payload(g: GraphInput) -> dict[str, Any]:
    """The compact graph data report.js reads: layers, groups, edges and Reformats by layer index."""
    layout = g.layout
    layers = layout.get("layers", [])
    index = {p["name"]: i for i, p in enumerate(layers)}
    seg_of: dict[int, int] = {}
    segments, collapsed = [], []
    big = len(layers) > BIG_NETWORK
    dla_n = gpu_n = 0
    for k, s in enumerate(layout.get("segments", [])):
        members = [index[n] for n in s.get("layers", []) if n in index]
        for i in members:
            seg_of[i] = k
        if s["device"] == "DLA":
            name = s.get("name") or f"DLA loadable {dla_n}"
            dla_n += 1
            collapsible = True
        else:
            name = s.get("name") or f"GPU layers {gpu_n}"
            gpu_n += 1
            collapsible = big and len(members) > GPU_GROUP
        segments.append([s["device"], name, len(members), collapsible])
        if big and collapsible:
            collapsed.append(k)
    rows = []
    for i, p in enumerate(layers):
        reasons = [[r.get("id", ""), r.get("message", ""), r.get("platform_key", ""), r.get("source", "")]
                   for r in (p.get("reasons") or [])] if p["device"] != "DLA" else []
        rows.append([p["name"], p.get("kind", ""), p["device"], seg_of.get(i), reasons, list(p.get("onnx_nodes") or [])])
    if g.edges is None:
        edges = [[i, i + 1] for i in range(len(layers) - 1)]
        edge_source = "the order the artifact lists layers in (it records no connections)"
    else:
        edges = [[index[a], index[b]] for a, b in g.edges if a in index and b in index]
        edge_source = "network"
    reformats = [[index.get(r.get("producer") or "", -1), index.get(r.get("consumer") or "", -1), r.get("tensor", ""),
                  r.get("bytes") or 0, r.get("location", ""), r.get("from_format", ""), r.get("to_format", "")]
                 for r in layout.get("reformats", [])]
    return {"title": g.title, "layers": rows, "segments": segments, "collapsed": collapsed, "edges": edges,
            "edge_source": edge_source, "reformats": reformats,
            "source_kind": "prediction" if layout.get("source") == "predicted" else "artifact"}


def _graph_section(k: int, g: GraphInput) -> tuple[str, str]:
    payload = graph_payload(g)
    data_id = f"dla-graph-data-{k}"
    big = len(payload["layers"]) > BIG_NETWORK
    markup = f"""
<section class="dla-graph" id="graph-{k}" data-src="{data_id}">
<h2>Layout graph: {escape(g.title)}</h2>
<div class="legend"><span class="badge dla">DLA</span><span class="badge gpu">GPU</span>
<span class="badge rf">Reformat (dashed edge, bytes per inference)</span>
<span class="note">Click a layer for its device and, on the GPU, the reason and the constraint's source.
A DLA loadable is a framed group: click its frame to collapse it, click a collapsed group to expand it.
Edges: {escape(payload['edge_source'])}.{' Large network: groups start collapsed.' if big else ''}</span></div>
<div class="dla-toolbar"><input class="dla-search" type="search" placeholder="Find a layer or ONNX node by name (Enter)"
 aria-label="search layers"><button type="button" class="dla-expand-all">Expand all</button>
<button type="button" class="dla-collapse-all">Collapse all</button><button type="button" class="dla-fit">Fit</button>
<span class="dla-count note"></span></div>
<div class="dla-results"></div>
<div class="dla-body"><div class="dla-cy"></div><div class="dla-details"><h4>Details</h4>
<p class="note">Hover or click a layer, a group or a Reformat edge.</p></div></div>
</section>"""
    return markup, f'<script type="application/json" id="{data_id}">{script_json(payload)}</script>'


def render_html(doc: dict[str, Any], extras: HtmlExtras | None = None) -> str:
    """The whole page for one command's document."""
    extras = extras or HtmlExtras()
    command = doc.get("command", "")
    title, subtitle = sec.heading(doc)
    graphs, data_blocks = [], []
    for k, g in enumerate(extras.graphs):
        markup, data = _graph_section(k, g)
        graphs.append(markup)
        data_blocks.append(data)
    body = sec.SECTIONS.get(command, sec.generic)(doc, "".join(graphs), extras)
    if extras.notes:
        body += "<section><h2>Notes</h2><ul>" + "".join(f"<li>{escape(n)}</li>" for n in extras.notes) + "</ul></section>"
    scripts = "".join(f"<script>\n{_asset(name)}\n</script>\n" for name in _SCRIPTS) if extras.graphs else ""
    copy_script = "" if extras.graphs else f"<script>\n{_asset('report.js')}\n</script>\n"
    licenses = "\n\n".join(f"--- {name} ---\n{_asset(name)}" for name in _LICENSES) if extras.graphs else ""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>
{_asset('report.css')}
</style>
</head>
<body>
<header><h1>{escape(title)}</h1><div class="sub">{escape(subtitle)}</div></header>
<main>
{body}
<section><h2>About this page</h2><p class="note">Written by dla-advisor {escape(__version__)}
for <code>{escape(command)}</code>; self-contained, it fetches nothing. The graph is drawn with cytoscape.js and
the dagre layout (MIT licences below).</p>
{f'<details><summary>Licences of the inlined libraries</summary><pre class="mono">{escape(licenses)}</pre></details>' if licenses else ''}
</section>
</main>
{''.join(data_blocks)}
{scripts}{copy_script}</body>
</html>
"""
