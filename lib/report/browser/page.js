// The report page's script (inlined by lib/report/page.ts, after uPlot and the functions
// `appendRow` and `emptyColumns` of lib/report/series.ts). It draws the charts from the data in
// #tpsdemo-data: once (report), as server-sent events arrive (live), or by polling /stats
// (serve). It sets data-charts on <body> to the number of charts drawn with data, and
// data-errors when a script error happens.
/* global uPlot, appendRow, emptyColumns, eventText */
"use strict";

const data = JSON.parse(document.getElementById("tpsdemo-data").textContent);
const body = document.body;
let errorCount = 0;
addEventListener("error", () => body.dataset.errors = String(++errorCount));
addEventListener("unhandledrejection", () => body.dataset.errors = String(++errorCount));

const COLORS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#4b5563"];
const DASHES = [[], [8, 4], [2, 3], [10, 3, 2, 3]];
const charts = new Map(); // id -> { plot, signature }
const main = document.getElementById("charts");

/** A chart: id, title, y unit, and per run the series [{label, values, points?}] over `x`. */
function chartSpecs(run) {
  const c = run.columns;
  // A marker at the first point at or after each decision or command.
  const markers = (list, values) =>
    c.t.map((t, i) =>
      list.some((d) => d.t > (i > 0 ? c.t[i - 1] : -Infinity) && d.t <= t) ? values[i] : null
    );
  const decisions = markers(c.decisions, c.target);
  const commands = markers(c.events ?? [], c.target);
  const several = data.runs.length > 1;
  const latency = several
    ? [["corrected p50", c.cor[0]], ["corrected p99", c.cor[2]], ["service p99", c.lat[2]]]
    : [
      ["corrected p50", c.cor[0]],
      ["corrected p90", c.cor[1]],
      ["corrected p99", c.cor[2]],
      ["corrected max", c.cor[3]],
      ["service p50", c.lat[0]],
      ["service p99", c.lat[2]],
    ];
  const xlog = (p) => -Math.log10(Math.max(1e-9, 1 - p / 100));
  return [
    {
      id: "rate",
      title: "Rate: target, sent and done per second",
      unit: "/s",
      x: c.t,
      series: [
        ["target", c.target],
        ["sent/s", c.sent],
        ["done/s", c.done],
        ["command", commands, true],
      ],
    },
    {
      id: "latency",
      title: "Latency over time (ms): corrected from the schedule, and service time",
      unit: "ms",
      x: c.t,
      series: latency,
    },
    {
      id: "distribution",
      title: "Latency distribution (ms) by percentile",
      unit: "ms",
      percentile: true,
      x: run.curves.corrected.p.map(xlog),
      series: [["corrected", run.curves.corrected.ms]],
      extra: { x: run.curves.latency.p.map(xlog), series: [["service", run.curves.latency.ms]] },
    },
    {
      id: "status",
      title: "Status codes and errors per second",
      unit: "/s",
      x: c.t,
      series: [
        ...Object.entries(c.status).map(([k, v]) => [`HTTP ${k}`, v]),
        ...Object.entries(c.kinds).map(([k, v]) => [k, v]),
      ],
    },
    {
      id: "queue",
      title: "Queue depth, CPU-job backlog and requests in flight",
      unit: "",
      x: c.t,
      series: [["queue", c.queue], ["job backlog", c.jobs], ["in flight", c.inFlight]],
    },
    {
      id: "controller",
      title: "Controller: the target rate and its decisions",
      unit: "/s",
      x: c.t,
      series: [["target rate", c.target], ["decision", decisions, true]],
    },
    {
      id: "lateness",
      title: "Pacer and send lateness (µs)",
      unit: "µs",
      x: c.t,
      series: [
        ["pacer p50", c.pacer[0]],
        ["pacer p99", c.pacer[1]],
        ["send p50", c.send[0]],
        ["send p99", c.send[1]],
      ],
    },
  ];
}

/** The tables of one chart for every run (uPlot.join aligns them on one x). */
function tablesOf(specsByRun, index) {
  const tables = [], series = [];
  specsByRun.forEach((specs, ri) => {
    const spec = specs[index];
    let nth = 0;
    const parts = [spec, ...(spec.extra ? [spec.extra] : [])];
    for (const part of parts) {
      tables.push([part.x, ...part.series.map((s) => s[1])]);
      part.series.forEach(([label, , points]) => {
        const color = COLORS[nth++ % COLORS.length];
        series.push({
          run: ri,
          label: data.runs.length > 1 ? `${label} · ${data.runs[ri].label}` : label,
          stroke: color,
          dash: DASHES[ri % DASHES.length],
          width: 1.5,
          spanGaps: true,
          ...(points
            ? { paths: () => null, points: { show: true, size: 9, fill: color } }
            : { points: { show: false } }),
        });
      });
    }
  });
  return { tables, series };
}

function fmtPercentile(v) {
  const p = 100 - 100 / 10 ** v;
  return `${Number(p.toFixed(6))}%`;
}

function draw(specsByRun) {
  const template = specsByRun[0];
  let drawn = 0;
  template.forEach((spec, index) => {
    const { tables, series } = tablesOf(specsByRun, index);
    const aligned = tables.length === 1 ? tables[0] : uPlot.join(tables);
    const hasData = aligned.slice(1).some((ys) => ys.some((y) => y !== null && y !== undefined)) &&
      aligned[0].length > 0;
    if (hasData) drawn++;
    const signature = series.map((s) => s.label).join("|");
    let entry = charts.get(spec.id);
    if (entry && entry.signature !== signature) {
      entry.plot.destroy();
      entry.box.remove();
      entry = undefined;
    }
    if (entry) {
      entry.plot.setData(aligned);
      return;
    }
    const box = document.createElement("figure");
    box.id = `chart-${spec.id}`;
    const caption = document.createElement("figcaption");
    caption.textContent = spec.title;
    box.append(caption);
    main.append(box);
    const opts = {
      width: Math.max(320, box.clientWidth - 8),
      height: 240,
      scales: { x: { time: false } },
      series: [{ label: spec.percentile ? "percentile" : "s" }, ...series],
      axes: [
        spec.percentile
          ? {
            splits: (_u, _i, min, max) => {
              const out = [];
              for (let v = Math.ceil(min); v <= max; v++) out.push(v);
              return out;
            },
            values: (_u, splits) => splits.map(fmtPercentile),
          }
          : { label: spec.xLabel ?? "seconds" },
        { label: spec.unit, size: 60 },
      ],
      legend: { live: true },
    };
    if (spec.percentile) opts.series[0].value = (_u, v) => v == null ? "" : fmtPercentile(v);
    const plot = new uPlot(opts, aligned, box);
    charts.set(spec.id, { plot, signature, box });
  });
  body.dataset.charts = String(drawn);
  body.dataset.draws = String(Number(body.dataset.draws ?? 0) + 1);
  // The time since navigation started (what the report bench reads).
  console.log(`tpsdemo: ${drawn} charts drawn at ${Math.round(performance.now())} ms`);
}

function resize() {
  for (const { plot, box } of charts.values()) {
    plot.setSize({ width: Math.max(320, box.clientWidth - 8), height: 240 });
  }
}
addEventListener("resize", resize);

function showDecisions() {
  const box = document.getElementById("decisions");
  box.replaceChildren();
  const lists = [
    ["Run-time commands", (r) => r.columns.events ?? []],
    ["Controller decisions", (r) => r.columns.decisions],
  ];
  for (const [title, of] of lists) {
    const all = data.runs.flatMap((r) => of(r).map((d) => `${r.label} t=${d.t}s: ${d.text}`));
    if (all.length === 0) continue;
    const h = document.createElement("h2");
    h.textContent = title;
    const list = document.createElement("ol");
    for (const text of all.slice(-200)) {
      const li = document.createElement("li");
      li.textContent = text;
      list.append(li);
    }
    box.append(h, list);
  }
}

function setStatus(text) {
  document.getElementById("controls").textContent = text;
}

function startLive() {
  const run = data.runs[0];
  run.columns = emptyColumns();
  setStatus("live: connecting…");
  const events = new EventSource(data.events);
  if (data.control) addControls();
  events.addEventListener("row", (e) => {
    const m = JSON.parse(e.data);
    appendRow(run.columns, m.row);
    if (m.row.decision) run.columns.decisions.push({ t: m.row.t, text: m.row.decision });
    if (m.curves) run.curves = m.curves;
    draw([chartSpecs(run)]);
    showDecisions();
    setStatus(`live: ${Math.round(m.row.t)} s`);
  });
  events.addEventListener("event", (e) => {
    const m = JSON.parse(e.data);
    run.columns.events.push({ t: m.t, text: eventText(m) });
    if (run.columns.t.length > 0) draw([chartSpecs(run)]);
    showDecisions();
  });
  events.addEventListener("summary", (e) => {
    const m = JSON.parse(e.data);
    document.getElementById("summary").innerHTML = m.header;
    if (m.curves) run.curves = m.curves;
    if (m.columns) run.columns = m.columns;
    draw([chartSpecs(run)]);
    setStatus(`finished after ${Math.round(run.columns.t.at(-1) ?? 0)} s`);
    events.close();
  });
  events.onerror = () => setStatus(`disconnected after ${Math.round(run.columns.t.at(-1) ?? 0)} s`);
}

/** The run-time controls: the run's API (PUT /rate, POST /pause, /resume, /faster, …). */
function addControls() {
  const bar = document.createElement("div");
  bar.id = "steer";
  const say = document.createElement("span");
  const call = async (method, path, body) => {
    const res = await fetch(path, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const r = await res.json();
    say.textContent = r.ok ? eventText(r.event) : r.message;
  };
  const button = (text, title, action) => {
    const b = document.createElement("button");
    b.textContent = text;
    b.title = title;
    b.onclick = () => action().catch((err) => say.textContent = String(err));
    bar.append(b);
  };
  button("−10%", "slower", () => call("POST", "/slower"));
  button("+10%", "faster", () => call("POST", "/faster"));
  button("pause", "pause", () => call("POST", "/pause"));
  button("resume", "resume", () => call("POST", "/resume"));
  const input = document.createElement("input");
  input.type = "number";
  input.min = "1";
  input.placeholder = "rate/s";
  input.size = 8;
  bar.append(input);
  button("set rate", "PUT /rate", () => call("PUT", "/rate", { rate: Number(input.value) }));
  button("stop", "stop gracefully", () => call("POST", "/stop"));
  bar.append(say);
  document.querySelector("header").append(bar);
}

/** serve's dashboard: /stats every second, as rates by route and status. */
function startServe() {
  const c = {
    t: [],
    total: [],
    routes: {},
    status: {},
    inFlight: [],
    waiting: [],
    coupons: [],
    hitRatio: [],
  };
  let last;
  const push = (into, key, value, n) => {
    into[key] ??= new Array(n).fill(0);
    into[key].push(value);
  };
  const tick = async () => {
    const s = await (await fetch("/stats", { cache: "no-store" })).json();
    if (last && s.uptime_s > last.uptime_s) {
      const dt = s.uptime_s - last.uptime_s, n = c.t.length;
      const rate = (a, b) => Math.round(((a ?? 0) - (b ?? 0)) / dt * 10) / 10;
      const sum = (o) => Object.values(o ?? {}).reduce((a, v) => a + v, 0);
      c.t.push(s.uptime_s);
      c.total.push(rate(s.requests_total, last.requests_total));
      for (const route of Object.keys(s.routes)) {
        push(c.routes, route, rate(sum(s.routes[route]), sum(last.routes[route])), n);
      }
      for (const code of Object.keys(s.status)) {
        push(c.status, code, rate(s.status[code], last.status[code]), n);
      }
      c.inFlight.push(s.in_flight);
      c.waiting.push(s.capacity_waiting);
      c.coupons.push(s.coupons.left);
      const looked = s.cache.hits + s.cache.misses;
      c.hitRatio.push(looked ? Math.round(1000 * s.cache.hits / looked) / 10 : null);
      draw([[
        {
          id: "routes",
          title: "Requests per second by route",
          unit: "/s",
          x: c.t,
          series: [["all", c.total], ...Object.entries(c.routes)],
        },
        {
          id: "codes",
          title: "Responses per second by status",
          unit: "/s",
          x: c.t,
          series: Object.entries(c.status).map(([k, v]) => [`HTTP ${k}`, v]),
        },
        {
          id: "inflight",
          title: "In flight, and waiting for capacity",
          unit: "",
          x: c.t,
          series: [["in flight", c.inFlight], ["waiting", c.waiting]],
        },
        { id: "coupons", title: "Coupons left", unit: "", x: c.t, series: [["left", c.coupons]] },
        {
          id: "cache",
          title: "Cache hit ratio (%, since start)",
          unit: "%",
          x: c.t,
          series: [["hit ratio", c.hitRatio]],
        },
      ]]);
    }
    last = s;
    document.getElementById("summary").innerHTML = `<table class="summary"><tbody>` +
      `<tr><th>uptime</th><td>${s.uptime_s.toFixed(0)} s, ${s.isolates} isolate(s)</td></tr>` +
      `<tr><th>requests</th><td>${s.requests_total} (${s.rps_last_second}/s last second)</td></tr>` +
      `<tr><th>in flight</th><td>${s.in_flight}</td></tr>` +
      `<tr><th>coupons</th><td>${s.coupons.issued} issued of ${s.coupons.total}, ` +
      `${s.coupons.left} left</td></tr>` +
      `<tr><th>cache</th><td>${s.cache.hits} hits, ${s.cache.misses} misses</td></tr>` +
      `</tbody></table>`;
  };
  const loop = () =>
    tick().catch(() => setStatus("cannot reach /stats")).finally(() => setTimeout(loop, 1000));
  setStatus("live: /stats every second");
  loop();
}

/** A capacity report's charts, by rate. */
function capacitySpecs(cap) {
  const steps = [...cap.steps].sort((a, b) => a.rate - b.rate);
  const x = steps.map((s) => s.rate);
  const col = (k) => steps.map((s) => s[k]);
  const at = (rate, values) => steps.map((s, i) => s.rate === rate ? values[i] : null);
  return [
    {
      id: "cap-goodput",
      title: "Goodput by rate asked (the max found, and the knee, marked)",
      unit: "/s",
      xLabel: "rate asked, /s",
      x,
      series: [
        ["rate asked", x],
        ["achieved", col("achieved")],
        ["goodput", col("goodput")],
        ["max rate", at(cap.max_rate, col("goodput")), true],
        ["knee", at(cap.knee_rate, col("goodput")), true],
      ],
    },
    {
      id: "cap-latency",
      title: "Corrected latency by rate asked (ms)",
      unit: "ms",
      xLabel: "rate asked, /s",
      x,
      series: [["p50", col("p50_ms")], ["p99", col("p99_ms")]],
    },
    {
      id: "cap-littles",
      title: "Little's law: requests in flight, measured and rate × latency",
      unit: "",
      xLabel: "rate asked, /s",
      x,
      series: [["in flight", col("in_flight")], ["rate × latency", col("littles_law")]],
    },
  ];
}

if (data.capacity) draw([capacitySpecs(data.capacity)]);
else if (data.mode === "live") startLive();
else if (data.mode === "serve") startServe();
else {
  draw(data.runs.map(chartSpecs));
  showDecisions();
}
