/**
 * The mock service as a Hono app: `createApp(options)` builds it and never listens, so tests call
 * `app.request()` without a socket and `serve` binds it with `Deno.serve`.
 *
 * @module
 */

import { Hono } from "hono";
import type { Context } from "hono";
import type { Clock } from "../lib/clock.ts";
import { systemClock } from "../lib/clock.ts";
import { burnCpu } from "../lib/cpu_work.ts";
import {
  BadParameter,
  CapacityLimiter,
  drawLatency,
  type FaultSettings,
  faultSettings,
} from "./faults.ts";
import { epochMs, ROUTES, ServerState } from "./shared_state.ts";

/** Options of {@linkcode createApp}; every field has a default. */
export interface AppOptions {
  /** Injected latency of `/api/work` in ms (default 20). */
  latencyMs?: number;
  /** Uniform ± jitter around the latency in ms (default 5). */
  jitterMs?: number;
  /** Fraction of `/api/work` requests answered 503 (default 0). */
  errorRate?: number;
  /** Requests/s that `/api/work` sustains; 0 = unlimited (default 0). */
  capacity?: number;
  /** Token bucket size of the capacity limit (default 1% of capacity, at least 1). */
  burst?: number;
  /** Requests that may wait for capacity before 503s (default 100). */
  backlog?: number;
  /** CPU time of `/slow` and of a `/cached` miss, in ms (default 20). */
  computeMs?: number;
  /** TTL of the `/cached` entries in ms (default 5000). */
  cacheTtlMs?: number;
  /** Largest request body in bytes; larger gets 413 (default 1 MiB). */
  maxBodyBytes?: number;
  /** Shared counters (default: a fresh state with 10,000 coupons). */
  state?: ServerState;
  /** Random source in [0, 1) (default `Math.random`). */
  random?: () => number;
  /** Clock for latency, TTLs and timing (default the system clock). */
  clock?: Clock;
  /** Epoch-ms source for the capacity schedule and per-second counts (default real time). */
  epochNow?: () => number;
  /** CPU work for `/slow` and `/cached` (default {@linkcode burnCpu}). */
  compute?: (ms: number, seed: number) => string;
  /** Receives one JSON line per request when set (`--log`). */
  log?: (line: string) => void;
  /** This isolate's index, reported in `/api/work` bodies (default 0). */
  isolate?: number;
}

const KNOWN = new Set(ROUTES);
const RETRY_AFTER = { "Retry-After": "1" };

function jsonError(c: Context, status: 400 | 404 | 405 | 413, error: string, message: string) {
  return c.json({ error, message }, status);
}

/**
 * Builds the mock service.
 *
 * @example
 * ```ts
 * const app = createApp({ latencyMs: 0, jitterMs: 0 });
 * const res = await app.request("/api/work");
 * res.status; // 200
 * ```
 */
export function createApp(options: AppOptions = {}): Hono {
  const state = options.state ?? ServerState.create();
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const epochNow = options.epochNow ?? epochMs;
  const compute = options.compute ?? ((ms: number, seed: number) => burnCpu(ms, seed));
  const defaults: FaultSettings = {
    latencyMs: options.latencyMs ?? 20,
    jitterMs: options.jitterMs ?? 5,
    errorRate: options.errorRate ?? 0,
    bytes: 0,
  };
  const computeMs = options.computeMs ?? 20;
  const cacheTtlMs = options.cacheTtlMs ?? 5000;
  const limiter = options.capacity
    ? new CapacityLimiter(state, {
      capacity: options.capacity,
      burst: options.burst,
      backlog: options.backlog ?? 100,
    })
    : undefined;
  const cache = new Map<string, { value: string; at: number }>();
  const isolate = options.isolate ?? 0;

  const app = new Hono();

  // The hot route is a plain function of the Request: Hono routes to it, and the accounting
  // wrapper calls it directly for GET /api/work (no Context on the hot path; see bench/serve).
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
  const work = (url: string): Response | Promise<Response> => {
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

  app.post("/coupons", (c) => {
    const coupon = state.takeCoupon();
    if (coupon === 0) {
      return c.json({ error: "sold_out", message: "no coupons left" }, 410);
    }
    return c.json({ coupon, left: state.couponsLeft() });
  });

  app.get("/stats", (c) => c.json(state.snapshot(epochNow())));
  app.get("/healthz", (c) => c.json({ ok: true }));

  app.notFound((c) => {
    const path = c.req.path;
    if (KNOWN.has(path)) {
      return jsonError(c, 405, "method_not_allowed", `${c.req.method} is not allowed on ${path}`);
    }
    return jsonError(c, 404, "not_found", `no route for ${c.req.method} ${path}`);
  });
  app.onError((err, c) => c.json({ error: "internal", message: String(err) }, 500));
  app.fetch = withAccounting(app.fetch, work, {
    state,
    clock,
    epochNow,
    maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
    log: options.log,
  });
  return app;
}

type Fetch = Hono["fetch"];

// Timing header values, cached per whole microsecond below 10 ms. The cached strings are
// internalized (used once as a property key): Deno hands such strings to its HTTP layer
// measurably faster than fresh ones, about 1 µs per response here (see bench/serve).
const TIMING_CACHE_US = 10_000;
const processTimes: string[] = [];
const serverTimings: string[] = [];
const intern = (s: string): string => Object.keys({ [s]: 0 })[0];

/**
 * Sets `X-Process-Time` (seconds, as FastAPI examples give) and `Server-Timing` (one `app`
 * metric) for a handling time of `ms`, both with microsecond resolution.
 */
export function setTimingHeaders(headers: Headers, ms: number): void {
  const us = Math.round(ms * 1000);
  if (us >= 0 && us < TIMING_CACHE_US) {
    headers.set("x-process-time", processTimes[us] ??= intern((us / 1e6).toFixed(6)));
    headers.set("server-timing", serverTimings[us] ??= intern(`app;dur=${(us / 1000).toFixed(3)}`));
  } else {
    headers.set("x-process-time", (ms / 1000).toFixed(6));
    headers.set("server-timing", `app;dur=${ms.toFixed(3)}`);
  }
}

const HOT = "/api/work";

/** Where the path of an absolute URL starts; -1 if it has none. */
const pathStart = (url: string) => url.indexOf("/", url.indexOf("//") + 2);

/** Whether the URL's path is `/api/work` (any query), without making a path string. */
function isHotPath(url: string): boolean {
  const start = pathStart(url);
  if (start === -1 || !url.startsWith(HOT, start)) return false;
  const end = start + HOT.length;
  return end === url.length || url.charCodeAt(end) === 63; // "?"
}

/** The fastest way to a request's path: no URL object. */
function pathOf(url: string): string {
  const start = pathStart(url);
  if (start === -1) return "/";
  const q = url.indexOf("?", start);
  return q === -1 ? url.slice(start) : url.slice(start, q);
}

/**
 * Wraps a fetch handler with what every request gets: the body limit (413), the in-flight
 * gauge for pending requests, `X-Process-Time` and `Server-Timing`, counts by route and
 * status, and the `--log` line.
 * A wrapper rather than a Hono middleware: it keeps the common request on Hono's synchronous
 * fast path (measured in bench/serve).
 */
function withAccounting(
  inner: Fetch,
  work: (url: string) => Response | Promise<Response>,
  deps: {
    state: ServerState;
    clock: Clock;
    epochNow: () => number;
    maxBodyBytes: number;
    log?: (line: string) => void;
  },
): Fetch {
  const { state, clock, maxBodyBytes, log } = deps;
  // One clock read per request end: epoch time is derived from the clock's reading.
  const epochOffset = deps.epochNow() - clock.now();
  const finish = (req: Request, path: string, t0: number, res: Response): Response => {
    const end = clock.now();
    const ms = end - t0;
    setTimingHeaders(res.headers, ms);
    state.count(path, res.status, end + epochOffset);
    if (log) {
      log(JSON.stringify({
        t: new Date().toISOString(),
        method: req.method,
        path,
        status: res.status,
        ms: Math.round(ms * 1000) / 1000,
      }));
    }
    return res;
  };
  const tooLarge = () =>
    Response.json({
      error: "payload_too_large",
      message: `request body is over ${maxBodyBytes} bytes`,
    }, { status: 413 });
  const internal = (err: unknown) =>
    Response.json({ error: "internal", message: String(err) }, { status: 500 });
  // A request answered synchronously is never observable half-done, so only a pending one
  // enters the in-flight gauge (two atomics fewer on the common path).
  const pending = (req: Request, path: string, t0: number, res: Promise<Response>) => {
    state.inFlight(1);
    return res.then(
      (r) => (state.inFlight(-1), finish(req, path, t0, r)),
      (err) => (state.inFlight(-1), finish(req, path, t0, internal(err))),
    );
  };
  return function accounting(req, env, ctx) {
    const t0 = clock.now();
    const url = req.url;
    const method = req.method;
    // GET /api/work goes straight to its handler, past Hono and without a path string.
    const hot = method === "GET" && isHotPath(url);
    const path = hot ? HOT : pathOf(url);
    if (method !== "GET" && method !== "HEAD" && req.body !== null) {
      const length = Number(req.headers.get("content-length") ?? NaN);
      if (length > maxBodyBytes) return finish(req, path, t0, tooLarge());
      if (!(length >= 0)) {
        return pending(
          req,
          path,
          t0,
          readLimited(req.body, maxBodyBytes).then((body) =>
            body === undefined
              ? tooLarge()
              : inner(new Request(req, { body: body as Uint8Array<ArrayBuffer> }), env, ctx)
          ),
        );
      }
    }
    let res: Response | Promise<Response>;
    try {
      res = hot ? work(url) : inner(req, env, ctx);
    } catch (err) {
      res = internal(err);
    }
    return res instanceof Response ? finish(req, path, t0, res) : pending(req, path, t0, res);
  };
}

/** Reads a body of unknown length up to `limit` bytes; undefined if it is longer. */
async function readLimited(
  body: ReadableStream<Uint8Array>,
  limit: number,
): Promise<Uint8Array<ArrayBuffer> | undefined> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) return undefined;
    chunks.push(chunk);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
