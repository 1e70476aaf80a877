/* dla-advisor HTML report: the layout graph (cytoscape.js + dagre), search, details and copy buttons.
 *
 * All user text (layer names, reasons, paths) arrives as JSON in application/json script blocks
 * and is put on the page with textContent only, never as markup.
 */
(function () {
  "use strict";

  var MIN_START_ZOOM = 0.45, MAX_START_ZOOM = 1.3;
  var COLORS = { DLA: "#2e8b57", GPU: "#d62728", IO: "#7f7f7f", REFORMAT: "#ff7f0e" };

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function fmtBytes(b) {
    if (!b) return "0 B";
    var units = ["B", "KiB", "MiB", "GiB"], i = 0;
    while (b >= 1024 && i < units.length - 1) { b /= 1024; i++; }
    return (i ? b.toFixed(1) : String(b)) + " " + units[i];
  }

  function shortLabel(name) {
    return name.length > 42 ? name.slice(0, 39) + "..." : name;
  }

  function isHttp(url) { return /^https?:\/\//i.test(url || ""); }

  function Graph(root, data) {
    this.root = root;
    this.data = data;
    this.layers = data.layers;   // [name, kind, device, segment|null, reasons, onnx_nodes]
    this.segments = data.segments; // [device, name, size, collapsible]
    this.collapsed = data.segments.map(function (s, i) { return data.collapsed.indexOf(i) >= 0; });
    this.details = root.querySelector(".dla-details");
    this.results = root.querySelector(".dla-results");
    this.count = root.querySelector(".dla-count");
    var self = this;
    this.cy = cytoscape({
      container: root.querySelector(".dla-cy"),
      elements: [],
      minZoom: 0.02,
      maxZoom: 4,
      style: this.style()
    });
    this.cy.on("tap", function (evt) {
      var t = evt.target;
      if (t === self.cy || !t.isNode || !t.isNode()) return;
      self.tap(t);
    });
    this.cy.on("mouseover", "node.layer", function (evt) { self.showLayer(evt.target.data("idx")); });
    this.cy.on("mouseover", "edge.reformat", function (evt) { self.showReformat(evt.target.data("rf")); });
    var input = root.querySelector(".dla-search");
    input.addEventListener("keydown", function (e) { if (e.key === "Enter") self.search(input.value, true); });
    input.addEventListener("input", function () { self.search(input.value, false); });
    root.querySelector(".dla-expand-all").addEventListener("click", function () { self.setAll(false); });
    root.querySelector(".dla-collapse-all").addEventListener("click", function () { self.setAll(true); });
    root.querySelector(".dla-fit").addEventListener("click", function () { self.cy.fit(undefined, 20); });
    this.rebuild();
  }

  Graph.prototype.style = function () {
    return [
      { selector: "node", style: {
        "label": "data(label)", "font-size": 10, "text-valign": "center", "text-halign": "center",
        "color": "#fff", "shape": "round-rectangle", "width": "data(w)", "height": 24,
        "text-wrap": "none", "min-zoomed-font-size": 5 } },
      { selector: "node.dla", style: { "background-color": COLORS.DLA } },
      { selector: "node.gpu", style: { "background-color": COLORS.GPU } },
      { selector: "node.io", style: { "background-color": COLORS.IO, "shape": "ellipse" } },
      { selector: "node.collapsed", style: { "height": 36, "border-width": 3, "border-style": "double",
        "border-color": "#222", "font-weight": "bold" } },
      { selector: "node.region", style: { "background-opacity": 0.12, "border-width": 2, "border-style": "dashed",
        "label": "data(label)", "text-valign": "top", "text-halign": "center", "color": "#222",
        "font-weight": "bold", "padding": 12 } },
      { selector: "node.region.dla", style: { "background-color": COLORS.DLA, "border-color": COLORS.DLA } },
      { selector: "node.region.gpu", style: { "background-color": COLORS.GPU, "border-color": COLORS.GPU } },
      { selector: "node:selected", style: { "border-width": 4, "border-color": "#1f4fd1", "border-style": "solid" } },
      { selector: "node.match", style: { "border-width": 4, "border-color": "#f2c200", "border-style": "solid" } },
      { selector: "edge", style: { "width": 1.5, "line-color": "#999", "target-arrow-color": "#999",
        "target-arrow-shape": "triangle", "curve-style": "bezier", "arrow-scale": 0.8 } },
      { selector: "edge.reformat", style: { "width": 3.5, "line-color": COLORS.REFORMAT, "line-style": "dashed",
        "target-arrow-color": COLORS.REFORMAT, "label": "data(label)", "font-size": 9, "color": "#8a4200",
        "text-background-color": "#fff", "text-background-opacity": 0.85, "text-background-padding": 2,
        "text-halign": "right", "text-margin-x": 34 } }
    ];
  };

  Graph.prototype.rep = function (i) {
    var s = this.layers[i][3];
    return (s !== null && this.collapsed[s]) ? "S" + s : "L" + i;
  };

  Graph.prototype.elements = function () {
    var self = this, els = [], seen = {};
    this.segments.forEach(function (s, i) {
      var dev = s[0].toLowerCase(), what = s[0] === "DLA" ? "DLA loadable" : "GPU layers";
      var title = (s[1] || what + " " + i) + " (" + s[2] + " layer" + (s[2] === 1 ? "" : "s") + ")";
      if (self.collapsed[i]) {
        var label = shortLabel(title) + "  [+]";
        els.push({ group: "nodes", data: { id: "S" + i, seg: i, label: label, w: Math.min(300, 7 * label.length + 24) },
                   classes: "collapsed " + dev });
      } else if (s[3]) {
        els.push({ group: "nodes", data: { id: "S" + i, seg: i, label: title + "  [-]", w: 10 }, classes: "region " + dev });
      }
    });
    this.layers.forEach(function (l, i) {
      var s = l[3];
      if (s !== null && self.collapsed[s]) return;
      var label = shortLabel(l[0]);
      var d = { id: "L" + i, idx: i, label: label, w: Math.min(300, 6.2 * label.length + 18) };
      if (s !== null && self.segments[s][3]) d.parent = "S" + s;
      els.push({ group: "nodes", data: d, classes: "layer " + l[2].toLowerCase() });
    });
    var rfKeys = {};
    this.data.reformats.forEach(function (r, k) {
      var src = r[0] >= 0 ? self.rep(r[0]) : null, dst = r[1] >= 0 ? self.rep(r[1]) : null;
      if (src === null && dst === null) return;
      if (src === null) { src = "I" + k; els.push(self.ioNode(src, "in: " + r[2])); }
      if (dst === null) { dst = "O" + k; els.push(self.ioNode(dst, "out: " + r[2])); }
      if (src === dst) return;
      rfKeys[src + ">" + dst] = true;
      els.push({ group: "edges", data: { id: "R" + k, source: src, target: dst, rf: k, label: fmtBytes(r[3]) },
                 classes: "reformat" });
    });
    this.data.edges.forEach(function (e) {
      var src = self.rep(e[0]), dst = self.rep(e[1]), key = src + ">" + dst;
      if (src === dst || seen[key] || rfKeys[key]) return;
      seen[key] = true;
      els.push({ group: "edges", data: { id: "E" + key, source: src, target: dst } });
    });
    return els;
  };

  Graph.prototype.ioNode = function (id, label) {
    return { group: "nodes", data: { id: id, label: shortLabel(label), w: Math.min(300, 6.2 * label.length + 18) },
             classes: "io" };
  };

  Graph.prototype.rebuild = function () {
    var cy = this.cy;
    cy.startBatch();
    cy.elements().remove();
    cy.add(this.elements());
    cy.endBatch();
    cy.layout({ name: "dagre", rankDir: "TB", nodeSep: 18, rankSep: 36, edgeSep: 8, animate: false, fit: true,
                padding: 20 }).run();
    // A deep network fitted whole is a thin unreadable line: start readable at the top instead
    // (the Fit button shows the whole graph).
    if (cy.zoom() < MIN_START_ZOOM && cy.nodes().length) {
      var bb = cy.elements().boundingBox();
      cy.zoom(MIN_START_ZOOM);
      cy.pan({ x: cy.width() / 2 - MIN_START_ZOOM * (bb.x1 + bb.x2) / 2, y: 20 - MIN_START_ZOOM * bb.y1 });
    }
    if (cy.zoom() > MAX_START_ZOOM) {
      cy.zoom(MAX_START_ZOOM);
      cy.center();
    }
    var shown = cy.nodes(".layer").length, col = cy.nodes(".collapsed").length;
    this.count.textContent = shown + " layer node(s) shown, " + col + " collapsed group(s)";
    this.root.setAttribute("data-rendered", String(cy.nodes().length));
  };

  Graph.prototype.setAll = function (collapse) {
    var self = this;
    this.segments.forEach(function (s, i) { if (s[3]) self.collapsed[i] = collapse; });
    this.rebuild();
  };

  Graph.prototype.tap = function (node) {
    if (node.hasClass("collapsed")) {
      this.collapsed[node.data("seg")] = false;
      this.rebuild();
      this.showSegment(node.data("seg"));
    } else if (node.hasClass("region")) {
      this.collapsed[node.data("seg")] = true;
      this.rebuild();
      this.showSegment(node.data("seg"));
    } else if (node.hasClass("layer")) {
      this.showLayer(node.data("idx"));
    }
  };

  Graph.prototype.clearDetails = function (heading) {
    while (this.details.firstChild) this.details.removeChild(this.details.firstChild);
    this.details.appendChild(el("h4", {}, heading));
  };

  Graph.prototype.row = function (label, value) {
    var p = el("p", {});
    p.appendChild(el("b", {}, label + ": "));
    p.appendChild(document.createTextNode(value));
    this.details.appendChild(p);
  };

  Graph.prototype.showLayer = function (i) {
    var l = this.layers[i];
    this.clearDetails(l[0]);
    this.details.setAttribute("data-layer", l[0]);
    this.row("device", l[2]);
    this.row("kind", l[1]);
    if (l[3] !== null) this.row("group", this.segments[l[3]][1] || ("segment " + l[3]));
    if (l[5].length) this.row("ONNX nodes", l[5].join(", "));
    var self = this;
    if (l[2] === "GPU") {
      if (!l[4].length) this.row("reason", "none recorded in this " + this.data.source_kind);
      l[4].forEach(function (r) {
        var box = el("div", { "class": "dla-reason" });
        box.appendChild(el("b", {}, r[0]));
        box.appendChild(el("span", {}, " " + r[1]));
        if (r[2]) box.appendChild(el("div", { "class": "dla-key" }, "constraint: " + r[2]));
        if (r[3]) {
          var src = el("div", { "class": "dla-key" }, "source: ");
          if (isHttp(r[3])) {
            var a = el("a", { href: r[3], target: "_blank", rel: "noopener noreferrer" }, r[3]);
            src.appendChild(a);
          } else {
            src.appendChild(document.createTextNode(r[3]));
          }
          box.appendChild(src);
        }
        self.details.appendChild(box);
      });
    }
  };

  Graph.prototype.showSegment = function (s) {
    var seg = this.segments[s];
    this.clearDetails(seg[1] || ("segment " + s));
    this.row("device", seg[0]);
    this.row("layers", String(seg[2]));
    this.row("state", this.collapsed[s] ? "collapsed: click it to expand" : "expanded: click its frame to collapse");
  };

  Graph.prototype.showReformat = function (k) {
    var r = this.data.reformats[k];
    this.clearDetails("Reformat of " + r[2]);
    this.row("where", r[4]);
    this.row("formats", r[5] + " -> " + r[6]);
    this.row("traffic per inference", fmtBytes(r[3]));
  };

  Graph.prototype.search = function (query, focus) {
    var q = (query || "").trim().toLowerCase(), hits = [], self = this;
    this.cy.nodes().removeClass("match");
    while (this.results.firstChild) this.results.removeChild(this.results.firstChild);
    if (!q) return;
    this.layers.forEach(function (l, i) {
      if (l[0].toLowerCase().indexOf(q) >= 0 || l[5].some(function (n) { return n.toLowerCase().indexOf(q) >= 0; })) {
        hits.push(i);
      }
    });
    this.results.appendChild(el("span", {}, hits.length + " match" + (hits.length === 1 ? "" : "es")));
    hits.slice(0, 30).forEach(function (i) {
      var b = el("button", { type: "button", "class": "dla-hit" }, shortLabel(self.layers[i][0]));
      b.addEventListener("click", function () { self.focus(i); });
      self.results.appendChild(b);
    });
    if (focus && hits.length) this.focus(hits[0]);
  };

  Graph.prototype.focus = function (i) {
    var s = this.layers[i][3];
    if (s !== null && this.collapsed[s]) {
      this.collapsed[s] = false;
      this.rebuild();
    }
    var n = this.cy.getElementById("L" + i);
    this.cy.nodes().unselect();
    n.select();
    n.addClass("match");
    this.cy.animate({ center: { eles: n }, zoom: Math.max(this.cy.zoom(), 1) }, { duration: 0 });
    this.showLayer(i);
  };

  function copyText(text, button) {
    function done(ok) {
      var old = button.getAttribute("data-label") || button.textContent;
      button.setAttribute("data-label", old);
      button.textContent = ok ? "copied" : "select and copy";
      setTimeout(function () { button.textContent = old; }, 1500);
    }
    function fallback() {
      var ta = el("textarea", {});
      ta.value = text;
      document.body.appendChild(ta);
      ta.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(ta);
      done(ok);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { done(true); }, fallback);
    } else {
      fallback();
    }
  }

  function init() {
    if (typeof cytoscape !== "undefined" && typeof cytoscapeDagre !== "undefined") {
      cytoscape.use(cytoscapeDagre);
    }
    window.dlaGraphs = [];
    document.querySelectorAll(".dla-graph").forEach(function (root) {
      var data = JSON.parse(document.getElementById(root.getAttribute("data-src")).textContent);
      window.dlaGraphs.push(new Graph(root, data));
    });
    document.querySelectorAll("button.dla-copy").forEach(function (b) {
      b.addEventListener("click", function () { copyText(b.getAttribute("data-copy"), b); });
    });
    document.body.setAttribute("data-ready", "1");
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
