/**
 * The server's injected faults: latency with jitter, 503 error injection and a capacity limit
 * (a token bucket with a bounded wait queue, shared by every isolate). Side effects (random
 * source, clock) are parameters, so tests drive them on virtual time.
 *
 * @module
 */

import { parseBytes, parseDuration } from "../lib/units.ts";
import type { ServerState } from "./shared_state.ts";

/** Fault settings of one request: the server's defaults, possibly overridden by the query. */
export interface FaultSettings {
  latencyMs: number;
  jitterMs: number;
  errorRate: number;
  bytes: number;
}

/** A bad query parameter: the route answers 400 with this message. */
export class BadParameter extends Error {
  override name = "BadParameter";
}

/** Longest injected latency a query may ask for, and largest padded body. */
export const MAX_QUERY_LATENCY_MS = 60_000;
export const MAX_QUERY_BYTES = 16 * 1024 * 1024;

/**
 * Applies `?latency=50ms&jitter=5ms&error_rate=0.1&bytes=2048` over `defaults`; throws
 * {@linkcode BadParameter} naming the parameter for a bad value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const defaults = { latencyMs: 20, jitterMs: 5, errorRate: 0, bytes: 0 };
 * assert.equal(faultSettings(new URLSearchParams("latency=50ms"), defaults).latencyMs, 50);
 * assert.throws(() => faultSettings(new URLSearchParams("latency=soon"), defaults), BadParameter);
 * ```
 */
export function faultSettings(query: URLSearchParams, defaults: FaultSettings): FaultSettings {
  const out = { ...defaults };
  const dur = (name: string, key: "latencyMs" | "jitterMs") => {
    const raw = query.get(name);
    if (raw === null) return;
    const v = parseDuration(raw);
    if (v === undefined || v > MAX_QUERY_LATENCY_MS) {
      throw new BadParameter(
        `query parameter '${name}' must be a duration up to 60s such as 50ms, got "${raw}"`,
      );
    }
    out[key] = v;
  };
  dur("latency", "latencyMs");
  dur("jitter", "jitterMs");
  const rate = query.get("error_rate");
  if (rate !== null) {
    const v = rate.trim() === "" ? NaN : Number(rate);
    if (!(v >= 0 && v <= 1)) {
      throw new BadParameter(`query parameter 'error_rate' must be in [0, 1], got "${rate}"`);
    }
    out.errorRate = v;
  }
  const bytes = query.get("bytes");
  if (bytes !== null) {
    const v = parseBytes(bytes);
    if (v === undefined || v > MAX_QUERY_BYTES) {
      throw new BadParameter(
        `query parameter 'bytes' must be a size up to 16mb such as 2048, got "${bytes}"`,
      );
    }
    out.bytes = v;
  }
  return out;
}

/** Latency for one request: uniform in latency ± jitter, never negative. */
export function drawLatency(s: FaultSettings, random: () => number): number {
  if (s.jitterMs === 0) return s.latencyMs;
  return Math.max(0, s.latencyMs + (random() * 2 - 1) * s.jitterMs);
}

/** Capacity limit settings. */
export interface CapacityOptions {
  /** Sustained requests/s; 0 = unlimited. */
  capacity: number;
  /** Requests that may start back-to-back (token bucket size); default 1% of a second, ≥ 1. */
  burst?: number;
  /** Requests that may wait for capacity; past it they get 503 at once. */
  backlog: number;
}

/** The limiter's answer: start after `waitMs`, or reject. */
export type Admission = { ok: true; waitMs: number } | { ok: false };

/**
 * An exact capacity limit, as a GCRA token bucket whose schedule lives in the shared state, so N
 * isolates together start at most `capacity` requests/s (plus `burst`). A request that would
 * have to wait while `backlog` others already do is rejected.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ServerState } from "./shared_state.ts";
 * const limiter = new CapacityLimiter(ServerState.create(), { capacity: 100, backlog: 10 });
 * assert.deepEqual(limiter.admit(Date.now()), { ok: true, waitMs: 0 });
 * ```
 */
export class CapacityLimiter {
  readonly capacity: number;
  readonly burst: number;
  readonly backlog: number;
  #state: ServerState;
  #intervalUs: number;
  #toleranceUs: number;

  constructor(state: ServerState, options: CapacityOptions) {
    this.#state = state;
    this.capacity = options.capacity;
    this.burst = options.burst ?? Math.max(1, Math.ceil(options.capacity / 100));
    this.backlog = options.backlog;
    this.#intervalUs = 1e6 / options.capacity;
    this.#toleranceUs = (this.burst - 1) * this.#intervalUs;
  }

  /** Reserves a start slot at `nowMs` (epoch ms) or rejects when the wait queue is full. */
  admit(nowMs: number): Admission {
    const now = Math.round(nowMs * 1000);
    for (;;) {
      const tatBig = this.#state.tat();
      const tat = Number(tatBig);
      const start = Math.max(now, tat - this.#toleranceUs);
      if (start > now && this.#state.waitingNow() >= this.backlog) return { ok: false };
      const next = Math.max(tat, now) + this.#intervalUs;
      if (this.#state.casTat(tatBig, BigInt(Math.round(next)))) {
        return { ok: true, waitMs: (start - now) / 1000 };
      }
    }
  }
}
