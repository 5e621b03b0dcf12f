/**
 * `serve --redis URL`: a store shared by several `serve` processes (on one machine or many,
 * behind a load balancer) — one stock of coupons and one view of `/stats`.
 *
 * - Coupons: one Lua script increments the issued count and gives it back when the stock is
 *   out, atomically in Redis, so every coupon number is issued once across every process. The
 *   stock is set by the first server (`SET … NX`); later ones keep it.
 * - One coupon per user: the same script first looks the user up in one Redis hash
 *   (`coupons:users`, user → coupon) and records the coupon there when it issues one, so "take a
 *   coupon, record its user" is one step however many servers ask.
 * - `/stats`: each process adds what it counted since its last flush (every 200 ms) into one
 *   Redis hash; `/stats` reads the hash (requests by route and status, cache lookups, the
 *   requests of the last second, and the sum of every live process's in-flight requests,
 *   requests waiting for capacity and isolates): `redis_stats.ts`.
 * - Redis down or unreachable: commands fail at once (no offline queue, no retries, a 2 s
 *   timeout), `/coupons` and `/stats` answer 503 naming the store, and no coupon is issued; one
 *   warning line per outage. Only the first connection is waited for (at most 1 s), so a server
 *   that has just started does not refuse requests while it connects.
 *   A command that timed out may still have run: its coupon is then lost, never issued twice
 *   (a user who asks again gets 409 with it).
 *   (Keep Redis persistent, `appendonly yes`, for that to hold across a Redis restart.)
 *
 * @module
 */

import { Redis, ReplyError } from "ioredis";
import type { CouponTake } from "./settings.ts";
import type { StatsSnapshot } from "./shared_state.ts";
import {
  type Counts,
  readStats,
  sharedSnapshot,
  StatsFlusher,
  type StatsKeys,
  statsKeys,
} from "./redis_stats.ts";

export type { Counts };

/** The store could not be reached, did not answer in time, or refused the command. */
export class StoreUnavailable extends Error {
  override name = "StoreUnavailable";
}

// KEYS: issued, total, users; ARGV: the stock, the user ('' for none). {coupon, left}, or
// {0, total} sold out, or {-1, coupon} the user already holds one.
const TAKE = `
if ARGV[2] ~= '' then
  local have = redis.call('HGET', KEYS[3], ARGV[2])
  if have then return {-1, tonumber(have)} end
end
local total = tonumber(redis.call('GET', KEYS[2]) or ARGV[1])
local issued = redis.call('INCR', KEYS[1])
if issued > total then
  redis.call('DECR', KEYS[1])
  return {0, total}
end
if ARGV[2] ~= '' then redis.call('HSET', KEYS[3], ARGV[2], issued) end
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
  #keys: StatsKeys;
  #flusher: StatsFlusher;
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
    this.#keys = statsKeys(this.#prefix, false);
    this.#flusher = new StatsFlusher(this.#keys);
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

  /** Takes a coupon for `user` (one per user), or for anyone. */
  async takeCoupon(user?: string): Promise<CouponTake> {
    const p = this.#prefix;
    const [coupon, left] = await this.#call(() =>
      this.#redis.eval(
        TAKE,
        3,
        `${p}coupons:issued`,
        `${p}coupons:total`,
        `${p}coupons:users`,
        String(this.#stock),
        user ?? "",
      ) as Promise<[number, number]>
    );
    if (coupon === -1) return { result: "already_issued", coupon: left };
    return coupon === 0 ? { result: "sold_out" } : { result: "issued", coupon, left };
  }

  /**
   * Adds what this process counted since the last flush; records its in-flight requests,
   * requests waiting for capacity and isolates (`last`: removes them, the process is leaving).
   */
  async flush(counts: Counts, nowMs: number, last = false): Promise<void> {
    const { multi, commit } = this.#flusher.multi(this.#redis, counts, nowMs, last);
    await this.#call(() => multi.exec());
    commit();
  }

  /** The shared view, shaped as `/stats` (the uptime is this server's). */
  async stats(local: StatsSnapshot, nowMs: number): Promise<StatsSnapshot> {
    const p = this.#prefix;
    const [read, issued, total, users] = await this.#call(() =>
      Promise.all([
        readStats(this.#redis, this.#keys, nowMs),
        this.#redis.get(`${p}coupons:issued`),
        this.#redis.get(`${p}coupons:total`),
        this.#redis.hlen(`${p}coupons:users`),
      ])
    );
    const stock = Number(total ?? this.#stock);
    const given = Math.min(stock, Number(issued ?? 0));
    const coupons = { total: stock, issued: given, left: stock - given, users };
    return sharedSnapshot(local, read, coupons, nowMs);
  }

  /** Closes the connection. */
  close(): void {
    this.#closed = true;
    this.#redis.disconnect();
  }
}
