/**
 * The mock service as a Hono app: `createApp(settings, deps)` builds it and never listens, and
 * leaves Hono's `fetch` alone, so the app can be mounted or extended. What every request gets
 * (timing headers, the body limit, counts, the log line) is the accounting layer around it,
 * `createHandler` in `accounting.ts`.
 *
 * @module
 */

import { Hono } from "hono";
import type { Context } from "hono";
import { systemClock } from "../lib/clock.ts";
import { burnCpu } from "../lib/cpu_work.ts";
import {
  BadParameter,
  CapacityLimiter,
  drawLatency,
  type FaultSettings,
  faultSettings,
} from "./faults.ts";
import { DEFAULT_SETTINGS, type ServerSettings, type ServiceDeps } from "./settings.ts";
import { sharedRoutes } from "./coupon_routes.ts";
import { epochMs, ServerState } from "./shared_state.ts";
import { serveMetrics } from "./metrics.ts";
import { PROMETHEUS_CONTENT_TYPE } from "../lib/prometheus.ts";

/** A route served without Hono's Context: a plain function of the request URL. */
export type HotRoute = (url: string) => Response | Promise<Response>;

// The app's hot route, for the accounting layer's fast path (see hotRouteOf).
const hotRoutes = new WeakMap<Hono, { path: string; handle: HotRoute }>();

export { logFieldsOf } from "./coupon_routes.ts";

/**
 * The route an app built by {@linkcode createApp} serves on the fast path (`GET /api/work`):
 * the accounting layer calls it directly, past Hono, as Hono itself would route it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Hono } from "hono";
 * assert.equal(hotRouteOf(createApp())?.path, "/api/work");
 * assert.equal(hotRouteOf(new Hono()), undefined);
 * ```
 */
export function hotRouteOf(app: Hono): { path: string; handle: HotRoute } | undefined {
  return hotRoutes.get(app);
}

const RETRY_AFTER = { "Retry-After": "1" };
/** The methods each route answers (`Allow` of a 405). */
const ALLOW: Record<string, string> = {
  "/api/work": "GET, HEAD",
  "/slow": "GET, HEAD",
  "/cached": "GET, HEAD",
  "/coupons": "POST",
  "/stats": "GET, HEAD",
  "/healthz": "GET, HEAD",
  "/metrics": "GET, HEAD",
  "/dashboard": "GET, HEAD",
};

function jsonError(c: Context, status: 400 | 404 | 405 | 413, error: string, message: string) {
  return c.json({ error, message }, status);
}

/**
 * Builds the mock service: `/api/work` (latency, injected 503s, capacity), `/slow`, `/cached`,
 * `POST /coupons`, `/stats`, `/healthz`, `/metrics` (Prometheus), and JSON 404/405/500s.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const app = createApp({ latencyMs: 0, jitterMs: 0 });
 * const res = await app.request("/api/work");
 * assert.equal(res.status, 200);
 * assert.equal((await res.json()).id, 1);
 * ```
 */
export function createApp(settings: Partial<ServerSettings> = {}, deps: ServiceDeps = {}): Hono {
  const o = { ...DEFAULT_SETTINGS, ...settings };
  const state = deps.state ?? ServerState.create();
  const clock = deps.clock ?? systemClock;
  const random = deps.random ?? Math.random;
  const epochNow = deps.epochNow ?? epochMs;
  const compute = deps.compute ?? ((ms: number, seed: number) => burnCpu(ms, seed));
  const defaults: FaultSettings = {
    latencyMs: o.latencyMs,
    jitterMs: o.jitterMs,
    errorRate: o.errorRate,
    bytes: 0,
  };
  const computeMs = o.computeMs;
  const cacheTtlMs = o.cacheTtlMs;
  const limiter = o.capacity
    ? new CapacityLimiter(state, { capacity: o.capacity, burst: o.burst, backlog: o.backlog })
    : undefined;
  const cache = new Map<string, { value: string; at: number }>();
  const isolate = deps.isolate ?? 0;

  const app = new Hono();

  // The hot route is a plain function of the URL: Hono routes to it, and the accounting layer
  // calls it directly for GET /api/work (no Context on the hot path; see bench/serve).
  // A plain 200 takes Response.json's static fast path; an init object would cost a conversion.
  const json = (body: unknown, status = 200, retry = false) =>
    status === 200
      ? Response.json(body)
      : Response.json(body, retry ? { status, headers: RETRY_AFTER } : { status });
  const respond = (latency: number, bytes: number) => {
    const body: Record<string, unknown> = {
      id: state.nextId(),
      latency_ms: Math.round(latency * 1000) / 1000,
      isolate,
    };
    if (bytes > 0) {
      const base = JSON.stringify(body).length + 9;
      body.pad = "x".repeat(Math.max(0, bytes - base));
    }
    return json(body);
  };
  const work: HotRoute = (url) => {
    let s = defaults;
    const q = url.indexOf("?");
    if (q !== -1) {
      try {
        s = faultSettings(new URLSearchParams(url.slice(q + 1)), defaults);
      } catch (e) {
        if (e instanceof BadParameter) {
          return json({ error: "bad_request", message: e.message }, 400);
        }
        throw e;
      }
    }
    if (s.errorRate > 0 && random() < s.errorRate) {
      return json({ error: "unavailable", message: "injected error" }, 503, true);
    }
    let waitMs = 0;
    if (limiter) {
      const a = limiter.admit(epochNow());
      if (!a.ok) {
        return json({ error: "over_capacity", message: "capacity queue is full" }, 503, true);
      }
      waitMs = a.waitMs;
    }
    const latency = drawLatency(s, random);
    if (waitMs <= 0 && latency <= 0) return respond(latency, s.bytes);
    return (async () => {
      if (waitMs > 0) {
        state.waiting(1);
        try {
          await clock.sleep(waitMs);
        } finally {
          state.waiting(-1);
        }
      }
      if (latency > 0) await clock.sleep(latency);
      return respond(latency, s.bytes);
    })();
  };
  app.get("/api/work", (c) => work(c.req.url));

  app.get("/slow", (c) => {
    const t0 = clock.now();
    const value = compute(computeMs, state.nextId());
    return c.json({ value, compute_ms: Math.round((clock.now() - t0) * 1000) / 1000 });
  });

  app.get("/cached", (c) => {
    const key = c.req.query("key") ?? "";
    const now = clock.now();
    const hit = cache.get(key);
    if (hit && now - hit.at < cacheTtlMs) {
      state.cacheLookup(true);
      c.header("X-Cache", "HIT");
      return c.json({ cache: "hit", key, value: hit.value, age_ms: Math.round(now - hit.at) });
    }
    state.cacheLookup(false);
    const value = compute(computeMs, key.length);
    cache.set(key, { value, at: clock.now() });
    c.header("X-Cache", "MISS");
    return c.json({ cache: "miss", key, value, age_ms: 0 });
  });

  const store = deps.store;
  // POST /coupons and /stats: this process's shared memory, or the shared store (`--redis`).
  sharedRoutes(app, state, { store, epochNow });
  app.get("/healthz", (c) => c.json({ ok: true }));
  // Prometheus metrics: the counters of /stats, this server's (see metrics.ts).
  const metricsHeaders = { "content-type": PROMETHEUS_CONTENT_TYPE };
  app.get(
    "/metrics",
    async () =>
      new Response(await serveMetrics(state, { store, epochNow }), { headers: metricsHeaders }),
  );
  const dashboard = deps.dashboard;
  if (dashboard) app.get("/dashboard", async (c) => c.html(await dashboard()));

  app.notFound((c) => {
    const path = c.req.path;
    const allow = ALLOW[path];
    if (allow) {
      c.header("Allow", allow);
      return jsonError(c, 405, "method_not_allowed", `${c.req.method} is not allowed on ${path}`);
    }
    return jsonError(c, 404, "not_found", `no route for ${c.req.method} ${path}`);
  });
  app.onError((err, c) => c.json({ error: "internal", message: String(err) }, 500));
  hotRoutes.set(app, { path: "/api/work", handle: work });
  return app;
}
