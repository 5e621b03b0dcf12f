/**
 * The files the report page inlines: uPlot (npm `uplot`, MIT) and its CSS, read from the npm
 * package (`deno compile` embeds the whole package), and the page's own script and style
 * (`lib/report/browser/`, embedded with `--include`). Read once, on first use.
 *
 * @module
 */

import "uplot"; // keeps the package in the module graph, so `deno compile` embeds its files
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";

/** The files the page inlines. */
export interface PageAssets {
  uplotJs: string;
  uplotCss: string;
  pageJs: string;
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
 * assert.ok(a.pageJs.includes("tpsdemo-data"));
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
    pageJs: own("page.js"),
    pageCss: own("page.css"),
  };
  return cached;
}
