/**
 * The shared `/stats` of `serve --redis` and `--redis-cluster`: each process adds what it counted
 * since its last flush into one Redis hash, and records its in-flight requests, requests waiting
 * for capacity and isolates in another (keyed by process, stamped: a process that has not flushed
 * for 5 s is gone); requests per second are one counter per second, kept 10 s. On a cluster the
 * keys share one hash tag, so a flush is one MULTI on one node.
 *
 * @module
 */

import type { ChainableCommander } from "ioredis";
import type { StatsSnapshot } from "./shared_state.ts";

/** A process's counters, as a flush takes them (absolute; it adds the difference). */
export type Counts = Pick<
  StatsSnapshot,
  "routes" | "cache" | "in_flight" | "requests_total" | "capacity_waiting" | "isolates"
>;

/** Where the shared `/stats` lives. */
export interface StatsKeys {
  /** The hash of counts. */
  stats: string;
  /** The hash of live processes. */
  live: string;
  /** The counter of requests in second `sec` (epoch seconds). */
  rps(sec: number): string;
}

/**
 * The keys under `prefix`: as `--redis` always had them, or on one hash tag for a cluster.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(statsKeys("tpsdemo:", false).rps(7), "tpsdemo:rps|7");
 * assert.equal(statsKeys("tpsdemo:", true).live, "tpsdemo:{stats}:inflight");
 * ```
 */
export function statsKeys(prefix: string, tagged: boolean): StatsKeys {
  const base = tagged ? `${prefix}{stats}` : `${prefix}stats`;
  const sub = tagged ? `${base}:` : prefix;
  return { stats: base, live: `${sub}inflight`, rps: (sec) => `${sub}rps|${sec}` };
}

/** The commands `/stats` needs of a Redis or a cluster. */
export interface StatsClient {
  hgetall(key: string): Promise<Record<string, string>>;
  get(key: string): Promise<string | null>;
  multi(): ChainableCommander;
}

/** One process's flushes: what it added so far, so the next adds the difference. */
export class StatsFlusher {
  #flushed: Map<string, number> = new Map();
  #instance = crypto.randomUUID();
  #keys: StatsKeys;

  constructor(keys: StatsKeys) {
    this.#keys = keys;
  }

  /**
   * The MULTI of one flush; `commit` once it ran (`last`: the process leaves the live ones).
   */
  multi(
    client: StatsClient,
    counts: Counts,
    nowMs: number,
    last: boolean,
  ): { multi: ChainableCommander; commit(): void } {
    const fields = new Map<string, number>();
    for (const [route, byStatus] of Object.entries(counts.routes)) {
      for (const [status, n] of Object.entries(byStatus)) fields.set(`r|${route}|${status}`, n);
    }
    fields.set("cache|hits", counts.cache.hits);
    fields.set("cache|misses", counts.cache.misses);
    fields.set("requests", counts.requests_total);
    const keys = this.#keys;
    const p = client.multi();
    const sec = Math.floor(nowMs / 1000);
    for (const [k, v] of fields) {
      const d = v - (this.#flushed.get(k) ?? 0);
      if (d === 0) continue;
      p.hincrby(keys.stats, k, d);
      if (k === "requests") {
        p.incrby(keys.rps(sec), d);
        p.expire(keys.rps(sec), 10);
      }
    }
    if (last) p.hdel(keys.live, this.#instance);
    else {
      const { in_flight, capacity_waiting, isolates } = counts;
      p.hset(keys.live, this.#instance, `${in_flight}|${nowMs}|${capacity_waiting}|${isolates}`);
    }
    return { multi: p, commit: () => this.#flushed = fields };
  }
}

/** What the shared hashes hold, as read. */
export interface StatsRead {
  hash: Record<string, string>;
  live: Record<string, string>;
  rps: string | null;
}

/** Reads the shared hashes and the last full second's requests. */
export async function readStats(
  client: StatsClient,
  keys: StatsKeys,
  nowMs: number,
): Promise<StatsRead> {
  const sec = Math.floor(nowMs / 1000) - 1;
  const [hash, live, rps] = await Promise.all([
    client.hgetall(keys.stats),
    client.hgetall(keys.live),
    client.get(keys.rps(sec)),
  ]);
  return { hash, live, rps };
}

/**
 * The shared view, shaped as `/stats`: every live process's counts, the store's coupons, this
 * server's uptime.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ServerState } from "./shared_state.ts";
 * const local = ServerState.create().snapshot(1000);
 * const read = { hash: { "r|/stats|200": "4", requests: "4" }, live: { a: "2|900|0|1" }, rps: "3" };
 * const coupons = { total: 5, issued: 1, left: 4, users: 1 };
 * const s = sharedSnapshot(local, read, coupons, 1000);
 * assert.deepEqual([s.routes, s.in_flight, s.rps_last_second], [{ "/stats": { 200: 4 } }, 2, 3]);
 * ```
 */
export function sharedSnapshot(
  local: StatsSnapshot,
  read: StatsRead,
  coupons: StatsSnapshot["coupons"],
  nowMs: number,
): StatsSnapshot {
  const { hash, live } = read;
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
  return {
    ...local,
    isolates,
    in_flight: inFlight,
    capacity_waiting: waiting,
    requests_total: Number(hash.requests ?? 0),
    rps_last_second: Number(read.rps ?? 0),
    routes,
    status,
    coupons,
    cache: { hits: Number(hash["cache|hits"] ?? 0), misses: Number(hash["cache|misses"] ?? 0) },
  };
}
