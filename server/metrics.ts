/**
 * `GET /metrics` of `tpsdemo serve`: the server's counters in the Prometheus text format, read
 * from the shared state every isolate counts into (the same counters as `/stats`). Each server
 * reports its own requests (all its isolates); with `--redis`, PromQL's `sum` over the servers is
 * what `/stats` reports, and the coupons left and their users are the shared stock's, read from
 * the store.
 * Names and labels: the README's "Prometheus metrics".
 *
 * @module
 */

import { settlesWithin } from "../lib/clock.ts";
import { Exposition, type Sample } from "../lib/prometheus.ts";
import type { SharedStore } from "./settings.ts";
import { epochMs, PROCESS_TIME_BOUNDS_MS, type ServerState } from "./shared_state.ts";

/** How long a scrape waits for the shared store's coupons (a scrape every second must answer). */
const STORE_WAIT_MS = 500;

const BOUNDS_S = PROCESS_TIME_BOUNDS_MS.map((ms) => Number((ms / 1000).toPrecision(6)));

/** What {@linkcode serveMetrics} reads besides the state. */
export interface MetricsOptions {
  /** With `--redis`: the shared store, for the coupons left. */
  store?: SharedStore;
  /** Epoch ms (default real time). */
  epochNow?: () => number;
}

/**
 * The exposition of a server's metrics.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ServerState } from "./shared_state.ts";
 * const state = ServerState.create({ coupons: 3 });
 * state.count("/api/work", 200, undefined, 21.5);
 * const text = await serveMetrics(state);
 * assert.match(text, /^tpsdemo_serve_requests_total\{route="\/api\/work",status="200"\} 1$/m);
 * assert.match(text, /^tpsdemo_serve_coupons_left 3$/m);
 * assert.match(text, /^tpsdemo_serve_coupon_users 0$/m);
 * assert.match(text, /^tpsdemo_serve_process_time_seconds_bucket\{route="\/api\/work",le="0\.025"\} 1$/m);
 * ```
 */
export async function serveMetrics(
  state: ServerState,
  options: MetricsOptions = {},
): Promise<string> {
  const now = (options.epochNow ?? epochMs)();
  const s = state.snapshot(now);
  const store = options.store;
  let shared: { left: number; users?: number } | undefined;
  let storeUp = false;
  if (store) {
    const read = store.stats(s, now).then(
      ({ coupons }) => shared = { left: coupons.left, users: coupons.users },
      () => {},
    );
    storeUp = await settlesWithin(read, STORE_WAIT_MS) && shared !== undefined;
  }
  const requests: Sample[] = [];
  for (const [route, byStatus] of Object.entries(s.routes)) {
    for (const [status, value] of Object.entries(byStatus)) {
      requests.push({ labels: { route, status }, value });
    }
  }
  // This server's coupons: with a store, the 200s it answered (the stock is the store's).
  const issued = store ? s.routes["/coupons"]?.["200"] ?? 0 : s.coupons.issued;
  const left = store ? shared?.left : s.coupons.left;
  const users = store ? shared?.users : s.coupons.users;
  const e = new Exposition()
    .counter(
      "tpsdemo_serve_requests_total",
      "Requests answered, by route and status (every isolate of this server).",
      requests,
    )
    .gauge("tpsdemo_serve_in_flight_requests", "Requests being answered now.", s.in_flight)
    .gauge(
      "tpsdemo_serve_capacity_waiting_requests",
      "Requests waiting for --capacity.",
      s.capacity_waiting,
    )
    .counter("tpsdemo_serve_coupons_issued_total", "Coupons this server issued.", issued)
    .gauge(
      "tpsdemo_serve_coupons_left",
      "Coupons left in the stock (with --redis, the shared stock's).",
      left === undefined ? [] : [{ value: left }],
    )
    .gauge(
      "tpsdemo_serve_coupon_users",
      "Distinct users (X-User) holding a coupon (with --redis, every server's).",
      users === undefined ? [] : [{ value: users }],
    )
    .counter("tpsdemo_serve_cache_lookups_total", "Lookups of /cached, by result.", [
      { labels: { result: "hit" }, value: s.cache.hits },
      { labels: { result: "miss" }, value: s.cache.misses },
    ])
    .histogram(
      "tpsdemo_serve_process_time_seconds",
      "Processing time of each request (what X-Process-Time reports), by route.",
      BOUNDS_S,
      state.processTimes().map((p) => ({
        labels: { route: p.route },
        counts: p.counts,
        sum: p.sumMs / 1000,
      })),
    )
    .gauge("tpsdemo_serve_isolates", "Isolates serving (--workers).", s.isolates)
    .gauge(
      "tpsdemo_serve_start_time_seconds",
      "When the server started, seconds since the epoch.",
      Math.round(now - s.uptime_s * 1000) / 1000,
    );
  if (store) {
    e.gauge("tpsdemo_serve_store_up", "1 when the shared store (--redis) answered.", +storeUp);
  }
  return e.text();
}
