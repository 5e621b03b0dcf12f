// The chart engine every page runs (inlined by lib/report/page.ts after uPlot and the TypeScript
// functions the page calls, before the page's own script). It reads the page's data from
// #tpsdemo-data, draws charts from specs (lib/report/chart_tables.ts's ChartSpec), keeps them
// sized to the window, and shows the lists under them. It sets data-charts on <body> to the
// number of charts drawn with data, data-draws to the number of drawings, and data-errors when a
// script error happens.
/* global uPlot, chartTables, hasData, fmtPercentile, percentileSplits */

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

/** uPlot's options for a chart: its series, its axes (percentiles, or seconds or xLabel). */
function chartOptions(spec, series, width) {
  const opts = {
    width,
    height: 240,
    scales: { x: { time: false } },
    series: [{ label: spec.percentile ? "percentile" : spec.xLabel ? "rate" : "s" }, ...series],
    axes: [
      spec.percentile
        ? {
          splits: (_u, _i, min, max) => percentileSplits(min, max),
          values: (_u, splits) => splits.map(fmtPercentile),
        }
        : { label: spec.xLabel ?? "seconds" },
      { label: spec.unit, size: 60 },
    ],
    legend: { live: true },
  };
  if (spec.percentile) opts.series[0].value = (_u, v) => v == null ? "" : fmtPercentile(v);
  return opts;
}

/**
 * Draws each run's charts (one list of specs per run, overlaid chart by chart, the runs named by
 * `labels` and coloured by `colors` when given): a chart whose series are unchanged gets the new
 * data; one whose series changed is drawn again. `data-charts` on <body> counts the page's
 * charts with data (a page may call it for several sets of charts: runs, capacity searches).
 */
// deno-lint-ignore no-unused-vars -- the page's own script calls it
function draw(specsByRun, labels = runLabels, colors = runColors) {
  specsByRun[0].forEach((spec, index) => {
    const { tables, series } = chartTables(specsByRun, index, labels, colors);
    const aligned = tables.length === 1 ? tables[0] : uPlot.join(tables);
    const withData = hasData(aligned);
    const signature = series.map((s) => s.label).join("|");
    let entry = charts.get(spec.id);
    if (entry && entry.signature !== signature) {
      entry.plot.destroy();
      entry.box.remove();
      entry = undefined;
    }
    if (entry) {
      entry.plot.setData(aligned);
      entry.withData = withData;
      return;
    }
    const box = document.createElement("figure");
    box.id = `chart-${spec.id}`;
    const caption = document.createElement("figcaption");
    caption.textContent = spec.title;
    box.append(caption);
    main.append(box);
    const plot = new uPlot(chartOptions(spec, series, widthOf(box)), aligned, box);
    charts.set(spec.id, { plot, signature, box, withData });
  });
  const drawn = [...charts.values()].filter((c) => c.withData).length;
  body.dataset.charts = String(drawn);
  body.dataset.draws = String(Number(body.dataset.draws ?? 0) + 1);
  // The time since navigation started (what the report bench reads).
  // deno-lint-ignore no-console -- the page's signal to tests/browser_test.ts and bench/report.ts.
  console.log(`tpsdemo: ${drawn} charts drawn at ${Math.round(performance.now())} ms`);
}

addEventListener("resize", () => {
  for (const { plot, box } of charts.values()) plot.setSize({ width: widthOf(box), height: 240 });
});

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
