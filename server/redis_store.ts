/**
 * `serve --redis URL`: a store shared by several `serve` processes (on one machine or many,
 * behind a load balancer) — one stock of coupons and one view of `/stats`.
 *
 * - Coupons: one Lua script increments the issued count and gives it back when the stock is
 *   out, atomically in Redis, so every coupon number is issued once across every process. The
 *   stock is set by the first server (`SET … NX`); later ones keep it.
 * - `/stats`: each process adds what it counted since its last flush (every 200 ms) into one
 *   Redis hash; `/stats` reads the hash (requests by route and status, cache lookups, the
 *   requests of the last second, and the sum of every live process's in-flight requests).
 * - Redis down or unreachable: commands fail at once (no offline queue, no retries, a 2 s
 *   timeout), `/coupons` answers 503 and no coupon is issued; one warning line per outage.
 *   A command that timed out may still have run: its coupon is then lost, never issued twice.
 *   (Keep Redis persistent, `appendonly yes`, for that to hold across a Redis restart.)
 *
 * @module
 */

import { Redis } from "ioredis";
import type { StatsSnapshot } from "./shared_state.ts";

/** Redis could not be reached, or did not answer in time. */
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

/** Options of {@linkcode RedisStore}. */
export interface RedisStoreOptions {
  /** The stock, if this server is the first (default 10,000). */
  coupons?: number;
  /** Key prefix (default `tpsdemo:`), so several setups can share one Redis. */
  prefix?: string;
  /** One line when Redis goes away, and one when it is back. */
  warn?: (line: string) => void;
}

/** A process's counters, as `flush` takes them (absolute; it adds the difference). */
export type Counts = Pick<StatsSnapshot, "routes" | "cache" | "in_flight" | "requests_total">;

/** The shared store over one Redis connection. */
export class RedisStore {
  #redis: Redis;
  #prefix: string;
  #warn: (line: string) => void;
  #down = false;
  #stock: number;
  #flushed: Map<string, number> = new Map();
  #instance = crypto.randomUUID();
  #url: string;

  constructor(url: string, options: RedisStoreOptions = {}) {
    this.#url = url.replace(/\/\/[^@/]*@/, "//***@");
    this.#prefix = options.prefix ?? "tpsdemo:";
    this.#warn = options.warn ?? (() => {});
    this.#stock = options.coupons ?? 10_000;
    this.#redis = new Redis(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: 2000,
      connectTimeout: 1000,
      retryStrategy: () => 500,
      lazyConnect: false,
    });
    this.#redis.on("ready", () => {
      if (this.#down) this.#warn(`tpsdemo serve: Redis at ${this.#url} is back`);
      this.#down = false;
      this.#redis.set(`${this.#prefix}coupons:total`, String(this.#stock), "NX").catch(() => {});
    });
    this.#redis.on("error", () => this.#outage(this.#url));
    this.#redis.on("close", () => this.#outage(this.#url));
  }

  #outage(url: string): void {
    if (this.#down) return;
    this.#down = true;
    this.#warn(
      `tpsdemo serve: Redis at ${url} cannot be reached; /coupons answers 503 until it is back`,
    );
  }

  async #call<T>(f: () => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await f();
    } catch (err) {
      // A connection that hangs (no error event) is an outage too.
      this.#outage(this.#url);
      throw new StoreUnavailable(`Redis did not answer: ${(err as Error).message}`);
    }
    if (this.#down && this.#redis.status === "ready") {
      this.#down = false;
      this.#warn(`tpsdemo serve: Redis at ${this.#url} is back`);
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

  /** Adds what this process counted since the last flush; records its in-flight requests. */
  async flush(counts: Counts, nowMs: number): Promise<void> {
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
    p.hset(`${this.#prefix}inflight`, this.#instance, `${counts.in_flight}|${nowMs}`);
    await this.#call(() => p.exec());
    this.#flushed = fields;
  }

  /** The shared view, shaped as `/stats` (uptime, isolates and the capacity wait are local). */
  async stats(
    local: StatsSnapshot,
    nowMs: number,
  ): Promise<StatsSnapshot> {
    const sec = Math.floor(nowMs / 1000) - 1;
    const [hash, inflight, issued, total, rps] = await this.#call(() =>
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
    let inFlight = 0;
    for (const v of Object.values(inflight)) {
      const [n, at] = v.split("|").map(Number);
      if (nowMs - at! < 5000) inFlight += n!;
    }
    const stock = Number(total ?? this.#stock);
    const given = Math.min(stock, Number(issued ?? 0));
    return {
      ...local,
      in_flight: inFlight,
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
    this.#redis.disconnect();
  }
}
