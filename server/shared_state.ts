/**
 * The server's state shared by every isolate: one SharedArrayBuffer with request counters by
 * route and status, the coupon counter, cache counters, the capacity limiter's schedule, a
 * per-second ring for requests/s, and a histogram of the processing time by route (`/metrics`).
 * All counts are `Atomics` operations, so `/stats`, `/metrics`, coupons and the capacity limit
 * stay exact across `--workers N` isolates. The one exception: each isolate adds its processing
 * times into a sum of its own (a plain float, one writer), which `/metrics` adds up. The users who
 * hold a coupon are in a second, growable buffer (`coupon_users.ts`).
 *
 * @module
 */

import { type CouponTake, CouponUsers } from "./coupon_users.ts";

/** Routes counted in `/stats`; anything else is `other`. */
export const ROUTES: string[] = (
  "/api/work /slow /cached /coupons /stats /healthz /metrics other"
).split(" ");
/** Statuses counted individually; anything else is `other`. */
export const STATUSES = [200, 400, 404, 405, 409, 410, 413, 500, 503];

const IN_FLIGHT = 0;
const COUPONS_TOTAL = 1;
const COUPONS_TAKEN = 2;
const CACHE_HITS = 3;
const CACHE_MISSES = 4;
const WAITING = 5;
const NEXT_ID = 6;
const ISOLATES = 7;
const COUNTS = 16;
const COUNT_COLS = STATUSES.length + 1;
const RING = COUNTS + ROUTES.length * COUNT_COLS;
const RING_SLOTS = 8;

/** Upper bounds (ms) of the processing time's buckets, by route: 50 µs to 10 s. */
export const PROCESS_TIME_BOUNDS_MS: readonly number[] = (
  "0.05 0.1 0.25 0.5 1 2.5 5 10 15 20 25 30 50 75 100 250 500 1000 2500 5000 10000"
).split(" ").map(Number);
const BOUNDS = Float64Array.from(PROCESS_TIME_BOUNDS_MS);
const HIST_COLS = BOUNDS.length + 1;
const HIST = RING + RING_SLOTS * 2;
const NEXT_SLOT = HIST + ROUTES.length * HIST_COLS;
const I32_LEN = NEXT_SLOT + 1;
const I32_BYTES = Math.ceil((I32_LEN * 4) / 8) * 8;
/** Sums of processing times: one row per isolate (a state attached), one writer each. */
const SUM_SLOTS = 512;
// Float64 region: [startedAt epoch ms]; BigInt64 region: [capacity TAT in µs]; then the sums.
const SUMS = I32_BYTES + 16;
const BYTES = SUMS + SUM_SLOTS * ROUTES.length * 8;

const ROUTE_INDEX = new Map(ROUTES.map((r, i) => [r, i]));
const STATUS_INDEX = new Map(STATUSES.map((s, i) => [s, i]));

/** A snapshot of the counters, as `/stats` reports them. */
export interface StatsSnapshot {
  uptime_s: number;
  isolates: number;
  in_flight: number;
  requests_total: number;
  rps_last_second: number;
  routes: Record<string, Record<string, number>>;
  status: Record<string, number>;
  /**
   * `users`: distinct users holding a coupon (`X-User`; anonymous coupons are not counted).
   * Every `/stats` has it; a snapshot made before users existed may not.
   */
  coupons: { total: number; issued: number; left: number; users?: number };
  cache: { hits: number; misses: number };
  capacity_waiting: number;
}

/** The processing time of a route's requests: per-bucket counts (not cumulative), and the sum. */
export interface ProcessTimes {
  route: string;
  /** Over {@linkcode PROCESS_TIME_BOUNDS_MS}, and one above the last. */
  counts: number[];
  sumMs: number;
}

/** Milliseconds since the epoch with sub-millisecond resolution, the same in every isolate. */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Shared counters over one SharedArrayBuffer. Create it once, pass `buffer` to other isolates,
 * and `attach` there.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const state = ServerState.create({ coupons: 10 });
 * assert.equal(state.takeCoupon(), 1);
 * assert.equal(state.couponsLeft(), 9);
 * assert.deepEqual(state.takeCouponFor("ann"), { result: "issued", coupon: 2, left: 8 });
 * assert.deepEqual(state.takeCouponFor("ann"), { result: "already_issued", coupon: 2 });
 * assert.equal(state.snapshot().coupons.users, 1);
 * ```
 */
export class ServerState {
  readonly buffer: SharedArrayBuffer;
  /** The users who hold a coupon, in a growable buffer of their own. */
  readonly usersBuffer: SharedArrayBuffer;
  #users: CouponUsers;
  #i32: Int32Array;
  #f64: Float64Array;
  #tat: BigInt64Array;
  #startedAt: number;
  /** Every isolate's processing-time sums, and this one's row (its own to write). */
  #sums: Float64Array;
  #mine: Float64Array;

  private constructor(buffer: SharedArrayBuffer, users: CouponUsers) {
    this.buffer = buffer;
    this.usersBuffer = users.buffer;
    this.#users = users;
    this.#i32 = new Int32Array(buffer, 0, I32_LEN);
    this.#f64 = new Float64Array(buffer, I32_BYTES, 1);
    this.#tat = new BigInt64Array(buffer, I32_BYTES + 8, 1);
    this.#startedAt = this.#f64[0]!;
    this.#sums = new Float64Array(buffer, SUMS, SUM_SLOTS * ROUTES.length);
    // Past the last row (more states than isolates can be), the last is shared: never here.
    const row = Math.min(Atomics.add(this.#i32, NEXT_SLOT, 1), SUM_SLOTS - 1);
    this.#mine = this.#sums.subarray(row * ROUTES.length, (row + 1) * ROUTES.length);
  }

  /** A fresh state with `coupons` in stock, started now (or at `startedAt`). */
  static create(options: { coupons?: number; startedAt?: number } = {}): ServerState {
    const coupons = options.coupons ?? 10_000;
    const s = new ServerState(new SharedArrayBuffer(BYTES), CouponUsers.create(coupons));
    s.#i32[COUPONS_TOTAL] = coupons;
    s.#f64[0] = s.#startedAt = options.startedAt ?? epochMs();
    return s;
  }

  /** The same state, seen from another isolate (its `buffer` and `usersBuffer`). */
  static attach(buffer: SharedArrayBuffer, usersBuffer: SharedArrayBuffer): ServerState {
    return new ServerState(buffer, CouponUsers.attach(usersBuffer));
  }

  /** Registers one more serving isolate. */
  addIsolate(): number {
    return Atomics.add(this.#i32, ISOLATES, 1);
  }

  /** A unique, increasing request id across isolates. */
  nextId(): number {
    return Atomics.add(this.#i32, NEXT_ID, 1) + 1;
  }

  /** Takes one coupon: its number (1-based, unique), or 0 when none are left. */
  takeCoupon(): number {
    const total = this.#i32[COUPONS_TOTAL]!;
    // Once the stock is gone the counter stays put, so it never wraps however many ask.
    for (;;) {
      const taken = Atomics.load(this.#i32, COUPONS_TAKEN);
      if (taken >= total) return 0;
      if (Atomics.compareExchange(this.#i32, COUPONS_TAKEN, taken, taken + 1) === taken) {
        return taken + 1;
      }
    }
  }

  /**
   * Takes a coupon for `user`, at most one per user across isolates: a new one, the one it
   * holds, or none when the stock is out (see `coupon_users.ts`).
   */
  takeCouponFor(user: string): CouponTake {
    return this.#users.take(user, () => this.takeCoupon(), () => this.couponsLeft());
  }

  /** Coupons still in stock. */
  couponsLeft(): number {
    return this.#i32[COUPONS_TOTAL]! - Atomics.load(this.#i32, COUPONS_TAKEN);
  }

  /** Counts a cache lookup. */
  cacheLookup(hit: boolean): void {
    Atomics.add(this.#i32, hit ? CACHE_HITS : CACHE_MISSES, 1);
  }

  /** Adjusts the in-flight gauge. */
  inFlight(delta: 1 | -1): void {
    Atomics.add(this.#i32, IN_FLIGHT, delta);
  }

  /** Adjusts the capacity-queue gauge and returns its previous value. */
  waiting(delta: 1 | -1): number {
    return Atomics.add(this.#i32, WAITING, delta);
  }

  /** Requests now waiting for capacity. */
  waitingNow(): number {
    return Atomics.load(this.#i32, WAITING);
  }

  /**
   * Counts one finished request by route and status, in the per-second ring, and its processing
   * time (`ms`, what `X-Process-Time` says) in the route's histogram.
   */
  count(route: string, status: number, nowMs = epochMs(), ms = 0): void {
    // The common case (GET /api/work answering 200) skips both lookups: this runs per request.
    const r = route === ROUTES[0] ? 0 : ROUTE_INDEX.get(route) ?? ROUTES.length - 1;
    const s = status === 200 ? 0 : STATUS_INDEX.get(status) ?? STATUSES.length;
    const i32 = this.#i32;
    Atomics.add(i32, COUNTS + r * COUNT_COLS + s, 1);
    let b = 0;
    while (b < BOUNDS.length && ms > BOUNDS[b]!) b++;
    Atomics.add(i32, HIST + r * HIST_COLS + b, 1);
    this.#mine[r]! += ms;
    const sec = Math.floor((nowMs - this.#startedAt) / 1000);
    const slot = RING + (sec % RING_SLOTS) * 2;
    // A plain read is enough to see that the slot is current; rolling it over is a CAS.
    const stamp = i32[slot]!;
    if (stamp !== sec && Atomics.compareExchange(i32, slot, stamp, sec) === stamp) {
      Atomics.store(i32, slot + 1, 0);
    }
    Atomics.add(i32, slot + 1, 1);
  }

  /** Compare-and-swap on the capacity schedule (µs); returns whether it was swapped. */
  casTat(expected: bigint, next: bigint): boolean {
    return Atomics.compareExchange(this.#tat, 0, expected, next) === expected;
  }

  /** The capacity schedule's theoretical arrival time, µs since the epoch. */
  tat(): bigint {
    return Atomics.load(this.#tat, 0);
  }

  /**
   * The processing time of each route's requests so far (every route, requested or not).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * const state = ServerState.create();
   * state.count("/api/work", 200, undefined, 0.3);
   * const [work] = state.processTimes();
   * assert.equal(work!.counts[PROCESS_TIME_BOUNDS_MS.indexOf(0.5)], 1);
   * assert.equal(work!.sumMs, 0.3);
   * ```
   */
  processTimes(): ProcessTimes[] {
    return ROUTES.map((route, r) => {
      const counts: number[] = [];
      for (let b = 0; b < HIST_COLS; b++) {
        counts.push(Atomics.load(this.#i32, HIST + r * HIST_COLS + b));
      }
      let sumMs = 0;
      for (let row = r; row < this.#sums.length; row += ROUTES.length) sumMs += this.#sums[row]!;
      return { route, counts, sumMs };
    });
  }

  /** All counters, for `/stats` and the shutdown summary. */
  snapshot(nowMs = epochMs()): StatsSnapshot {
    const i32 = this.#i32;
    const routes: Record<string, Record<string, number>> = {};
    const status: Record<string, number> = {};
    let total = 0;
    ROUTES.forEach((route, r) => {
      for (let s = 0; s < COUNT_COLS; s++) {
        const n = Atomics.load(i32, COUNTS + r * COUNT_COLS + s);
        if (n === 0) continue;
        const key = s < STATUSES.length ? String(STATUSES[s]) : "other";
        (routes[route] ??= {})[key] = n;
        status[key] = (status[key] ?? 0) + n;
        total += n;
      }
    });
    const sec = Math.floor((nowMs - this.#f64[0]!) / 1000) - 1;
    const slot = RING + (((sec % RING_SLOTS) + RING_SLOTS) % RING_SLOTS) * 2;
    const couponsTotal = i32[COUPONS_TOTAL]!;
    const left = this.couponsLeft();
    return {
      uptime_s: Math.round(nowMs - this.#f64[0]!) / 1000,
      isolates: Atomics.load(i32, ISOLATES),
      in_flight: Atomics.load(i32, IN_FLIGHT),
      requests_total: total,
      rps_last_second: Atomics.load(i32, slot) === sec ? Atomics.load(i32, slot + 1) : 0,
      routes,
      status,
      coupons: {
        total: couponsTotal,
        issued: couponsTotal - left,
        left,
        users: this.#users.count(),
      },
      cache: { hits: Atomics.load(i32, CACHE_HITS), misses: Atomics.load(i32, CACHE_MISSES) },
      capacity_waiting: Atomics.load(i32, WAITING),
    };
  }
}
