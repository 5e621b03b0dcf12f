/**
 * The accounting layer around the mock app: {@linkcode createHandler} wraps any Hono app's fetch
 * with what every request gets (the body limit, 413; the in-flight gauge for pending requests;
 * `X-Process-Time` and `Server-Timing`; counts by route and status; the `--log` line), and
 * serves the app's hot route (`GET /api/work`) on a fast path past Hono. A handler around the
 * app, rather than a Hono middleware or a replaced `app.fetch`: the common request stays
 * synchronous (measured in bench/serve), and the app itself stays a plain Hono app.
 * {@linkcode createService} builds both with one set of effects.
 *
 * @module
 */

import type { Hono } from "hono";
import { type Clock, systemClock } from "../lib/clock.ts";
import { createApp, hotRouteOf, logFieldsOf } from "./app.ts";
import { DEFAULT_SETTINGS, type ServerSettings, type ServiceDeps } from "./settings.ts";
import { epochMs, ServerState } from "./shared_state.ts";

/** A fetch handler, as `Deno.serve` takes it. */
export type Fetch = Hono["fetch"];

// Timing header values, cached per whole microsecond below 10 ms. The cached strings are
// internalized (used once as a property key): Deno hands such strings to its HTTP layer
// measurably faster than fresh ones, about 1 µs per response here (see bench/serve).
const TIMING_CACHE_US = 10_000;
const processTimes: string[] = [];
const serverTimings: string[] = [];
const intern = (s: string): string => Object.keys({ [s]: 0 })[0]!;

/**
 * Sets `X-Process-Time` (seconds, as FastAPI examples give) and `Server-Timing` (one `app`
 * metric) for a handling time of `ms`, both with microsecond resolution.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const h = new Headers();
 * setTimingHeaders(h, 1.5);
 * assert.equal(h.get("x-process-time"), "0.001500");
 * assert.equal(h.get("server-timing"), "app;dur=1.500");
 * ```
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

/** The effects and limits of {@linkcode createHandler}. */
export interface HandlerOptions {
  /** Shared counters (default: a fresh state). */
  state?: ServerState;
  /** Clock of the timing headers (default the system clock). */
  clock?: Clock;
  /** Epoch-ms source for the per-second counts (default real time). */
  epochNow?: () => number;
  /** Largest request body in bytes; larger gets 413 (default 1 MiB). */
  maxBodyBytes?: number;
  /** Receives one JSON line per request when set. */
  log?: (line: string) => void;
}

/**
 * The fetch handler that serves `app` with the accounting every request gets.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Hono } from "hono";
 * import { ServerState } from "./shared_state.ts";
 * const app = new Hono().get("/hello", (c) => c.text("hi"));
 * const state = ServerState.create();
 * const handle = createHandler(app, { state });
 * const res = await handle(new Request("http://localhost/hello"));
 * assert.equal(await res.text(), "hi");
 * assert.ok(res.headers.has("x-process-time"));
 * assert.equal(state.snapshot().requests_total, 1);
 * ```
 */
export function createHandler(app: Hono, options: HandlerOptions = {}): Fetch {
  const inner: Fetch = app.fetch;
  const hotRoute = hotRouteOf(app);
  const work = hotRoute?.handle;
  const deps = {
    state: options.state ?? ServerState.create(),
    clock: options.clock ?? systemClock,
    epochNow: options.epochNow ?? epochMs,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_SETTINGS.maxBodyBytes,
    log: options.log,
  };
  const { state, clock, maxBodyBytes, log } = deps;
  // One clock read per request end: epoch time is derived from the clock's reading.
  const epochOffset = deps.epochNow() - clock.now();
  const finish = (req: Request, path: string, t0: number, res: Response): Response => {
    const end = clock.now();
    const ms = end - t0;
    setTimingHeaders(res.headers, ms);
    state.count(path, res.status, end + epochOffset, ms);
    if (log) {
      log(JSON.stringify({
        t: new Date().toISOString(),
        method: req.method,
        path,
        status: res.status,
        ms: Math.round(ms * 1000) / 1000,
        ...logFieldsOf(res),
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
    const hot = work !== undefined && (method === "GET" || method === "HEAD") && isHotPath(url);
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
            body === undefined ? tooLarge() : inner(withBody(req, body), env, ctx)
          ),
        );
      }
    }
    let res: Response | Promise<Response>;
    try {
      // HEAD is answered as the GET would be, body included: Deno.serve sends its length and
      // drops it (Hono would drop it first, and the length would read 0).
      res = hot ? work!(url) : inner(method === "HEAD" ? asGet(req) : req, env, ctx);
    } catch (err) {
      res = internal(err);
    }
    return res instanceof Response ? finish(req, path, t0, res) : pending(req, path, t0, res);
  };
}

/** A HEAD request as the GET it asks about. */
function asGet(req: Request): Request {
  return new Request(req.url, { method: "GET", headers: req.headers });
}

/**
 * The request again with a body already read. Built from its URL and parts: `new Request(req,
 * …)` would make Deno warn on stderr that the signal follows the legacy behaviour.
 */
function withBody(req: Request, body: Uint8Array<ArrayBuffer>): Request {
  return new Request(req.url, { method: req.method, headers: req.headers, body });
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

/**
 * The mock app and its handler, built with one set of settings and effects.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const { handler } = createService({ latencyMs: 0, jitterMs: 0 });
 * const res = await handler(new Request("http://localhost/api/work"));
 * assert.equal(res.status, 200);
 * assert.match(res.headers.get("server-timing")!, /^app;dur=/);
 * ```
 */
export function createService(
  settings: Partial<ServerSettings> = {},
  deps: ServiceDeps = {},
): { app: Hono; handler: Fetch; state: ServerState } {
  const state = deps.state ?? ServerState.create();
  const app = createApp(settings, { ...deps, state });
  const handler = createHandler(app, {
    state,
    clock: deps.clock,
    epochNow: deps.epochNow,
    maxBodyBytes: settings.maxBodyBytes,
    log: settings.log === false ? undefined : deps.log,
  });
  return { app, handler, state };
}
