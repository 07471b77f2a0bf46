/* journeylang report page script.
 *
 * Consumes: the JSON in the report-data script element (journeylang/report/page.py's
 * build_data) and the inlined vendored libraries: dagre (graph layout) and Chart.js.
 * Produces: each journey's graph as an inline SVG laid out by dagre (nodes labelled as in
 * the source, with their counts; edges with instances and share), the node details panel
 * (counts, sends, exits, example profiles with their timelines), and the charts.
 * Guarantees: fetches nothing; draws from the data alone; sets
 * document.body.dataset.ready = "1" once everything is drawn.
 */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var NS = "http://www.w3.org/2000/svg"; // the SVG namespace name, never fetched
  var MONO = "12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace";
  var SANS = "600 12px system-ui, sans-serif";
  var SMALL = "11px system-ui, sans-serif";
  var measure = document.createElement("canvas").getContext("2d");
  var journeys = {};
  data.journeys.forEach(function (j) { journeys[j.name] = j; });

  function width(text, font) { measure.font = font; return measure.measureText(text).width; }
  function sum(obj) { return Object.keys(obj || {}).reduce(function (a, k) { return a + obj[k]; }, 0); }
  function pct(x) { return (x * 100).toFixed(x > 0 && x < 0.1 ? 1 : 0) + "%"; }
  function el(tag, attrs, parent, text) {
    var node = document.createElementNS(NS, tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }
  function html(tag, attrs, parent, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }
  function wrap(text, max) {
    var lines = [], line = "";
    text.split(" ").forEach(function (word) {
      if (line && (line + " " + word).length > max) { lines.push(line); line = word; }
      else line = line ? line + " " + word : word;
    });
    if (line) lines.push(line);
    return lines.length ? lines : [""];
  }

  function countLine(journey, node) {
    if (node.kind === "entry") return node.visits + " entered · " + sum(node.refusals) + " refused";
    if (node.kind === "exit") return sum(node.exits) + " exited";
    var text = node.visits + (node.visits === 1 ? " visit" : " visits");
    if (node.instances !== node.visits) text += " · " + node.instances + " instances";
    return text;
  }
  function subLines(node) {
    var out = [];
    if (node.kind === "entry" && sum(node.refusals)) {
      out.push("refused: " + Object.keys(node.refusals).map(function (k) { return k + " " + node.refusals[k]; }).join(", "));
    }
    if (node.kind === "send" || node.kind === "audience") {
      var parts = Object.keys(node.sends).map(function (k) { return k + " " + node.sends[k]; });
      Object.keys(node.deferred).forEach(function (k) { parts.push("deferred (" + k + ") " + node.deferred[k]); });
      if (parts.length) out.push(parts.join(" · "));
    } else if (node.kind !== "exit" && sum(node.exits)) {
      out.push("exited here: " + Object.keys(node.exits).map(function (k) { return k + " " + node.exits[k]; }).join(", "));
    }
    if (node.waiting) out.push(node.waiting + " still here at the end");
    return out;
  }
  function edgeText(edge) {
    return (edge.label ? edge.label + ": " : "") + edge.count + " (" + pct(edge.share) + ")";
  }

  function drawFlow(journey, box) {
    var g = new dagre.graphlib.Graph();
    g.setGraph({ rankdir: "TB", nodesep: 30, ranksep: 34, edgesep: 14, marginx: 16, marginy: 16 });
    g.setDefaultEdgeLabel(function () { return {}; });
    journey.nodes.forEach(function (node) {
      if (node.kind === "join") { g.setNode(node.id, { width: 12, height: 12, node: node }); return; }
      var lines = wrap(node.label, 46), subs = subLines(node), count = countLine(journey, node);
      var w = Math.max.apply(null, lines.map(function (l) { return width(l, MONO); })
        .concat([width(count, SANS)], subs.map(function (s) { return width(s, SMALL); }))) + 28;
      if (node.kind === "condition" || node.kind === "split") w += 36;
      g.setNode(node.id, { width: Math.ceil(w), height: 16 * lines.length + 16 * subs.length + 30,
        lines: lines, subs: subs, count: count, node: node });
    });
    journey.edges.forEach(function (edge) {
      var text = edgeText(edge);
      g.setEdge(edge.source, edge.target, { width: Math.ceil(width(text, SMALL)) + 8, height: 14,
        labelpos: "c", text: text, edge: edge });
    });
    dagre.layout(g);
    var size = g.graph();
    var svg = el("svg", { width: Math.ceil(size.width), height: Math.ceil(size.height), role: "img",
      viewBox: "0 0 " + Math.ceil(size.width) + " " + Math.ceil(size.height),
      "aria-label": "journey " + journey.name, "class": "flow-graph" });
    var defs = el("defs", {}, svg);
    var marker = el("marker", { id: "arrow-" + journey.name, viewBox: "0 0 10 10", refX: 9, refY: 5,
      markerWidth: 9, markerHeight: 9, markerUnits: "userSpaceOnUse", orient: "auto-start-reverse" }, defs);
    el("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: "#7b8598" }, marker);
    g.edges().forEach(function (e) {
      var info = g.edge(e), pts = info.points, d = "M " + pts[0].x + " " + pts[0].y;
      for (var i = 1; i < pts.length - 1; i++) {
        var mx = (pts[i].x + pts[i + 1].x) / 2, my = (pts[i].y + pts[i + 1].y) / 2;
        d += " Q " + pts[i].x + " " + pts[i].y + " " + (i === pts.length - 2 ? pts[i + 1].x : mx) + " " +
          (i === pts.length - 2 ? pts[i + 1].y : my);
      }
      if (pts.length === 2) d += " L " + pts[1].x + " " + pts[1].y;
      el("path", { d: d, "class": "edge" + (info.edge.count ? "" : " zero"), "marker-end": "url(#arrow-" + journey.name + ")",
        "stroke-width": (1.2 + 4 * info.edge.share).toFixed(2), "data-source": e.v, "data-target": e.w,
        "data-count": info.edge.count }, svg);
      el("text", { x: info.x, y: info.y + 4, "text-anchor": "middle", "class": "edge-label",
        "data-source": e.v, "data-target": e.w }, svg, info.text);
    });
    g.nodes().forEach(function (id) {
      var info = g.node(id), node = info.node, x = info.x - info.width / 2, y = info.y - info.height / 2;
      var group = el("g", { "class": "node " + node.kind + (node.visits ? "" : " zero"), "data-node": id,
        "data-visits": node.visits, "data-instances": node.instances, tabindex: 0 }, svg);
      el("title", {}, group, id + " " + (node.label || "join") + " — line " + node.line + ": " + node.visits + " visits");
      if (node.kind === "join") { el("circle", { cx: info.x, cy: info.y, r: 5 }, group); }
      else {
        if (node.kind === "condition" || node.kind === "split") {
          var c = 16, r = x + info.width, b = y + info.height;
          el("polygon", { points: [x + c, y, r - c, y, r, info.y, r - c, b, x + c, b, x, info.y].join(" ") }, group);
        } else {
          var round = node.kind === "exit" || node.kind === "entry" ? info.height / 2 : 6;
          el("rect", { x: x, y: y, width: info.width, height: info.height, rx: Math.min(round, 18) }, group);
        }
        var ty = y + 18;
        info.lines.forEach(function (line) { el("text", { x: info.x, y: ty, "text-anchor": "middle" }, group, line); ty += 16; });
        el("text", { x: info.x, y: ty, "text-anchor": "middle", "class": "count" }, group, info.count); ty += 16;
        info.subs.forEach(function (line) { el("text", { x: info.x, y: ty, "text-anchor": "middle", "class": "sub" }, group, line); ty += 16; });
      }
      group.addEventListener("click", function () { select(journey, id); });
      group.addEventListener("keydown", function (ev) { if (ev.key === "Enter") select(journey, id); });
    });
    box.innerHTML = "";
    box.appendChild(svg);
  }

  function factList(parent, title, obj, prefix) {
    var keys = Object.keys(obj || {});
    if (!keys.length) return;
    html("h4", {}, parent, title);
    var ul = html("ul", {}, parent);
    keys.forEach(function (k) { html("li", {}, ul, (prefix || "") + k + ": " + obj[k]); });
  }

  function select(journey, id) {
    var node = journey.nodes.filter(function (n) { return n.id === id; })[0];
    var panel = document.getElementById("details-" + journey.name);
    document.querySelectorAll("#flow-" + journey.name + " g.node").forEach(function (g) {
      g.classList.toggle("selected", g.getAttribute("data-node") === id);
    });
    panel.innerHTML = "";
    html("h3", {}, panel, id + "  " + (node.label || "join"));
    html("p", { "class": "muted" }, panel, node.kind + " · " + node.file + ":" + node.line);
    var ul = html("ul", {}, panel);
    html("li", {}, ul, "visits: " + node.visits + " (report.json)");
    html("li", {}, ul, "instances that reached it: " + node.instances);
    if (node.revisits) html("li", {}, ul, "visits again after a deferral: " + node.revisits);
    if (node.waiting) html("li", {}, ul, "still here at the end: " + node.waiting);
    journey.edges.filter(function (e) { return e.source === id; }).forEach(function (e) {
      html("li", {}, ul, "→ " + e.target + (e.label ? " (" + e.label + ")" : "") + ": " + e.count + " (" + pct(e.share) + ")");
    });
    factList(panel, "Entry refusals", node.refusals);
    factList(panel, "Exits here", node.exits);
    factList(panel, "Sends", node.sends);
    factList(panel, "Deferred", node.deferred);
    html("h4", {}, panel, "Example profiles");
    if (!node.examples.length) { html("p", { "class": "muted" }, panel, "No instance reached this node."); return; }
    var pre = document.createElement("pre");
    var buttons = node.examples.map(function (profile) {
      var button = html("button", { "class": "profile", type: "button", "data-profile": profile }, panel, profile);
      button.addEventListener("click", function () { show(profile); });
      return button;
    });
    pre.className = "timeline";
    panel.appendChild(pre);
    function show(profile) {
      buttons.forEach(function (b) { b.classList.toggle("active", b.getAttribute("data-profile") === profile); });
      pre.textContent = journey.timelines[profile] || "(no timeline)";
    }
    show(node.examples[0]);
  }

  var PALETTE = ["#2f6fde", "#11795b", "#8e44ad", "#e67e22", "#16a085", "#c0392b", "#7f8c8d", "#d4ac0d",
    "#2c3e50", "#e84393", "#00a8c6", "#6d4c41"];
  var STACK_COLORS = { entries: ["#2f6fde"], sends: ["#11795b", "#27ae60", "#16a085", "#8e44ad", "#2ecc71", "#1abc9c", "#c0392b"],
    exits: ["#c0392b", "#e67e22", "#d4ac0d", "#a04000", "#7f8c8d", "#e84393", "#6d4c41"] };
  function colored(datasets, byStack) {
    var used = {};
    return datasets.map(function (d, i) {
      var list = byStack ? STACK_COLORS[d.stack] || PALETTE : PALETTE, n = used[d.stack] || 0;
      used[d.stack] = n + 1;
      var color = /failed/.test(d.label) ? "#c0392b" : /suppressed/.test(d.label) ? "#e67e22" :
        list[(byStack ? n : i) % list.length];
      return Object.assign({}, d, { backgroundColor: color, borderColor: color });
    });
  }
  function chartOptions(stacked, xTitle, yTitle) {
    return { responsive: true, maintainAspectRatio: false, animation: false,
      plugins: { legend: { position: "bottom", labels: { boxWidth: 12, font: { size: 11 } } } },
      scales: { x: { stacked: stacked, title: { display: !!xTitle, text: xTitle } },
        y: { stacked: stacked, beginAtZero: true, ticks: { precision: 0 }, title: { display: !!yTitle, text: yTitle } } } };
  }
  function drawCharts() {
    Chart.defaults.font.family = "system-ui, sans-serif";
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var kind = canvas.getAttribute("data-chart"), journey = journeys[canvas.getAttribute("data-journey")];
      if (kind === "daily") {
        var spec = journey.charts.daily;
        new Chart(canvas, { type: "bar", data: { labels: spec.labels, datasets: colored(spec.datasets, true) },
          options: chartOptions(true, "day", "count") });
      } else if (kind === "to_send") {
        var hist = journey.charts.to_send;
        var opts = chartOptions(false, "time since entry", "sends");
        opts.scales.x.grid = { offset: true };
        new Chart(canvas, { type: "bar", data: { labels: hist.labels, datasets: colored(hist.datasets, false) },
          options: opts });
      } else if (kind === "segments") {
        var seg = data.segments;
        var lines = colored(seg.datasets, false).map(function (d) {
          return Object.assign(d, { stepped: true, pointRadius: 0, borderWidth: 1.5, fill: false });
        });
        var o = chartOptions(false, "time (UTC)", "members");
        o.scales.x.ticks = { maxTicksLimit: 14, autoSkip: true };
        new Chart(canvas, { type: "line", data: { labels: seg.labels, datasets: lines }, options: o });
      }
    });
  }

  data.journeys.forEach(function (journey) {
    drawFlow(journey, document.getElementById("flow-" + journey.name));
  });
  drawCharts();
  document.body.dataset.ready = "1";
})();
