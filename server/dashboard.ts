/**
 * `serve`'s live dashboard page (`GET /dashboard`): the report page in `serve` mode, which polls
 * `/stats` every second and draws requests/s by route and status, requests in flight, coupons
 * left and the cache hit ratio. Rendered once per isolate, on first request.
 *
 * @module
 */

import { pageAssets } from "../lib/report/assets.ts";
import { renderPage } from "../lib/report/page.ts";

let page: string | undefined;

/**
 * The dashboard's HTML.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.ok(dashboardPage().includes('"mode":"serve"'));
 * ```
 */
export function dashboardPage(): string {
  page ??= renderPage(
    { title: "tpsdemo serve: dashboard", mode: "serve", runs: [], header: "" },
    pageAssets(),
  );
  return page;
}
