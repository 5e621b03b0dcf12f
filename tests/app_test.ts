import { assertEquals, assertOk } from "./_assert.ts";
import { Hono } from "hono";
import { createHandler, createService, setTimingHeaders } from "../server/accounting.ts";
import type { CouponTake, ServerSettings, ServiceDeps, SharedStore } from "../server/settings.ts";
import { ServerState } from "../server/shared_state.ts";
import { ManualClock } from "../lib/clock.ts";

/** The service as `serve` runs it (app + accounting), asked without a socket. */
function createApp(o: Partial<ServerSettings> & ServiceDeps) {
  const { state, random, clock, epochNow, compute, log, isolate, ...settings } = o;
  const { handler } = createService(settings, {
    state,
    random,
    clock,
    epochNow,
    compute,
    log,
    isolate,
  });
  return {
    request: (path: string, init?: RequestInit) =>
      handler(new Request(new URL(path, "http://localhost"), init)),
  };
}

const quiet = { latencyMs: 0, jitterMs: 0, compute: () => "h" };

function seq(values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length]!;
}

Deno.test("/api/work answers JSON with id, timing headers and padding", async () => {
  const app = createApp(quiet);
  const res = await app.request("/api/work?bytes=300");
  assertEquals(res.status, 200);
  assertOk(res.headers.get("X-Process-Time")!.match(/^\d+\.\d{6}$/));
  assertOk(res.headers.get("Server-Timing")!.startsWith("app;dur="));
  const text = await res.text();
  assertEquals(text.length, 300);
  assertEquals(JSON.parse(text).id, 1);
});

Deno.test("error injection answers 503 with Retry-After for the drawn fraction", async () => {
  const app = createApp({ ...quiet, errorRate: 0.5, random: seq([0.1, 0.9, 0.49, 0.5]) });
  const statuses = [];
  for (let i = 0; i < 4; i++) {
    const res = await app.request("/api/work");
    statuses.push(res.status);
    if (res.status === 503) assertEquals(res.headers.get("Retry-After"), "1");
    await res.body?.cancel();
  }
  assertEquals(statuses, [503, 200, 503, 200]);
  // A query override beats the default.
  const res = await app.request("/api/work?error_rate=0");
  assertEquals(res.status, 200);
});

Deno.test("latency and jitter are drawn uniformly and waited on the injected clock", async () => {
  const clock = new ManualClock();
  const app = createApp({ ...quiet, clock, random: seq([1]) });
  let done = false;
  const p = Promise.resolve(app.request("/api/work?latency=50ms&jitter=10ms")).then((r) => {
    done = true;
    return r.json();
  });
  await clock.advance(59);
  assertEquals(done, false);
  await clock.advance(1);
  const body = await p;
  assertEquals(body.latency_ms, 60);
});

Deno.test("timing headers carry the handling time measured on the injected clock", async () => {
  const clock = new ManualClock();
  const app = createApp({ ...quiet, clock });
  const pending = Promise.resolve(app.request("/api/work?latency=25ms"));
  await clock.advance(25);
  const res = await pending;
  assertEquals(res.headers.get("X-Process-Time"), "0.025000");
  assertEquals(res.headers.get("Server-Timing"), "app;dur=25.000");
  await res.body?.cancel();
});

Deno.test("timing values keep microseconds, cached or not", () => {
  const cases: [number, string, string][] = [
    [0, "0.000000", "app;dur=0.000"],
    [0.0126, "0.000013", "app;dur=0.013"],
    [9.999, "0.009999", "app;dur=9.999"],
    [10, "0.010000", "app;dur=10.000"], // past the cache
    [1234.5678, "1.234568", "app;dur=1234.568"],
  ];
  for (const [ms, xpt, st] of cases) {
    for (let i = 0; i < 2; i++) { // the second call is served from the cache
      const headers = new Headers();
      setTimingHeaders(headers, ms);
      assertEquals(
        [headers.get("X-Process-Time"), headers.get("Server-Timing")],
        [xpt, st],
        `${ms} ms`,
      );
    }
  }
});

Deno.test("a request waiting on latency is in flight until it is answered", async () => {
  const clock = new ManualClock();
  const state = ServerState.create();
  const app = createApp({ ...quiet, clock, state });
  const slow = Promise.resolve(app.request("/api/work?latency=10ms"));
  const during = await (await app.request("/stats")).json();
  assertEquals(during.in_flight, 1);
  await clock.advance(10);
  await (await slow).body?.cancel();
  const after = await (await app.request("/stats")).json();
  assertEquals(after.in_flight, 0);
});

Deno.test("bad query values get 400 JSON naming the parameter", async () => {
  const app = createApp(quiet);
  const cases: [string, string][] = [
    ["latency=fast", "'latency'"],
    ["latency=2m", "'latency'"],
    ["jitter=-1", "'jitter'"],
    ["error_rate=1.5", "'error_rate'"],
    ["error_rate=", "'error_rate'"],
    ["bytes=lots", "'bytes'"],
  ];
  for (const [q, name] of cases) {
    const res = await app.request(`/api/work?${q}`);
    assertEquals(res.status, 400, q);
    const body = await res.json();
    assertEquals(body.error, "bad_request");
    assertOk(body.message.includes(name), body.message);
  }
});

Deno.test("unknown routes get 404 JSON, wrong methods 405, large bodies 413", async () => {
  const app = createApp({ ...quiet, maxBodyBytes: 10 });
  let res = await app.request("/nope");
  assertEquals(res.status, 404);
  assertEquals((await res.json()).error, "not_found");
  res = await app.request("/api/work", { method: "DELETE" });
  assertEquals(res.status, 405);
  assertEquals(res.headers.get("Allow"), "GET, HEAD");
  await res.body?.cancel();
  res = await app.request("/coupons");
  assertEquals([res.status, res.headers.get("Allow")], [405, "POST"]);
  await res.body?.cancel();
  // Only the exact path takes the /api/work fast path.
  for (const path of ["/api/workx", "/api/work/x", "/api", "/API/WORK"]) {
    res = await app.request(path);
    assertEquals(res.status, 404, path);
    await res.body?.cancel();
  }
  for (const path of ["/api/work?", "/api/work?latency=0"]) {
    res = await app.request(path);
    assertEquals(res.status, 200, path);
    await res.body?.cancel();
  }
  res = await app.request("/coupons", { method: "POST", body: "x".repeat(11) });
  assertEquals(res.status, 413);
  assertEquals((await res.json()).error, "payload_too_large");
  res = await app.request("/coupons", { method: "POST", body: "x".repeat(10) });
  assertEquals(res.status, 200);
  await res.body?.cancel();
});

Deno.test("/cached hits within the TTL and misses after it, on a fake clock", async () => {
  const clock = new ManualClock();
  let computed = 0;
  const state = ServerState.create();
  const app = createApp({
    ...quiet,
    clock,
    state,
    cacheTtlMs: 5000,
    compute: () => `v${++computed}`,
  });
  const get = async (q = "") => {
    const res = await app.request(`/cached${q}`);
    return { header: res.headers.get("X-Cache"), body: await res.json() };
  };
  assertEquals((await get()).header, "MISS");
  await clock.advance(4999);
  const hit = await get();
  assertEquals([hit.header, hit.body.cache, hit.body.value], ["HIT", "hit", "v1"]);
  assertEquals((await get("?key=b")).header, "MISS");
  await clock.advance(1);
  const miss = await get();
  assertEquals([miss.header, miss.body.value], ["MISS", "v3"]);
  assertEquals(computed, 3);
  assertEquals(state.snapshot().cache, { hits: 1, misses: 3 });
});

Deno.test("/slow computes every time", async () => {
  let computed = 0;
  const app = createApp({ ...quiet, compute: () => String(++computed) });
  await (await app.request("/slow")).body?.cancel();
  await (await app.request("/slow")).body?.cancel();
  assertEquals(computed, 2);
});

Deno.test("coupons are issued once each, then 410", async () => {
  const app = createApp({ ...quiet, state: ServerState.create({ coupons: 3 }) });
  const results = await Promise.all(
    Array.from({ length: 5 }, () => app.request("/coupons", { method: "POST" })),
  );
  const statuses = results.map((r) => r.status).sort();
  assertEquals(statuses, [200, 200, 200, 410, 410]);
  const numbers = [];
  for (const r of results) {
    const body = await r.json();
    if (r.status === 200) numbers.push(body.coupon);
    else assertEquals(body.error, "sold_out");
  }
  assertEquals(numbers.sort(), [1, 2, 3]);
});

Deno.test("/stats counts by route and status, in flight and coupons", async () => {
  const state = ServerState.create({ coupons: 2 });
  const app = createApp({ ...quiet, state });
  for (const path of ["/api/work", "/api/work", "/nope", "/healthz"]) {
    await (await app.request(path)).body?.cancel();
  }
  await (await app.request("/coupons", { method: "POST" })).body?.cancel();
  const stats = await (await app.request("/stats")).json();
  assertEquals(stats.routes["/api/work"], { "200": 2 });
  assertEquals(stats.routes.other, { "404": 1 });
  assertEquals(stats.routes["/coupons"], { "200": 1 });
  assertEquals(stats.requests_total, 5);
  assertEquals(stats.in_flight, 0); // answered at once, so never pending
  assertEquals(stats.coupons, { total: 2, issued: 1, left: 1, users: 0 });
});

Deno.test("the accounting layer wraps any Hono app: mounted or extended, nothing is lost", async () => {
  const state = ServerState.create();
  const app = new Hono().get("/hello", (c) => c.text("hi")).post(
    "/echo",
    async (c) => c.text(await c.req.text()),
  );
  const handle = createHandler(app, { state, maxBodyBytes: 4 });
  const ok = await handle(new Request("http://localhost/hello"));
  assertEquals(await ok.text(), "hi");
  assertOk(ok.headers.get("X-Process-Time"));
  const big = await handle(
    new Request("http://localhost/echo", { method: "POST", body: "12345" }),
  );
  assertEquals(big.status, 413);
  await big.body?.cancel();
  assertEquals(state.snapshot().requests_total, 2);
});

Deno.test("--log: a coupon's line carries its number; a sold-out one none", async () => {
  const lines: string[] = [];
  const { handler } = createService({ ...quiet, log: true }, {
    log: (l) => lines.push(l),
    state: ServerState.create({ coupons: 2 }),
  });
  for (let i = 0; i < 3; i++) {
    await (await handler(new Request("http://localhost/coupons", { method: "POST" }))).body
      ?.cancel();
  }
  const logged = lines.map((l) => JSON.parse(l));
  assertEquals(logged.map((l) => [l.status, l.coupon]), [[200, 1], [200, 2], [410, undefined]]);
});

/** A shared store (as `--redis` gives) that issues `stock` coupons, one per user, or is down. */
function fakeStore(stock: number, down?: Error): SharedStore {
  let issued = 0;
  const users = new Map<string, number>();
  const take = (user?: string): CouponTake => {
    const have = user === undefined ? undefined : users.get(user);
    if (have !== undefined) return { result: "already_issued", coupon: have };
    if (issued >= stock) return { result: "sold_out" };
    if (user !== undefined) users.set(user, issued + 1);
    return { result: "issued", coupon: ++issued, left: stock - issued };
  };
  return {
    name: "Redis at redis://10.0.0.9:6379",
    takeCoupon: (user) => down ? Promise.reject(down) : Promise.resolve(take(user)),
    stats: (local) =>
      down ? Promise.reject(down) : Promise.resolve({
        ...local,
        coupons: { total: stock, issued, left: stock - issued, users: users.size },
      }),
  };
}

Deno.test("with a shared store: its numbers are logged and its count is /stats'", async () => {
  const lines: string[] = [];
  const { handler } = createService({ ...quiet, log: true }, {
    log: (l) => lines.push(l),
    store: fakeStore(5),
  });
  const ask = (path: string, method = "GET", headers: HeadersInit = {}) =>
    handler(new Request(`http://localhost${path}`, { method, headers }));
  for (let i = 0; i < 3; i++) await (await ask("/coupons", "POST")).body?.cancel();
  assertEquals(lines.map((l) => JSON.parse(l).coupon), [1, 2, 3]);
  // One per user: the store's answer, 409 with the coupon the user holds.
  for (let i = 0; i < 2; i++) {
    await (await ask("/coupons", "POST", { "x-user": "ann" })).body?.cancel();
  }
  assertEquals(
    lines.slice(3).map((l) => JSON.parse(l)).map((l) => [l.status, l.user, l.coupon]),
    [[200, "ann", 4], [409, "ann", undefined]],
  );
  assertEquals(
    (await (await ask("/stats")).json()).coupons,
    { total: 5, issued: 4, left: 1, users: 1 },
  );
});

Deno.test("with a shared store down: /stats and /coupons answer 503 JSON naming it", async () => {
  const cases: [Error, string][] = [
    [
      new Error("Redis at redis://10.0.0.9:6379 cannot be reached (connect ECONNREFUSED)"),
      "Redis at redis://10.0.0.9:6379 cannot be reached (connect ECONNREFUSED)",
    ],
    // An error that does not name the store is given its name.
    [new TypeError("boom"), "Redis at redis://10.0.0.9:6379 failed (boom)"],
  ];
  for (const [down, why] of cases) {
    const { handler } = createService(quiet, { store: fakeStore(5, down) });
    const ask = (path: string, method = "GET") =>
      handler(new Request(`http://localhost${path}`, { method }));
    const stats = await ask("/stats");
    assertEquals(stats.status, 503);
    assertEquals(stats.headers.get("retry-after"), "1");
    assertEquals(await stats.json(), {
      error: "store_unavailable",
      message: `${why}; /stats reads every server's counts from it`,
    });
    const coupon = await ask("/coupons", "POST");
    assertEquals(coupon.status, 503);
    assertEquals(await coupon.json(), {
      error: "store_unavailable",
      message: `${why}; no coupon was issued`,
    });
  }
});
