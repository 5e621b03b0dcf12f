/**
 * What `serve`'s dashboard shows, as pure functions of its `/stats` polls: the columns it charts
 * (requests/s in all, by route and by status, from the counters' growth between two polls;
 * requests in flight, waiting for capacity, coupons left, the cache hit ratio since start), the
 * charts over them, and the summary table of the latest poll. The page inlines these functions by
 * their source text (see `page.ts`), so each must stay self-contained: no reference to anything
 * else in this module.
 *
 * @module
 */

import type { ChartSeries, ChartSpec } from "./chart_tables.ts";

/** What the dashboard reads of a `/stats` poll (`server/shared_state.ts`'s StatsSnapshot). */
export interface ServeStats {
  uptime_s: number;
  isolates: number;
  in_flight: number;
  requests_total: number;
  rps_last_second: number;
  /** Responses so far by route, then by status code. */
  routes: Record<string, Record<string, number>>;
  /** Responses so far by status code. */
  status: Record<string, number>;
  coupons: { total: number; issued: number; left: number };
  cache: { hits: number; misses: number };
  capacity_waiting: number;
}

/** The dashboard's columns: one value per poll after the first (rates: per second). */
export interface ServeColumns {
  /** The server's uptime at each poll, s. */
  t: number[];
  total: number[];
  /** Requests/s by route; a route first seen late is zero before. */
  routes: Record<string, number[]>;
  /** Responses/s by status code; a code first seen late is zero before. */
  status: Record<string, number[]>;
  inFlight: number[];
  waiting: number[];
  coupons: number[];
  /** Cache hits of all lookups since start, %; null before the first lookup. */
  hitRatio: (number | null)[];
}

/**
 * Empty columns, to append polls to.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(emptyServeColumns().t, []);
 * ```
 */
export function emptyServeColumns(): ServeColumns {
  return {
    t: [],
    total: [],
    routes: {},
    status: {},
    inFlight: [],
    waiting: [],
    coupons: [],
    hitRatio: [],
  };
}

/**
 * Appends a point from two successive polls: the counters' growth divided by the uptime between
 * them, to 0.1/s. Nothing is appended when there is no earlier poll, or when the uptime did not
 * advance (a restarted server, or the same second twice); returns whether a point was appended.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const poll = (uptime_s: number, requests_total: number) => ({
 *   uptime_s, isolates: 1, in_flight: 0, requests_total, rps_last_second: 0,
 *   routes: { "/api/work": { "200": requests_total } }, status: { "200": requests_total },
 *   coupons: { total: 10, issued: 0, left: 10 }, cache: { hits: 0, misses: 0 },
 *   capacity_waiting: 0,
 * });
 * const c = emptyServeColumns();
 * assert.equal(appendStats(c, undefined, poll(1, 0)), false);
 * assert.equal(appendStats(c, poll(1, 0), poll(3, 50)), true);
 * assert.deepEqual(c.total, [25]);
 * ```
 */
export function appendStats(
  c: ServeColumns,
  last: ServeStats | undefined,
  s: ServeStats,
): boolean {
  if (!last || !(s.uptime_s > last.uptime_s)) return false;
  const dt = s.uptime_s - last.uptime_s, n = c.t.length;
  const rate = (a: number | undefined, b: number | undefined) =>
    Math.round(((a ?? 0) - (b ?? 0)) / dt * 10) / 10;
  const sum = (o: Record<string, number> | undefined) =>
    Object.values(o ?? {}).reduce((a, v) => a + v, 0);
  const push = (into: Record<string, number[]>, key: string, value: number) => {
    into[key] ??= new Array(n).fill(0);
    into[key].push(value);
  };
  c.t.push(s.uptime_s);
  c.total.push(rate(s.requests_total, last.requests_total));
  for (const route of Object.keys(s.routes)) {
    push(c.routes, route, rate(sum(s.routes[route]), sum(last.routes[route])));
  }
  for (const code of Object.keys(s.status)) {
    push(c.status, code, rate(s.status[code], last.status[code]));
  }
  c.inFlight.push(s.in_flight);
  c.waiting.push(s.capacity_waiting);
  c.coupons.push(s.coupons.left);
  const looked = s.cache.hits + s.cache.misses;
  c.hitRatio.push(looked ? Math.round(1000 * s.cache.hits / looked) / 10 : null);
  return true;
}

/**
 * The dashboard's five charts: requests/s (all, then by route), responses/s by status, in flight
 * and waiting for capacity, coupons left, and the cache hit ratio.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const specs = serveSpecs(emptyServeColumns());
 * assert.deepEqual(specs.map((s) => s.id), ["routes", "codes", "inflight", "coupons", "cache"]);
 * ```
 */
export function serveSpecs(c: ServeColumns): ChartSpec[] {
  return [
    {
      id: "routes",
      title: "Requests per second by route",
      unit: "/s",
      x: c.t,
      series: [["all", c.total], ...Object.entries(c.routes) as ChartSeries[]],
    },
    {
      id: "codes",
      title: "Responses per second by status",
      unit: "/s",
      x: c.t,
      series: Object.entries(c.status).map(([k, v]): ChartSeries => [`HTTP ${k}`, v]),
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
  ];
}

/**
 * The summary table of one poll: uptime and isolates, requests (and the last second's), in
 * flight, coupons, cache hits and misses. Every value is a number from `/stats`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const html = serveSummaryHtml({
 *   uptime_s: 7.4, isolates: 2, in_flight: 0, requests_total: 9, rps_last_second: 3,
 *   routes: {}, status: {}, coupons: { total: 10, issued: 1, left: 9 },
 *   cache: { hits: 4, misses: 1 }, capacity_waiting: 0,
 * });
 * assert.ok(html.includes("<tr><th>uptime</th><td>7 s, 2 isolate(s)</td></tr>"));
 * ```
 */
export function serveSummaryHtml(s: ServeStats): string {
  return `<table class="summary"><tbody>` +
    `<tr><th>uptime</th><td>${s.uptime_s.toFixed(0)} s, ${s.isolates} isolate(s)</td></tr>` +
    `<tr><th>requests</th><td>${s.requests_total} (${s.rps_last_second}/s last second)</td></tr>` +
    `<tr><th>in flight</th><td>${s.in_flight}</td></tr>` +
    `<tr><th>coupons</th><td>${s.coupons.issued} issued of ${s.coupons.total}, ` +
    `${s.coupons.left} left</td></tr>` +
    `<tr><th>cache</th><td>${s.cache.hits} hits, ${s.cache.misses} misses</td></tr>` +
    `</tbody></table>`;
}
