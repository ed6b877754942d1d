/*
 * pybudget HTML report: draws one recording (the JSON report, schema 1, embedded in the page) with
 * hand-written SVG. No library and no network: the file opens anywhere, years later.
 * Every drawn import carries data-module, every window data-window: tests read the DOM.
 */
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var rec = JSON.parse(document.getElementById("pybudget-recording").textContent);
  var budgets = JSON.parse(document.getElementById("pybudget-budgets").textContent);
  var root = document.getElementById("report");

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    setAll(e, attrs);
    append(e, children);
    return e;
  }
  function svg(tag, attrs, children) {
    var e = document.createElementNS(SVG, tag);
    setAll(e, attrs);
    append(e, children);
    return e;
  }
  function setAll(e, attrs) {
    for (var k in attrs || {}) {
      if (attrs[k] !== null && attrs[k] !== undefined) e.setAttribute(k, attrs[k]);
    }
  }
  function append(e, children) {
    (Array.isArray(children) ? children : children === undefined ? [] : [children]).forEach(function (c) {
      if (c === null || c === undefined) return;
      e.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
    });
  }
  function tip(text) { return svg("title", {}, text); }
  function ms(nanos) { return (nanos / 1e6).toFixed(3) + " ms"; }
  function us(nanos) { return Math.round(nanos / 1e3).toLocaleString("en") + " \u00b5s"; }
  function count(n) { return Number(n).toLocaleString("en"); }
  function section(id, title) {
    var s = el("section", { id: id }, el("h2", {}, title));
    root.appendChild(s);
    return s;
  }
  function table(headers, rows, numeric) {
    return el("table", {}, [
      el("thead", {}, el("tr", {}, headers.map(function (h, i) { return el("th", { "class": numeric[i] ? "num" : null }, h); }))),
      el("tbody", {}, rows.map(function (r) {
        return el("tr", {}, r.map(function (c, i) { return el("td", { "class": numeric[i] ? "num" : null }, c); }));
      }))
    ]);
  }
  function width() { return Math.max(640, Math.min(1400, root.clientWidth || 1000)); }
  function walk(nodes, visit, depth) {
    nodes.forEach(function (n) { visit(n, depth || 0); walk(n.children || [], visit, (depth || 0) + 1); });
  }
  /**
   * The span of time the timeline shows, in the trace's own times. A recording of part of a trace (what a test
   * did, Recording.since) keeps the times of the whole trace and the length of its part: it ends with its last
   * event at the latest, and lasts wallNanos.
   */
  function extent() {
    var e = rec.wallNanos;
    walk(rec.imports, function (n) { e = Math.max(e, n.startNanos + n.durationNanos); });
    (rec.windows || []).forEach(function (w) { (w.spans || []).forEach(function (s) { e = Math.max(e, s.startNanos + s.durationNanos); }); });
    (rec.auditEvents || []).forEach(function (a) { e = Math.max(e, a.nanos); });
    var s = Math.max(0, e - rec.wallNanos);
    walk(rec.imports, function (n) { s = Math.min(s, n.startNanos); });
    (rec.windows || []).forEach(function (w) { (w.spans || []).forEach(function (sp) { s = Math.min(s, sp.startNanos); }); });
    (rec.auditEvents || []).forEach(function (a) { s = Math.min(s, a.nanos); });
    return { start: s, length: Math.max(e - s, 1) };
  }

  // ---------------------------------------------------------------- header --
  function header() {
    var exit = rec.exitStatus === null ? "still running" : "exit status " + rec.exitStatus;
    root.appendChild(el("h1", {}, "pybudget: " + rec.python.executable));
    root.appendChild(el("div", { "class": "muted" }, "CPython " + rec.python.version + ", pid " + rec.python.pid + ", "
        + ms(rec.wallNanos) + ", " + exit));
    var totalImports = rec.imports.reduce(function (s, n) { return s + n.durationNanos; }, 0);
    root.appendChild(el("div", { "class": "facts" }, [
      el("div", {}, [el("b", {}, count(rec.importCount)), "imports (" + ms(totalImports) + ")"]),
      el("div", {}, [el("b", {}, count(rec.gc.collections.reduce(function (a, b) { return a + b; }, 0))), "collections"]),
      el("div", {}, [el("b", {}, rec.gc.pauseNanos.count ? ms(rec.gc.pauseNanos.max) : "-"), "longest gc pause"]),
      el("div", {}, [el("b", {}, count(rec.calls.length)), "functions counted"]),
      el("div", {}, [el("b", {}, count(rec.audit.reduce(function (s, a) { return s + a.count; }, 0))), "audit events"]),
      el("div", {}, [el("b", {}, count(rec.windows.length)), "windows"]),
      el("div", {}, [el("b", {}, count(rec.lostEvents)), "lost events"])
    ]));
  }

  // --------------------------------------------------------------- budgets --
  function budgetSection() {
    var s = section("budgets", "Budgets");
    s.setAttribute("data-budgets", String(budgets.length));
    if (!budgets.length) {
      s.appendChild(el("p", { "class": "muted" }, "No budget verdict was handed to this report. The run's verdicts are in"
          + " summary.md next to this file (target/pybudget/ in a Maven build)."));
      return;
    }
    s.appendChild(table(["test", "budget", "verdict", "measured"], budgets.map(function (b) {
      return [b.test, b.budget, el("span", { "class": "verdict " + b.verdict, "data-verdict": b.verdict }, b.verdict), b.detail];
    }), [false, false, false, false]));
  }

  // ----------------------------------------------------------------- facts --
  function probeSection() {
    var s = section("probes", "Probes and losses");
    s.appendChild(el("p", {}, ["Attached: ", el("code", {}, rec.probes.join(" ") || "none")]));
    if (rec.missingProbes.length) {
      s.appendChild(el("div", { "class": "note warn" }, "Missing in this CPython: " + rec.missingProbes.join(" ")
          + (rec.missingProbesReason ? ". " + rec.missingProbesReason : "")));
    }
    if (rec.callPattern !== null) {
      var matched = rec.callPatternMatched || [];
      var files = {};
      matched.forEach(function (m) { var i = m.lastIndexOf(":"); (files[m.slice(0, i)] = files[m.slice(0, i)] || []).push(m.slice(i + 1)); });
      s.appendChild(el("p", {}, ["Call pattern ", el("code", {}, rec.callPattern), " matched " + matched.length
          + " functions in " + Object.keys(files).length + " files:"]));
      s.appendChild(el("ul", { id: "call-pattern-matched" }, Object.keys(files).sort().map(function (f) {
        return el("li", {}, [el("code", {}, f), ": " + files[f].join(", ")]);
      })));
    }
    var losses = rec.losses || {};
    var anyLoss = Object.keys(losses).some(function (k) { return losses[k] > 0; });
    s.appendChild(el("div", { "class": "note" + (anyLoss ? " bad" : "") }, anyLoss
        ? "Some things could not be recorded (each counted in the kernel): budgets on an incomplete count are inconclusive."
        : "Nothing was lost: every count is complete."));
    s.appendChild(table(["loss", "count"], Object.keys(losses).map(function (k) { return [k, count(losses[k])]; }), [false, true]));
  }

  // -------------------------------------------------------------- timeline --
  function timeline() {
    var s = section("timeline", "Timeline");
    var span = extent(), total = span.length, W = width(), left = 150, right = 10, rowH = 20, plot = W - left - right;
    var x = function (n) { return left + plot * (n - span.start) / total; };
    var rows = [];
    var threads = {};
    rec.imports.forEach(function (n) { threads[n.thread] = true; });
    rec.windows.forEach(function (w) { (w.spans || []).forEach(function (sp) { if (sp.thread !== 0) threads[sp.thread] = true; }); });
    (rec.auditEvents || []).forEach(function (a) { threads[a.thread] = true; });
    threads[rec.python.pid] = true;
    var javaWindows = rec.windows.some(function (w) { return (w.spans || []).some(function (sp) { return sp.thread === 0; }); });
    if (javaWindows) rows.push({ key: 0, label: "process (Java windows)" });
    Object.keys(threads).map(Number).sort(function (a, b) {
      return (a === rec.python.pid ? -1 : 0) - (b === rec.python.pid ? -1 : 0) || a - b;
    }).forEach(function (t) {
      rows.push({ key: t, label: t === rec.python.pid ? "main thread" : "thread " + t });
    });
    // Each row: its windows packed into as many lanes as nest or overlap, then one lane of imports and audit events.
    rows.forEach(function (row) {
      var lanes = [];
      row.spans = [];
      rec.windows.forEach(function (w) {
        (w.spans || []).forEach(function (sp) { if (sp.thread === row.key) row.spans.push({ w: w, sp: sp }); });
      });
      row.spans.sort(function (a, b) { return a.sp.startNanos - b.sp.startNanos || b.sp.durationNanos - a.sp.durationNanos; });
      row.spans.forEach(function (o) {
        var lane = 0;
        while (lane < lanes.length && lanes[lane] > o.sp.startNanos) lane++;
        lanes[lane] = o.sp.startNanos + o.sp.durationNanos;
        o.lane = lane;
      });
      row.lanes = lanes.length + 1;
    });
    var H = 24 + rows.reduce(function (s, row) { return s + row.lanes * rowH + 6; }, 0) + 4;
    var g = svg("svg", { "class": "timeline", width: W, height: H, viewBox: "0 0 " + W + " " + H });
    var axis = svg("g", { "class": "axis" });
    for (var i = 0; i <= 10; i++) {
      var t = span.start + total * i / 10;
      axis.appendChild(svg("line", { x1: x(t), x2: x(t), y1: 18, y2: H }));
      axis.appendChild(svg("text", { x: x(t), y: 12, "text-anchor": i === 0 ? "start" : i === 10 ? "end" : "middle" },
          (t / 1e6).toFixed(total / 1e6 < 10 ? 2 : 0) + " ms"));
    }
    g.appendChild(axis);
    var top = 24;
    rows.forEach(function (row) {
      var y = top;
      top += row.lanes * rowH + 6;
      g.appendChild(svg("text", { x: 0, y: y + 13 }, row.label));
      row.spans.forEach(function (o) {
        var w = o.w, sp = o.sp, x0 = x(sp.startNanos), bw = Math.max(1, x(sp.startNanos + sp.durationNanos) - x0);
        var a = svg("a", { href: "#window-" + encodeURIComponent(w.name) });
        a.appendChild(svg("rect", { x: x0, y: y + o.lane * rowH, width: bw, height: rowH - 4,
          fill: row.key === 0 ? "var(--java)" : "var(--window)", "data-window": w.name },
          tip("window '" + w.name + "': " + ms(sp.startNanos) + " + " + ms(sp.durationNanos) + (sp.open ? " (still open)" : ""))));
        if (bw > 30) a.appendChild(svg("text", { x: x0 + 3, y: y + o.lane * rowH + 12 }, clip(w.name, bw)));
        g.appendChild(a);
      });
      var yi = y + (row.lanes - 1) * rowH;
      rec.imports.filter(function (n) { return n.thread === row.key; }).forEach(function (n) {
        g.appendChild(svg("rect", { x: x(n.startNanos), y: yi, width: Math.max(1, x(n.startNanos + n.durationNanos) - x(n.startNanos)),
          height: rowH - 4, fill: "var(--import)" }, tip("import " + n.module + ": " + ms(n.durationNanos) + " at " + ms(n.startNanos))));
      });
      (rec.auditEvents || []).filter(function (a) { return a.thread === row.key; }).forEach(function (a) {
        g.appendChild(svg("rect", { x: x(a.nanos) - 0.5, y: yi, width: 1.5, height: rowH - 4, fill: "var(--audit)" },
            tip("audit " + a.event + " at " + ms(a.nanos))));
      });
    });
    s.appendChild(g);
    s.appendChild(el("div", { "class": "legend" }, [
      el("span", {}, [el("i", { style: "background: var(--window)" }), "Python window (its thread)"]),
      el("span", {}, [el("i", { style: "background: var(--java)" }), "Java window (whole process)"]),
      el("span", {}, [el("i", { style: "background: var(--import)" }), "top-level import"]),
      el("span", {}, [el("i", { style: "background: var(--audit)" }), "audit event (streamed)"])
    ]));
  }

  // --------------------------------------------------------------- imports --
  /** An icicle: each import is a box as wide as its cumulative time, its children below it. Click zooms. */
  function icicle(container, nodes, id) {
    var W = width(), rowH = 20;
    var depth = 0;
    walk(nodes, function (n, d) { depth = Math.max(depth, d + 1); });
    var H = depth * rowH + 2;
    var holder = el("div", { "class": "icicle-holder" });
    var info = el("div", { "class": "muted" }, "Width: cumulative time; click an import to zoom into it, click the top row to zoom out.");
    container.appendChild(info);
    container.appendChild(holder);
    function draw(focus) {
      holder.textContent = "";
      var list = focus ? [focus] : nodes;
      var span = list.reduce(function (s, n) { return s + n.durationNanos; }, 0) || 1;
      var g = svg("svg", { "class": "icicle", id: id, width: W, height: H, viewBox: "0 0 " + W + " " + H });
      function place(n, x0, d) {
        var w = W * n.durationNanos / span;
        var self = n.selfNanos !== undefined ? n.selfNanos
            : n.durationNanos - (n.children || []).reduce(function (s, c) { return s + c.durationNanos; }, 0);
        var box = svg("g", { "class": "node", "data-module": n.module, "data-depth": d });
        var r = svg("rect", { x: x0, y: d * rowH, width: Math.max(0.5, w), height: rowH - 1,
          fill: n.found ? shade(d) : "var(--gc)" },
          tip(n.module + (n.found ? "" : " (not found)") + "\ncumulative " + ms(n.durationNanos) + ", self " + ms(self)
              + "\nthread " + n.thread + ", started at " + ms(n.startNanos)));
        r.addEventListener("click", function () { draw(focus === n ? null : n); });
        box.appendChild(r);
        if (w > 40) box.appendChild(svg("text", { "class": "label", x: x0 + 3, y: d * rowH + 14 }, clip(n.module + " " + us(n.durationNanos), w)));
        g.appendChild(box);
        var cx = x0;
        (n.children || []).forEach(function (c) { place(c, cx, d + 1); cx += W * c.durationNanos / span; });
      }
      var x0 = 0;
      list.forEach(function (n) { place(n, x0, 0); x0 += W * n.durationNanos / span; });
      holder.appendChild(g);
    }
    draw(null);
  }
  function shade(d) { return ["#4c78a8", "#5a8bbd", "#6b9bc9", "#7eaad2", "#92b8da", "#a6c6e1"][Math.min(d, 5)]; }
  function clip(text, w) { var n = Math.floor((w - 6) / 6.2); return text.length > n ? text.slice(0, Math.max(1, n - 1)) + "\u2026" : text; }

  function importTable(nodes) {
    var all = [];
    walk(nodes, function (n) { all.push(n); });
    all.sort(function (a, b) { return selfOf(b) - selfOf(a); });
    return table(["module", "self", "cumulative", "thread"], all.slice(0, 25).map(function (n) {
      return [el("code", {}, n.module + (n.found ? "" : " (not found)")), us(selfOf(n)), us(n.durationNanos), String(n.thread)];
    }), [false, true, true, true]);
  }
  function selfOf(n) {
    return n.selfNanos !== undefined ? n.selfNanos
        : n.durationNanos - (n.children || []).reduce(function (s, c) { return s + c.durationNanos; }, 0);
  }

  function importsOf(container, sections, id) {
    var total = sections.imports.reduce(function (s, n) { return s + n.durationNanos; }, 0);
    container.appendChild(el("p", {}, count(sections.importCount) + " imports (counted in the kernel), "
        + ms(total) + " at the top level."));
    if (!sections.imports.length) return;
    icicle(container, sections.imports, id);
    var d = el("details", {}, el("summary", {}, "Slowest imports by self time"));
    d.appendChild(importTable(sections.imports));
    container.appendChild(d);
  }

  // -------------------------------------------------------------------- gc --
  function gcOf(container, gc) {
    var W = Math.min(width(), 900), H = 160, left = 40, bottom = 34;
    container.appendChild(table(["generation 0", "generation 1", "generation 2", "objects collected"],
        [[count(gc.collections[0]), count(gc.collections[1]), count(gc.collections[2]), count(gc.collected)]], [true, true, true, true]));
    var p = gc.pauseNanos;
    if (!p.count) {
      container.appendChild(el("p", { "class": "muted" }, "No collection pause."));
      return;
    }
    container.appendChild(el("p", {}, count(p.count) + " pauses: p50 \u2264 " + us(p.p50) + ", p99 \u2264 " + us(p.p99)
        + ", max " + us(p.max) + ", total " + ms(p.totalNanos) + " (percentiles are the upper bound of their log2 bucket)."));
    var hist = p.log2Histogram, first = -1, last = -1;
    hist.forEach(function (n, b) { if (n > 0) { if (first < 0) first = b; last = b; } });
    first = Math.max(0, first - 1);
    last = Math.min(hist.length - 1, last + 1);
    var peak = Math.max.apply(null, hist);
    var bw = (W - left) / (last - first + 1);
    var g = svg("svg", { "class": "histogram", width: W, height: H, viewBox: "0 0 " + W + " " + H });
    for (var b = first; b <= last; b++) {
      var h = hist[b] ? Math.max(2, (H - bottom - 22) * hist[b] / peak) : 0;
      var x0 = left + (b - first) * bw;
      g.appendChild(svg("rect", { x: x0 + 2, y: H - bottom - h, width: Math.max(1, bw - 4), height: h, fill: "var(--gc)",
        "data-bucket": b }, tip(count(hist[b]) + " pauses of " + us(Math.pow(2, b)) + " to " + us(Math.pow(2, b + 1)))));
      if (hist[b]) g.appendChild(svg("text", { x: x0 + bw / 2, y: H - bottom - h - 3, "text-anchor": "middle" }, count(hist[b])));
      g.appendChild(svg("text", { x: x0 + bw / 2, y: H - bottom + 14, "text-anchor": "middle" }, bucketLabel(b)));
    }
    g.appendChild(svg("text", { x: left, y: H - 4 }, "pause length (log2 buckets, lower bound)"));
    container.appendChild(g);
  }
  function bucketLabel(b) {
    var n = Math.pow(2, b);
    return n < 1e3 ? n + "ns" : n < 1e6 ? Math.round(n / 1e3) + "\u00b5s" : n < 1e9 ? Math.round(n / 1e6) + "ms" : Math.round(n / 1e9) + "s";
  }

  // ------------------------------------------------------- calls and audit --
  function callsOf(container, calls) {
    if (!calls.length) {
      container.appendChild(el("p", { "class": "muted" }, rec.callPattern === null ? "No calls were counted (no call pattern)."
          : "No function matching the pattern ran."));
      return;
    }
    container.appendChild(table(["calls", "function", "file"], calls.slice(0, 50).map(function (c) {
      return [count(c.count), el("code", {}, c["function"]), el("code", {}, c.file)];
    }), [true, false, false]));
    if (calls.length > 50) container.appendChild(el("p", { "class": "muted" }, "... and " + (calls.length - 50) + " more."));
  }
  function auditOf(container, audit) {
    if (!audit.length) {
      container.appendChild(el("p", { "class": "muted" }, "No audit event."));
      return;
    }
    container.appendChild(table(["count", "event"], audit.map(function (a) { return [count(a.count), el("code", {}, a.event)]; }), [true, false]));
  }

  // --------------------------------------------------------------- windows --
  function windowsSection() {
    var s = section("windows", "Windows");
    if (!rec.windows.length) {
      s.appendChild(el("p", { "class": "muted" }, "No window was marked (sys.audit(\"pybudget.begin\", name) in Python, or record()/open() in Java)."));
      return;
    }
    rec.windows.forEach(function (w, i) {
      var spans = w.spans || [];
      var open = spans.reduce(function (t, sp) { return t + sp.durationNanos; }, 0);
      var box = el("div", { "class": "window", id: "window-" + encodeURIComponent(w.name), "data-window": w.name });
      box.appendChild(el("h3", {}, "window '" + w.name + "'"));
      box.appendChild(el("p", { "class": "muted" }, spans.length ? "open " + spans.length + " time(s), " + ms(open) + " in all; "
          + spans.map(function (sp) {
            return (sp.thread === 0 ? "process" : "thread " + sp.thread) + " at " + ms(sp.startNanos) + " for " + ms(sp.durationNanos)
                + (sp.open ? " (still open)" : "");
          }).slice(0, 6).join("; ") + (spans.length > 6 ? "; ..." : "") : "times not recorded"));
      if (w.unfollowedEnds > 0) {
        box.appendChild(el("div", { "class": "note bad" }, w.unfollowedEnds + " end mark(s) of this window ran on a thread where"
            + " it was not open: they closed nothing, so it may hold more than meant (its budgets are inconclusive)."));
      }
      importsOf(box, w, "icicle-window-" + i);
      var gcBox = el("div");
      box.appendChild(el("h3", {}, "Garbage collection"));
      box.appendChild(gcBox);
      gcOf(gcBox, w.gc);
      box.appendChild(el("h3", {}, "Calls"));
      callsOf(box, w.calls);
      box.appendChild(el("h3", {}, "Audit events"));
      auditOf(box, w.audit);
      s.appendChild(box);
    });
  }

  header();
  budgetSection();
  timeline();
  importsOf(section("imports", "Imports"), rec, "icicle-whole");
  gcOf(section("gc", "Garbage collection"), rec.gc);
  callsOf(section("calls", "Calls"), rec.calls);
  auditOf(section("audit", "Audit events"), rec.audit);
  windowsSection();
  probeSection();
  document.body.setAttribute("data-rendered", "true");
})();
