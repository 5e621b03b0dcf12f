/**
 * `serve`'s dashboard as data: rates from the growth of `/stats`' counters between two polls
 * (in all, by route, by status; a route or code first seen late), the gauges, the cache hit
 * ratio, the charts over the columns, and the summary table of a poll.
 *
 * @module
 */

import { assertEquals } from "./_assert.ts";
import {
  appendStats,
  emptyServeColumns,
  serveSpecs,
  serveSummaryHtml,
} from "../lib/report/serve_view.ts";
import type { StatsSnapshot } from "../server/shared_state.ts";

function poll(uptime_s: number, overrides: Partial<StatsSnapshot> = {}): StatsSnapshot {
  return {
    uptime_s,
    isolates: 1,
    in_flight: 0,
    requests_total: 0,
    rps_last_second: 0,
    routes: {},
    status: {},
    coupons: { total: 10, issued: 0, left: 10 },
    cache: { hits: 0, misses: 0 },
    capacity_waiting: 0,
    ...overrides,
  };
}

Deno.test("serve view: the first poll, and one that did not advance, add no point", () => {
  const c = emptyServeColumns();
  const first = poll(5, { requests_total: 10 });
  assertEquals(appendStats(c, undefined, first), false);
  assertEquals(appendStats(c, first, poll(5, { requests_total: 20 })), false);
  assertEquals(appendStats(c, first, poll(4, { requests_total: 20 })), false, "a restart");
  assertEquals(c, emptyServeColumns());
});

Deno.test("serve view: rates are the counters' growth over the uptime between polls, to 0.1/s", () => {
  const c = emptyServeColumns();
  const a = poll(1, {
    requests_total: 10,
    routes: { "/api/work": { "200": 6, "503": 1 }, "/cached": { "200": 3 } },
    status: { "200": 9, "503": 1 },
  });
  const b = poll(4, {
    requests_total: 17,
    routes: { "/api/work": { "200": 10, "503": 2 }, "/cached": { "200": 5 } },
    status: { "200": 15, "503": 2 },
  });
  assertEquals(appendStats(c, a, b), true);
  assertEquals(c.t, [4]);
  assertEquals(c.total, [2.3]); // 7 in 3 s
  assertEquals(c.routes, { "/api/work": [1.7], "/cached": [0.7] }); // 5 and 2 in 3 s
  assertEquals(c.status, { "200": [2], "503": [0.3] });
});

Deno.test("serve view: a route or code first seen late is zero before, counted from zero", () => {
  const c = emptyServeColumns();
  const a = poll(1, { routes: { "/a": { "200": 1 } }, status: { "200": 1 } });
  const b = poll(2, { routes: { "/a": { "200": 3 } }, status: { "200": 3 } });
  const d = poll(3, {
    routes: { "/a": { "200": 4 }, "/b": { "404": 5 } },
    status: { "200": 4, "404": 5 },
  });
  appendStats(c, a, b);
  appendStats(c, b, d);
  assertEquals(c.t, [2, 3]);
  assertEquals(c.routes, { "/a": [2, 1], "/b": [0, 5] });
  assertEquals(c.status, { "200": [2, 1], "404": [0, 5] });
});

Deno.test("serve view: gauges as polled, the cache hit ratio since start in % to 0.1", () => {
  const c = emptyServeColumns();
  const a = poll(1);
  const b = poll(2, {
    in_flight: 3,
    capacity_waiting: 2,
    coupons: { total: 10, issued: 4, left: 6 },
  });
  const d = poll(3, { cache: { hits: 2, misses: 1 } });
  appendStats(c, a, b);
  appendStats(c, b, d);
  assertEquals(c.inFlight, [3, 0]);
  assertEquals(c.waiting, [2, 0]);
  assertEquals(c.coupons, [6, 10]);
  assertEquals(c.hitRatio, [null, 66.7], "none before the first lookup, then 2 of 3");
});

Deno.test("serve view: five charts over the polls, all requests before the routes", () => {
  const c = emptyServeColumns();
  const a = poll(1, { routes: { "/x": { "200": 0 } }, status: { "200": 0 } });
  appendStats(
    c,
    a,
    poll(2, { requests_total: 4, routes: { "/x": { "200": 4 } }, status: { "200": 4 } }),
  );
  const specs = serveSpecs(c);
  assertEquals(specs.map((s) => [s.id, s.unit]), [
    ["routes", "/s"],
    ["codes", "/s"],
    ["inflight", ""],
    ["coupons", ""],
    ["cache", "%"],
  ]);
  for (const s of specs) assertEquals(s.x, [2], s.id);
  assertEquals(specs[0]!.series, [["all", [4]], ["/x", [4]]]);
  assertEquals(specs[1]!.series, [["HTTP 200", [4]]]);
  assertEquals(specs[2]!.series, [["in flight", [0]], ["waiting", [0]]]);
  assertEquals(specs[3]!.series, [["left", [10]]]);
  assertEquals(specs[4]!.series, [["hit ratio", [null]]]);
});

Deno.test("serve view: the summary table of a poll", () => {
  const html = serveSummaryHtml(poll(12.6, {
    isolates: 2,
    requests_total: 340,
    rps_last_second: 31,
    in_flight: 4,
    coupons: { total: 100, issued: 7, left: 93 },
    cache: { hits: 20, misses: 3 },
  }));
  assertEquals(
    html,
    `<table class="summary"><tbody>` +
      `<tr><th>uptime</th><td>13 s, 2 isolate(s)</td></tr>` +
      `<tr><th>requests</th><td>340 (31/s last second)</td></tr>` +
      `<tr><th>in flight</th><td>4</td></tr>` +
      `<tr><th>coupons</th><td>7 issued of 100, 93 left</td></tr>` +
      `<tr><th>cache</th><td>20 hits, 3 misses</td></tr>` +
      `</tbody></table>`,
  );
});
