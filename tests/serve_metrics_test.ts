/**
 * `serve`'s `GET /metrics`: the exposition parses with an independent parser, and its counters
 * are `/stats`' to the request, in one isolate and across `--workers 2` (the counters and the
 * processing-time histogram live in the shared memory every isolate counts into).
 */
import { assertEquals, assertOk } from "./_assert.ts";
import { families, valueOf } from "./_prometheus.ts";
import { createService } from "../server/accounting.ts";
import { startIsolates } from "../server/isolates.ts";
import { DEFAULT_SETTINGS } from "../server/settings.ts";
import { PROCESS_TIME_BOUNDS_MS, ServerState, type StatsSnapshot } from "../server/shared_state.ts";

/** `/metrics`' counters against a `/stats` snapshot taken just before it. */
function assertAgrees(text: string, stats: StatsSnapshot) {
  const f = families(text);
  const requests = f.get("tpsdemo_serve_requests_total")!;
  assertEquals(requests.type, "COUNTER");
  for (const [route, byStatus] of Object.entries(stats.routes)) {
    for (const [status, n] of Object.entries(byStatus)) {
      // The /stats request itself ended after its snapshot, before this one.
      const want = route === "/stats" ? n + 1 : n;
      assertEquals(valueOf(requests, { route, status }), want, `${route} ${status}`);
    }
  }
  assertEquals(valueOf(f.get("tpsdemo_serve_coupons_issued_total")), stats.coupons.issued);
  assertEquals(valueOf(f.get("tpsdemo_serve_coupons_left")), stats.coupons.left);
  const cache = f.get("tpsdemo_serve_cache_lookups_total");
  assertEquals(valueOf(cache, { result: "hit" }), stats.cache.hits);
  assertEquals(valueOf(cache, { result: "miss" }), stats.cache.misses);
  assertEquals(valueOf(f.get("tpsdemo_serve_isolates")), stats.isolates);
  assertEquals(valueOf(f.get("tpsdemo_serve_in_flight_requests")), 0);
  // Every request answered is in its route's histogram: the counts add up to the requests.
  const counts = [...text.matchAll(/^tpsdemo_serve_process_time_seconds_count\{.*\} (\d+)$/gm)]
    .reduce((a, m) => a + Number(m[1]), 0);
  assertEquals(counts, stats.requests_total + 1);
}

Deno.test("serve /metrics: the counters of /stats, by route and status, and the histogram", async () => {
  const { handler } = createService({ latencyMs: 0, jitterMs: 0 }, {
    state: ServerState.create({ coupons: 2 }),
  });
  const get = async (path: string, init?: RequestInit) => {
    const res = await handler(new Request(`http://x${path}`, init));
    return { res, text: await res.text() };
  };
  for (let i = 0; i < 5; i++) await get("/api/work");
  await get("/api/work?latency=30ms");
  await get("/api/work?latency=oops");
  await get("/cached?key=a");
  await get("/cached?key=a");
  for (let i = 0; i < 3; i++) await get("/coupons", { method: "POST" });
  await get("/nowhere");
  const stats: StatsSnapshot = JSON.parse((await get("/stats")).text);
  const { res, text } = await get("/metrics");
  assertEquals(res.status, 200);
  assertEquals(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  assertOk(res.headers.has("x-process-time"), "/metrics is timed as every route is");
  assertAgrees(text, stats);
  assertEquals(stats.coupons.issued, 2);
  const f = families(text);
  assertEquals(
    valueOf(f.get("tpsdemo_serve_requests_total"), { route: "/coupons", status: "410" }),
    1,
  );
  assertEquals(
    valueOf(f.get("tpsdemo_serve_requests_total"), { route: "other", status: "404" }),
    1,
  );
  assertEquals(f.get("tpsdemo_serve_process_time_seconds")!.type, "HISTOGRAM");
  // Five at once and the 400 within 25 ms; the 30 ms one above it.
  const le = (bound: number) =>
    Number(
      new RegExp(
        `^tpsdemo_serve_process_time_seconds_bucket\\{route="/api/work",le="${bound}"\\} (\\d+)$`,
        "m",
      ).exec(text)![1],
    );
  assertEquals(le(0.025), 6);
  assertEquals(le(10), 7);
  assertEquals(PROCESS_TIME_BOUNDS_MS.at(-1), 10_000);
  assertOk(!text.includes("tpsdemo_serve_store_up"), "no store, no store gauge");
});

Deno.test("serve /metrics: --workers 2 count into one state; /metrics equals /stats", async () => {
  const state = ServerState.create({ coupons: 50 });
  const iso = await startIsolates(state, {
    hostname: "127.0.0.1",
    port: 0,
    count: 2,
    settings: { ...DEFAULT_SETTINGS, latencyMs: 1, jitterMs: 0 },
  });
  try {
    const base = `http://127.0.0.1:${iso.port}`;
    const hit = async (path: string, init?: RequestInit) =>
      await (await fetch(`${base}${path}`, init)).body?.cancel();
    // Separate connections, so both isolates answer.
    await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        hit(i % 3 === 0 ? "/coupons" : "/api/work", {
          method: i % 3 === 0 ? "POST" : "GET",
          headers: { connection: "close" },
        })),
    );
    const stats: StatsSnapshot = await (await fetch(`${base}/stats`)).json();
    const text = await (await fetch(`${base}/metrics`)).text();
    assertEquals(stats.isolates, 2);
    assertEquals(stats.coupons.issued, 20);
    assertAgrees(text, stats);
  } finally {
    await iso.shutdown(1000);
  }
});
