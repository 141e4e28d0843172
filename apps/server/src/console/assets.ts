import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { CONSOLE_CSS } from "./html.js"

const require = createRequire(import.meta.url)
const uplot = (file: string) => readFileSync(require.resolve(`uplot/dist/${file}`), "utf8")

/**
 * The console's chart script: the overview's per-day figures and the watchers' per-minute samples (JSON blocks
 * of the pages) drawn with uPlot. The overview's figures are also in a table under its chart.
 */
const CONSOLE_JS = `"use strict";
(function () {
  var data = document.getElementById("overview-data");
  var target = document.getElementById("chart-days");
  if (!data || !target || typeof uPlot !== "function") return;
  var parsed = JSON.parse(data.textContent);
  var byDay = {};
  parsed.days.forEach(function (d) { byDay[d.day] = d; });
  // Every day of the window, empty ones as zero, so the axis is the window and not the data's span.
  var days = [];
  for (var t = Date.parse(parsed.from + "T00:00:00Z"); t <= Date.parse(parsed.to + "T00:00:00Z"); t += 86400000) {
    var key = new Date(t).toISOString().slice(0, 10);
    days.push(byDay[key] || { day: key, created: 0, completed: 0, expired: 0, underpaid: 0 });
  }
  var keys = ["created", "completed", "expired", "underpaid"];
  var colors = ["#1d4ed8", "#15803d", "#b45309", "#b91c1c"];
  var xs = days.map(function (d) { return Date.parse(d.day + "T00:00:00Z") / 1000; });
  var series = [{}].concat(keys.map(function (k, i) { return { label: k, stroke: colors[i], width: 2 }; }));
  var cols = [xs].concat(keys.map(function (k) { return days.map(function (d) { return d[k]; }); }));
  var width = Math.max(320, Math.min(target.clientWidth - 16, 1100));
  new uPlot({ width: width, height: 260, series: series, scales: { x: { time: true } } }, cols, target);
})();
(function () {
  var data = document.getElementById("watchers-data");
  if (!data || typeof uPlot !== "function") return;
  var parsed = JSON.parse(data.textContent);
  // The axis is the window, not the samples' span.
  var x = { time: true, range: [parsed.from, parsed.to] };
  parsed.networks.forEach(function (n, i) {
    var lag = document.getElementById("chart-lag-" + i);
    var rpc = document.getElementById("chart-rpc-" + i);
    if (!lag || !rpc) return;
    var width = Math.max(320, Math.min(lag.clientWidth - 16, 1100));
    var opts = function (series) {
      return { width: width, height: 180, series: [{}].concat(series), scales: { x: x } };
    };
    new uPlot(opts([{ label: "lag (blocks)", stroke: "#1d4ed8", width: 2 }]), [n.t, n.lag], lag);
    new uPlot(
      opts([
        { label: "RPC calls / min", stroke: "#15803d", width: 2 },
        { label: "RPC errors / min", stroke: "#b91c1c", width: 2 },
      ]),
      [n.t, n.calls, n.errors],
      rpc,
    );
  });
})();
`

/** Files under /console/assets/: our stylesheet and script, and uPlot from node_modules (never a CDN). */
export const ASSETS: Readonly<Record<string, { readonly type: string; readonly body: string }>> = {
  "console.css": { type: "text/css; charset=utf-8", body: CONSOLE_CSS },
  "console.js": { type: "text/javascript; charset=utf-8", body: CONSOLE_JS },
  "uplot.js": { type: "text/javascript; charset=utf-8", body: uplot("uPlot.iife.min.js") },
  "uplot.css": { type: "text/css; charset=utf-8", body: uplot("uPlot.min.css") },
}
