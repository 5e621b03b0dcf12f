/**
 * The files the report page inlines: uPlot (npm `uplot`, MIT) and its CSS, read from the npm
 * package (`deno compile` embeds the whole package), and the page's own scripts and style
 * (`lib/report/browser/`, embedded with `--include`): the chart engine every page runs, and one
 * script per page. Read once, on first use.
 *
 * @module
 */

import "uplot"; // keeps the package in the module graph, so `deno compile` embeds its files
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";

/** The pages, each with a script of its own: a run's report, its live view, serve's, capacity's. */
export type PageName = "report" | "live" | "serve" | "capacity";

/** The files the page inlines. */
export interface PageAssets {
  uplotJs: string;
  uplotCss: string;
  /** The chart engine (`browser/chart.js`), which every page runs first. */
  chartJs: string;
  /** Each page's own script (`browser/NAME.js`). */
  pageJs: Record<PageName, string>;
  pageCss: string;
}

let cached: PageAssets | undefined;

/**
 * The page's assets.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const a = pageAssets();
 * assert.ok(a.uplotJs.includes("uPlot"));
 * assert.ok(a.chartJs.includes("tpsdemo-data"));
 * assert.ok(a.pageJs.live.includes("EventSource"));
 * ```
 */
export function pageAssets(): PageAssets {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const npm = (path: string) => readFileSync(require.resolve(path), "utf8");
  const own = (name: string) =>
    Deno.readTextFileSync(new URL(`./browser/${name}`, import.meta.url));
  cached = {
    uplotJs: npm("uplot/dist/uPlot.iife.min.js"),
    uplotCss: npm("uplot/dist/uPlot.min.css"),
    chartJs: own("chart.js"),
    pageJs: {
      report: own("report.js"),
      live: own("live.js"),
      serve: own("serve.js"),
      capacity: own("capacity.js"),
    },
    pageCss: own("page.css"),
  };
  return cached;
}
