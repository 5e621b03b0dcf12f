/**
 * The HTML page: the offline report, the live dashboard of a run, `serve`'s dashboard and the
 * capacity report are one page, a pure function of data ({@linkcode PageModel}) and the assets it
 * inlines (uPlot, its CSS, the chart engine, the page's own script and the style; see
 * `assets.ts`). The data shaping the scripts call (chart specs, tables, serve's rates) is
 * TypeScript, inlined by its source text, so the browser runs the functions the tests test. No
 * network at view time: everything is in the file. The page sets `data-charts` on `<body>` to the
 * number of charts drawn with data, and `data-errors` when a script error happened (what the
 * browser tests read).
 *
 * @module
 */

import type { PageAssets, PageName } from "./assets.ts";
import {
  chartIds,
  chartTables,
  fmtPercentile,
  hasData,
  logAxes,
  percentileSplits,
} from "./chart_tables.ts";
import { appendRow, emptyColumns, eventText } from "./series.ts";
import { appendStats, emptyServeColumns, serveSpecs, serveSummaryHtml } from "./serve_view.ts";
import {
  type CapacityCharts,
  capacitySpecs,
  type ChartRun,
  chartSpecs,
  decisionLists,
} from "./specs.ts";

/** One run on the page. */
export interface PageRun extends ChartRun {
  label: string;
  /** Its colour, when the page shows separate runs (each in its own); else series are. */
  color?: string;
}

/** A capacity search on a report's page: its charts' data, named (and coloured) by its file. */
export type PageCapacity = CapacityCharts & { label: string; color?: string };

/** What the page shows. */
export interface PageModel {
  title: string;
  /** `report`: static; `live`: a run's dashboard (updates from `events`); `serve`: `/stats`. */
  mode: "report" | "live" | "serve";
  runs: PageRun[];
  /** The header: the summary table's HTML (`headerHtml` of `html.ts`), under the charts. */
  header: string;
  /** The key figures, a row of cards above the charts (`cards.ts`); a live run's come at its end. */
  cards?: string;
  /** Live mode: the server-sent events URL; control endpoints sit beside it. */
  events?: string;
  /** Live mode: the page shows the run-time controls (the run's API answers them). */
  control?: boolean;
  /** A capacity report: its charts by rate. */
  capacity?: CapacityCharts;
  /** A report's capacity searches (`report` of capacity results files), overlaid by rate. */
  capacities?: PageCapacity[];
}

/** Escapes text for HTML. */
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** JSON that can sit inside a `<script>` element. */
const scriptJson = (v: unknown) =>
  JSON.stringify(v).replace(/</g, "\\u003c").replace(/\u2028|\u2029/g, "");

// deno-lint-ignore no-explicit-any
type Inlined = (...args: any[]) => unknown;

/** The TypeScript each page's scripts call, by page; the chart engine's goes on every page. */
const FUNCTIONS: Record<PageName | "chart", Inlined[]> = {
  chart: [chartTables, chartIds, hasData, fmtPercentile, percentileSplits, logAxes],
  report: [chartSpecs, decisionLists, capacitySpecs],
  live: [appendRow, emptyColumns, eventText, chartSpecs, decisionLists],
  serve: [emptyServeColumns, appendStats, serveSpecs, serveSummaryHtml],
  capacity: [capacitySpecs],
};

/**
 * Which page a model is: a capacity report, or its mode's.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(pageName({ title: "t", mode: "live", runs: [], header: "" }), "live");
 * ```
 */
export function pageName(model: PageModel): PageName {
  return model.capacity ? "capacity" : model.mode;
}

/**
 * A page's script: the TypeScript functions it calls, by their source text (Deno has already
 * stripped the types), then the chart engine, then the page's own script.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const pageJs = { report: "", live: "", serve: "draw();", capacity: "" };
 * const js = pageScript("serve", { uplotJs: "", uplotCss: "", chartJs: "", pageJs, pageCss: "" });
 * assert.ok(js.includes("const appendStats = function appendStats("));
 * assert.ok(!js.includes("const chartSpecs ="));
 * ```
 */
export function pageScript(page: PageName, assets: PageAssets): string {
  const functions = [...FUNCTIONS.chart, ...FUNCTIONS[page]]
    .map((f) => `const ${f.name} = ${f.toString()};`);
  return ['"use strict";', ...functions, assets.chartJs, assets.pageJs[page]].join("\n");
}

/**
 * Renders the page.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const assets = { uplotJs: "", uplotCss: "", chartJs: "", pageCss: "" };
 * const pageJs = { report: "", live: "", serve: "", capacity: "" };
 * const model = { title: "a </script>", mode: "report" as const, runs: [], header: "" };
 * const html = renderPage(model, { ...assets, pageJs });
 * assert.ok(html.startsWith("<!doctype html>"));
 * assert.ok(!html.includes("a </script>"));
 * ```
 */
export function renderPage(model: PageModel, assets: PageAssets): string {
  const { header, cards, ...data } = model;
  // A report's table goes under its charts (the cards above them say what matters); a live page's
  // line, and serve's few polled ones, stay above (a run's page moves its table under at its end).
  const summary = `<section id="summary">${header}</section>`;
  const above = model.mode === "report" ? "" : summary;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${escapeHtml(model.title)}</title>
<style>${assets.uplotCss}</style>
<style>${assets.pageCss}</style>
</head><body data-mode="${model.mode}">
<header><h1>${escapeHtml(model.title)}</h1><div id="controls"></div></header>
<section id="cards">${cards ?? ""}</section>
${above}<main id="charts"></main>
${above ? "" : summary}<section id="decisions"></section>
<footer>tpsdemo · <a href="https://github.com/leeoniya/uPlot">uPlot</a> (MIT) ·
drag on a chart to zoom, double-click to reset</footer>
<script id="tpsdemo-data" type="application/json">${scriptJson(data)}</script>
<script>${assets.uplotJs}</script>
<script>
${pageScript(pageName(model), assets)}
</script>
</body></html>
`;
}
