/**
 * The mock service's settings, plain data (structured-cloneable, so they travel to server
 * isolates), apart from the effects a service is given ({@linkcode ServiceDeps}).
 *
 * @module
 */

import type { Clock } from "../lib/clock.ts";
import type { CouponTake } from "./coupon_users.ts";
import type { ServerState, StatsSnapshot } from "./shared_state.ts";

export type { CouponTake };

/** What `tpsdemo serve`'s flags set. */
export interface ServerSettings {
  /** Injected latency of `/api/work`, ms. */
  latencyMs: number;
  /** Uniform ± jitter around the latency, ms. */
  jitterMs: number;
  /** Fraction of `/api/work` requests answered 503. */
  errorRate: number;
  /** Requests/s that `/api/work` sustains; 0 = unlimited. */
  capacity: number;
  /** Token bucket size of the capacity limit (undefined: 1% of capacity, at least 1). */
  burst?: number;
  /** Requests that may wait for capacity before 503s. */
  backlog: number;
  /** CPU time of `/slow` and of a `/cached` miss, ms. */
  computeMs: number;
  /** TTL of the `/cached` entries, ms. */
  cacheTtlMs: number;
  /** Largest request body in bytes; larger gets 413. */
  maxBodyBytes: number;
  /** One JSON line per request on stderr. */
  log: boolean;
  /** A Redis URL: coupons and `/stats` shared with every server on it (`redis_store.ts`). */
  redis?: string;
  /**
   * Redis Cluster nodes (`host:port`, any of them): coupons and `/stats` shared with every
   * server on it, the stock split over its masters (`redis_cluster_store.ts`).
   */
  redisCluster?: string[];
  /** Key prefix in that Redis or Redis Cluster (default `tpsdemo:`). */
  redisPrefix?: string;
}

/**
 * A store shared by several servers (`serve --redis`, `--redis-cluster`): coupons and the
 * `/stats` view.
 */
export interface SharedStore {
  /** What it is, for messages (`Redis at redis://host:6379`). */
  readonly name: string;
  /**
   * A coupon for `user` (at most one per user, ever), or for anyone when undefined; rejects
   * when unreachable, with a message that names the store and why (no coupon was issued).
   */
  takeCoupon(user?: string): Promise<CouponTake>;
  /** The shared view of `/stats`, from this server's own snapshot; rejects when unreachable. */
  stats(local: StatsSnapshot, nowMs: number): Promise<StatsSnapshot>;
}

/** The defaults, as `tpsdemo serve` has them. */
export const DEFAULT_SETTINGS: Readonly<ServerSettings> = {
  latencyMs: 20,
  jitterMs: 5,
  errorRate: 0,
  capacity: 0,
  burst: undefined,
  backlog: 100,
  computeMs: 20,
  cacheTtlMs: 5000,
  maxBodyBytes: 1024 * 1024,
  log: false,
};

/** The effects a service uses; every one has a real default. */
export interface ServiceDeps {
  /** Shared counters (default: a fresh state with 10,000 coupons). */
  state?: ServerState;
  /** Random source in [0, 1) (default `Math.random`). */
  random?: () => number;
  /** Clock for latency, TTLs and timing (default the system clock). */
  clock?: Clock;
  /** Epoch-ms source for the capacity schedule and per-second counts (default real time). */
  epochNow?: () => number;
  /** CPU work for `/slow` and `/cached` (default `burnCpu`). */
  compute?: (ms: number, seed: number) => string;
  /** Receives one JSON line per request when `settings.log` is set. */
  log?: (line: string) => void;
  /** A shared store for coupons and `/stats` (default: this process's shared memory only). */
  store?: SharedStore;
  /** This isolate's index, reported in `/api/work` bodies (default 0). */
  isolate?: number;
  /** The HTML of `GET /dashboard` (default: no dashboard, a 404). */
  dashboard?: () => Promise<string>;
}
