// The chart engine every page runs (inlined by lib/report/page.ts after uPlot and the TypeScript
// functions the page calls, before the page's own script). It reads the page's data from
// #tpsdemo-data, draws charts from specs (lib/report/chart_tables.ts's ChartSpec), keeps them
// sized to the window, and shows the lists under them. It sets data-charts on <body> to the
// number of charts drawn with data, data-draws to the number of drawings, and data-errors when a
// script error happens.
/* global uPlot, chartTables, chartIds, hasData, fmtPercentile, percentileSplits, logAxes */

const data = JSON.parse(document.getElementById("tpsdemo-data").textContent);
const body = document.body;
let errorCount = 0;
addEventListener("error", () => body.dataset.errors = String(++errorCount));
addEventListener("unhandledrejection", () => body.dataset.errors = String(++errorCount));

const charts = new Map(); // id -> { plot, signature, box, withData }
const main = document.getElementById("charts");
const runLabels = data.runs.map((r) => r.label);
// Separate runs each have a colour of their own (the model gives it); shards and a single run
// colour by series.
const runColors = data.runs.length > 0 && data.runs.every((r) => r.color)
  ? data.runs.map((r) => r.color)
  : undefined;

/** The width a chart takes in its box. */
const widthOf = (box) => Math.max(320, box.clientWidth - 8);

/** A value as the hover tip shows it. */
const tipValue = (v) =>
  v.toLocaleString("en-US", { maximumFractionDigits: Math.abs(v) < 10 ? 3 : 1 });

/**
 * The values under the cursor, in a tip over the chart (the legend shows names only): the x, then
 * each shown series with a value there; hidden when the cursor leaves.
 */
function showTip(u, spec, series, tip) {
  const i = u.cursor.idx;
  const x = i == null ? null : u.data[0][i];
  const rows = i == null ? [] : series.flatMap((s, k) => {
    const v = u.data[k + 1][i];
    return u.series[k + 1].show && v != null ? [[s, v]] : [];
  });
  tip.hidden = x == null || rows.length === 0;
  if (tip.hidden) return;
  const head = document.createElement("b");
  head.textContent = spec.percentile
    ? fmtPercentile(x)
    : spec.xLabel
    ? `${tipValue(x)}/s asked`
    : `${tipValue(x)} s`;
  const lines = rows.map(([s, v]) => {
    const line = document.createElement("div");
    const sw = document.createElement("span");
    sw.className = "swatch";
    sw.style.background = s.stroke;
    line.append(
      sw,
      `${s.label}: ${tipValue(v)}${spec.unit && spec.unit !== "/s" ? ` ${spec.unit}` : spec.unit}`,
    );
    return line;
  });
  tip.replaceChildren(head, ...lines);
  const right = u.cursor.left > u.over.clientWidth / 2;
  tip.style.left = right ? "4px" : "";
  tip.style.right = right ? "" : "4px";
}

/** The y axis's width: room for its longest label (8,000,000 µs) beside the unit's. */
const yAxisSize = (_u, values) =>
  Math.max(60, 30 + 7 * Math.max(0, ...(values ?? []).map((v) => String(v ?? "").length)));

/**
 * uPlot's options for a chart: its series, its axes (percentiles, or seconds or xLabel; `log`,
 * which of them are logarithmic).
 */
function chartOptions(spec, series, width, tip, log) {
  const logScale = { distr: 3, log: 10 };
  // A log axis's labels, grid and ticks at 1, 2 and 5 of each decade where a decade has room for
  // them, else at 1 (uPlot's grid has all nine).
  const filter = (u, splits, axis) => {
    const key = u.axes[axis].scale;
    const decade = Math.abs(u.valToPos(10, key) - u.valToPos(1, key));
    const re = decade >= 70 ? /^[125]e/ : /^1e/;
    return splits.map((v) => re.test(v.toExponential()) ? v : null);
  };
  const logAxis = { filter, grid: { filter }, ticks: { filter, size: 10 } };
  const opts = {
    width,
    height: 240,
    scales: { x: { time: false, ...(log.x ? logScale : {}) }, ...(log.y ? { y: logScale } : {}) },
    series: [{ label: spec.percentile ? "percentile" : spec.xLabel ? "rate" : "s" }, ...series],
    axes: [
      spec.percentile
        ? {
          splits: (_u, _i, min, max) => percentileSplits(min, max),
          values: (_u, splits) => splits.map(fmtPercentile),
        }
        : { label: spec.xLabel ?? "seconds", ...(log.x ? logAxis : {}) },
      { label: spec.unit, size: yAxisSize, ...(log.y ? logAxis : {}) },
    ],
    // Each series' marker and name, no values: they show in the tip while the cursor is over.
    legend: { live: false },
    hooks: { setCursor: [(u) => showTip(u, spec, series, tip)] },
  };
  if (spec.percentile) opts.series[0].value = (_u, v) => v == null ? "" : fmtPercentile(v);
  return opts;
}

/**
 * Draws each run's charts (one list of specs per run, overlaid chart by chart of the same id, the
 * runs named by `labels` and coloured by `colors` when given): a chart whose series are unchanged
 * gets the new data; one whose series changed is drawn again. `data-charts` on <body> counts the page's
 * charts with data (a page may call it for several sets of charts: runs, capacity searches).
 */
// deno-lint-ignore no-unused-vars -- the page's own script calls it
function draw(specsByRun, labels = runLabels, colors = runColors) {
  // Charts are matched across runs by id: a run without a chart (no VUs) adds no series to it.
  chartIds(specsByRun).forEach((id) => {
    const specs = specsByRun.map((list) => list.find((s) => s.id === id)).filter((s) => s);
    const spec = specs[0];
    const { tables, series } = chartTables(specsByRun, id, labels, colors);
    const aligned = tables.length === 1 ? tables[0] : uPlot.join(tables);
    const withData = hasData(aligned);
    const log = logAxes(specs);
    const signature = [...series.map((s) => s.label), log.x, log.y].join("|");
    let entry = charts.get(spec.id);
    if (entry && entry.signature !== signature) {
      entry.plot.destroy();
      entry.box.remove();
      entry = undefined;
    }
    if (entry) {
      entry.plot.setData(aligned);
    } else {
      const box = document.createElement("figure");
      box.id = `chart-${spec.id}`;
      const caption = document.createElement("figcaption");
      caption.textContent = spec.title;
      box.append(caption);
      main.append(box);
      const tip = document.createElement("div");
      tip.className = "tip";
      tip.hidden = true;
      const plot = new uPlot(chartOptions(spec, series, widthOf(box), tip, log), aligned, box);
      plot.over.append(tip);
      charts.set(spec.id, entry = { plot, signature, box, withData: false });
    }
    showDrawn(entry, aligned, withData);
  });
  // A chart drawn before the next one's box was added had the whole row: each takes its box's
  // width now that every box is in the grid.
  fitWidths();
  const drawn = [...charts.values()].filter((c) => c.withData).length;
  body.dataset.charts = String(drawn);
  body.dataset.draws = String(Number(body.dataset.draws ?? 0) + 1);
  // The time since navigation started (what the report bench reads).
  // deno-lint-ignore no-console -- the page's signal to tests/browser_test.ts and bench/report.ts.
  console.log(`tpsdemo: ${drawn} charts drawn at ${Math.round(performance.now())} ms`);
}

/**
 * A chart with nothing to draw is hidden (a run without a target rate has no controller chart),
 * and shown once it has; a series with no point has no legend entry.
 */
function showDrawn(entry, aligned, withData) {
  const { plot, box } = entry;
  box.hidden = !withData;
  entry.withData = withData;
  plot.root.querySelectorAll(".u-legend .u-series").forEach((row, i) => {
    row.style.display = aligned[i + 1].some((v) => v != null) ? "" : "none";
  });
}

/** Sizes each shown chart to its box. */
function fitWidths() {
  for (const { plot, box } of charts.values()) {
    const width = widthOf(box);
    if (!box.hidden && plot.width !== width) plot.setSize({ width, height: 240 });
  }
}

addEventListener("resize", fitWidths);

/** Shows titled lists ({title, items}) under the charts, in place of the ones shown. */
// deno-lint-ignore no-unused-vars -- the page's own script calls it
function showLists(lists) {
  const box = document.getElementById("decisions");
  box.replaceChildren();
  for (const { title, items } of lists) {
    const h = document.createElement("h2");
    h.textContent = title;
    const list = document.createElement("ol");
    for (const text of items) {
      const li = document.createElement("li");
      li.textContent = text;
      list.append(li);
    }
    box.append(h, list);
  }
}

/** The status line beside the title. */
// deno-lint-ignore no-unused-vars -- the page's own script calls it
function setStatus(text) {
  document.getElementById("controls").textContent = text;
}
