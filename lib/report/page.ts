/**
 * The HTML page: the offline report, the live dashboard of a run, and `serve`'s dashboard are one
 * page, a pure function of data ({@linkcode PageModel}) and the assets it inlines (uPlot, its
 * CSS, the page's script and style; see `assets.ts`). No network at view time: everything is in
 * the file. The page sets `data-charts` on `<body>` to the number of charts drawn with data, and
 * `data-errors` when a script error happened (what the browser tests read).
 *
 * @module
 */

import type { PageAssets } from "./assets.ts";
import type { PercentileCurve } from "../histogram.ts";
import { appendRow, type Columns, emptyColumns, eventText } from "./series.ts";

/** A capacity step as the page draws it (`lib/capacity/search.ts`'s StepRow). */
export interface CapacityStep {
  rate: number;
  achieved: number;
  goodput: number;
  p50_ms: number;
  p99_ms: number;
  in_flight: number;
  littles_law: number;
  pass: boolean;
}

/** One run on the page. */
export interface PageRun {
  label: string;
  columns: Columns;
  /** Corrected latency and service time as HDR percentile curves. */
  curves: { corrected: PercentileCurve; latency: PercentileCurve };
}

/** What the page shows. */
export interface PageModel {
  title: string;
  /** `report`: static; `live`: a run's dashboard (updates from `events`); `serve`: `/stats`. */
  mode: "report" | "live" | "serve";
  runs: PageRun[];
  /** The header: the summary table's HTML (`headerHtml` of `html.ts`). */
  header: string;
  /** Live mode: the server-sent events URL; control endpoints sit beside it. */
  events?: string;
  /** Live mode: the page shows the run-time controls (the run's API answers them). */
  control?: boolean;
  /** A capacity report: its charts by rate. */
  capacity?: { steps: CapacityStep[]; max_rate: number | null; knee_rate: number | null };
}

/** Escapes text for HTML. */
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** JSON that can sit inside a `<script>` element. */
const scriptJson = (v: unknown) =>
  JSON.stringify(v).replace(/</g, "\\u003c").replace(/\u2028|\u2029/g, "");

/**
 * Renders the page.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const assets = { uplotJs: "", uplotCss: "", pageJs: "", pageCss: "" };
 * const html = renderPage({ title: "a </script>", mode: "report", runs: [], header: "" }, assets);
 * assert.ok(html.startsWith("<!doctype html>"));
 * assert.ok(!html.includes("a </script>"));
 * ```
 */
export function renderPage(model: PageModel, assets: PageAssets): string {
  const { header, ...data } = model;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${escapeHtml(model.title)}</title>
<style>${assets.uplotCss}</style>
<style>${assets.pageCss}</style>
</head><body data-mode="${model.mode}">
<header><h1>${escapeHtml(model.title)}</h1><div id="controls"></div></header>
<section id="summary">${header}</section>
<main id="charts"></main>
<section id="decisions"></section>
<footer>tpsdemo · <a href="https://github.com/leeoniya/uPlot">uPlot</a> (MIT) ·
drag on a chart to zoom, double-click to reset</footer>
<script id="tpsdemo-data" type="application/json">${scriptJson(data)}</script>
<script>${assets.uplotJs}</script>
<script>
const appendRow = ${appendRow.toString()};
const emptyColumns = ${emptyColumns.toString()};
const eventText = ${eventText.toString()};
${assets.pageJs}
</script>
</body></html>
`;
}
