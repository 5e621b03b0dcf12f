/**
 * `serve --redis URL`: a store shared by several `serve` processes (on one machine or many,
 * behind a load balancer) — one stock of coupons and one view of `/stats`.
 *
 * - Coupons: one Lua script increments the issued count and gives it back when the stock is
 *   out, atomically in Redis, so every coupon number is issued once across every process. The
 *   stock is set by the first server (`SET … NX`); later ones keep it.
 * - `/stats`: each process adds what it counted since its last flush (every 200 ms) into one
 *   Redis hash; `/stats` reads the hash (requests by route and status, cache lookups, the
 *   requests of the last second, and the sum of every live process's in-flight requests,
 *   requests waiting for capacity and isolates).
 * - Redis down or unreachable: commands fail at once (no offline queue, no retries, a 2 s
 *   timeout), `/coupons` and `/stats` answer 503 naming the store, and no coupon is issued; one
 *   warning line per outage. Only the first connection is waited for (at most 1 s), so a server
 *   that has just started does not refuse requests while it connects.
 *   A command that timed out may still have run: its coupon is then lost, never issued twice.
 *   (Keep Redis persistent, `appendonly yes`, for that to hold across a Redis restart.)
 *
 * @module
 */

import { Redis, ReplyError } from "ioredis";
import type { StatsSnapshot } from "./shared_state.ts";

/** The store could not be reached, did not answer in time, or refused the command. */
export class StoreUnavailable extends Error {
  override name = "StoreUnavailable";
}

const TAKE = `
local total = tonumber(redis.call('GET', KEYS[2]) or ARGV[1])
local issued = redis.call('INCR', KEYS[1])
if issued > total then
  redis.call('DECR', KEYS[1])
  return {0, total}
end
return {issued, total - issued}`;

const COMMAND_TIMEOUT_MS = 2000;
const CONNECT_TIMEOUT_MS = 1000;

/** Options of {@linkcode RedisStore}. */
export interface RedisStoreOptions {
  /** The stock, if this server is the first (default 10,000). */
  coupons?: number;
  /** Key prefix (default `tpsdemo:`), so several setups can share one Redis. */
  prefix?: string;
  /**
   * One line when Redis goes away, and one when it is back, once the first connection's outcome
   * is known ({@linkcode RedisStore.connected}).
   */
  warn?: (line: string) => void;
}

/** A process's counters, as `flush` takes them (absolute; it adds the difference). */
export type Counts = Pick<
  StatsSnapshot,
  "routes" | "cache" | "in_flight" | "requests_total" | "capacity_waiting" | "isolates"
>;

/** The shared store over one Redis connection. */
export class RedisStore {
  /** What the store is, for messages: `Redis at redis://host:port` (no password). */
  readonly name: string;
  /** The URL, its password hidden (`redis://***@host:port`). */
  readonly url: string;
  #redis: Redis;
  #prefix: string;
  #warn: (line: string) => void;
  #down = false;
  #stock: number;
  #flushed: Map<string, number> = new Map();
  #instance = crypto.randomUUID();
  /** Why the connection failed last (the socket's error). */
  #reason = "not connected";
  /** What Redis answered when it refused this connection (AUTH or SELECT), if it did. */
  #refused: string | undefined;
  /** Settles when the first connection is made or has failed. */
  #first: Promise<void>;
  #closed = false;
  /** Outages are told once the first connection's outcome is ({@linkcode connected}). */
  #started = false;

  constructor(url: string, options: RedisStoreOptions = {}) {
    this.url = url.replace(/\/\/[^@/]*@/, "//***@");
    this.name = `Redis at ${this.url}`;
    this.#prefix = options.prefix ?? "tpsdemo:";
    this.#warn = options.warn ?? (() => {});
    this.#stock = options.coupons ?? 10_000;
    this.#redis = new Redis(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: COMMAND_TIMEOUT_MS,
      connectTimeout: CONNECT_TIMEOUT_MS,
      retryStrategy: () => 500,
      lazyConnect: false,
    });
    let settled: () => void = () => {};
    this.#first = new Promise<void>((resolve) => settled = resolve);
    this.#redis.on("connect", () => this.#refused = undefined);
    this.#redis.on("ready", () => {
      settled();
      // A SELECT that failed leaves the connection on database 0: not the one asked for.
      if (this.#refused !== undefined) return;
      this.#reason = "connection closed";
      if (this.#down) this.#warn(`tpsdemo serve: ${this.name} is back`);
      this.#down = false;
      this.#redis.set(`${this.#prefix}coupons:total`, String(this.#stock), "NX").catch(() => {});
    });
    this.#redis.on("error", (err: Error) => {
      // A Redis answer while connecting: the password or the database was refused.
      if (err instanceof ReplyError) this.#refused = err.message;
      else this.#reason = err.message || err.name;
      settled();
      this.#outage();
    });
    this.#redis.on("close", () => (settled(), this.#outage()));
  }

  /**
   * Waits for the first connection (at most about 1 s): undefined once it is made, else what is
   * wrong (`cannot be reached (…)`, `refused the connection (…)`) and, when Redis refused it,
   * its answer. From then on, outages are warned; one that is already on is warned now.
   */
  async connected(): Promise<{ problem: string; refused?: string } | undefined> {
    await this.#first;
    this.#started = true;
    if (this.#refused === undefined && this.#redis.status === "ready") return undefined;
    // Unreachable: the server starts all the same and says so; refused: the caller stops.
    if (this.#refused === undefined) this.#warnDown();
    return { problem: this.#problem(), refused: this.#refused };
  }

  #problem(): string {
    return this.#refused !== undefined
      ? `refused the connection (${this.#refused})`
      : `cannot be reached (${this.#reason})`;
  }

  #outage(): void {
    if (this.#down || this.#closed) return;
    this.#down = true;
    if (this.#started) this.#warnDown();
  }

  #warnDown(): void {
    this.#warn(
      `tpsdemo serve: ${this.name} ${this.#problem()}; ` +
        "/coupons and /stats answer 503 until it is back",
    );
  }

  async #call<T>(f: () => Promise<T>): Promise<T> {
    await this.#first;
    if (this.#refused !== undefined || this.#redis.status !== "ready") {
      this.#outage();
      throw new StoreUnavailable(`${this.name} ${this.#problem()}`);
    }
    let result: T;
    try {
      result = await f();
    } catch (err) {
      const message = (err as Error).message;
      if (err instanceof ReplyError) {
        throw new StoreUnavailable(`${this.name} refused the command (${message})`);
      }
      // A connection that hangs (no error event) is an outage too.
      this.#reason = message === "Command timed out"
        ? `no answer within ${COMMAND_TIMEOUT_MS / 1000}s`
        : message;
      this.#outage();
      throw new StoreUnavailable(`${this.name} cannot be reached (${this.#reason})`);
    }
    if (this.#down && this.#redis.status === "ready") {
      this.#down = false;
      this.#warn(`tpsdemo serve: ${this.name} is back`);
    }
    return result;
  }

  /** Takes a coupon: its number and what is left, or null when sold out. */
  async takeCoupon(): Promise<{ coupon: number; left: number } | null> {
    const [coupon, left] = await this.#call(() =>
      this.#redis.eval(
        TAKE,
        2,
        `${this.#prefix}coupons:issued`,
        `${this.#prefix}coupons:total`,
        String(this.#stock),
      ) as Promise<[number, number]>
    );
    return coupon === 0 ? null : { coupon, left };
  }

  /**
   * Adds what this process counted since the last flush; records its in-flight requests,
   * requests waiting for capacity and isolates (`last`: removes them, the process is leaving).
   */
  async flush(counts: Counts, nowMs: number, last = false): Promise<void> {
    const fields = new Map<string, number>();
    for (const [route, byStatus] of Object.entries(counts.routes)) {
      for (const [status, n] of Object.entries(byStatus)) fields.set(`r|${route}|${status}`, n);
    }
    fields.set("cache|hits", counts.cache.hits);
    fields.set("cache|misses", counts.cache.misses);
    fields.set("requests", counts.requests_total);
    const p = this.#redis.multi();
    const sec = Math.floor(nowMs / 1000);
    for (const [k, v] of fields) {
      const d = v - (this.#flushed.get(k) ?? 0);
      if (d === 0) continue;
      p.hincrby(`${this.#prefix}stats`, k, d);
      if (k === "requests") {
        p.incrby(`${this.#prefix}rps|${sec}`, d);
        p.expire(`${this.#prefix}rps|${sec}`, 10);
      }
    }
    const live = `${this.#prefix}inflight`;
    if (last) p.hdel(live, this.#instance);
    else {
      const { in_flight, capacity_waiting, isolates } = counts;
      p.hset(live, this.#instance, `${in_flight}|${nowMs}|${capacity_waiting}|${isolates}`);
    }
    await this.#call(() => p.exec());
    this.#flushed = fields;
  }

  /** The shared view, shaped as `/stats` (the uptime is this server's). */
  async stats(
    local: StatsSnapshot,
    nowMs: number,
  ): Promise<StatsSnapshot> {
    const sec = Math.floor(nowMs / 1000) - 1;
    const [hash, live, issued, total, rps] = await this.#call(() =>
      Promise.all([
        this.#redis.hgetall(`${this.#prefix}stats`),
        this.#redis.hgetall(`${this.#prefix}inflight`),
        this.#redis.get(`${this.#prefix}coupons:issued`),
        this.#redis.get(`${this.#prefix}coupons:total`),
        this.#redis.get(`${this.#prefix}rps|${sec}`),
      ])
    );
    const routes: StatsSnapshot["routes"] = {};
    const status: StatsSnapshot["status"] = {};
    for (const [k, v] of Object.entries(hash)) {
      const [kind, route, code] = k.split("|");
      if (kind !== "r") continue;
      (routes[route!] ??= {})[code!] = Number(v);
      status[code!] = (status[code!] ?? 0) + Number(v);
    }
    // Processes that have not flushed for 5 s are gone.
    let inFlight = 0, waiting = 0, isolates = 0;
    for (const v of Object.values(live)) {
      const [n = 0, at = 0, w = 0, i = 0] = v.split("|").map(Number);
      if (!(nowMs - at < 5000)) continue;
      inFlight += n;
      waiting += w || 0;
      isolates += i || 0;
    }
    const stock = Number(total ?? this.#stock);
    const given = Math.min(stock, Number(issued ?? 0));
    return {
      ...local,
      isolates,
      in_flight: inFlight,
      capacity_waiting: waiting,
      requests_total: Number(hash.requests ?? 0),
      rps_last_second: Number(rps ?? 0),
      routes,
      status,
      coupons: { total: stock, issued: given, left: stock - given },
      cache: { hits: Number(hash["cache|hits"] ?? 0), misses: Number(hash["cache|misses"] ?? 0) },
    };
  }

  /** Closes the connection. */
  close(): void {
    this.#closed = true;
    this.#redis.disconnect();
  }
}
