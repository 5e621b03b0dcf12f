/**
 * `serve --redis-cluster HOST:PORT,…`: the store of `--redis` on a Redis Cluster (ioredis'
 * Cluster client), the coupon stock split into one shard per master (`redis_cluster_shards.ts`).
 *
 * - Anonymous coupons: a request starts at a random shard and moves to the next while they are
 *   out, so exactly N are issued and 410 comes only when every shard is out (the source's
 *   design drew one tag per request, and a request failed while other nodes still held coupons).
 * - One coupon per user: the user's record lives in its home shard. One script there finds the
 *   user, or takes a coupon from that shard and records it, or (that shard out) reserves the
 *   user with a token; the request then takes a coupon from the other shards in turn and records
 *   it over its token. Another request of that user meanwhile waits for the first (a reservation
 *   is honoured for {@linkcode STALE_MS}); a coupon taken but not recorded (the home node went
 *   away in between) is lost, never issued twice.
 * - A node down: what needs it answers 503 naming the node (one warning line per outage);
 *   `/stats` needs every shard. A node back without its data (its shard's `born` marker gone)
 *   is refused, not issued from again. Keep the nodes persistent (`appendonly yes`).
 * - The layout (shards, their tags and stocks) is written once by the first server
 *   (`{coupons}:layout`); later servers, and every isolate, read it.
 *
 * @module
 */

import { Cluster } from "ioredis";
import { StoreUnavailable } from "./redis_store.ts";
import {
  readStats,
  sharedSnapshot,
  StatsFlusher,
  type StatsKeys,
  statsKeys,
} from "./redis_stats.ts";
import type { Counts } from "./redis_stats.ts";
import {
  ClusterUnreachable,
  HOME,
  keySlot,
  type Layout,
  layOut,
  LOST,
  RECORD,
  RELEASE,
  type Shard,
  shardKeys,
  TAKE,
} from "./redis_cluster_shards.ts";
import { type ShardSteps, takeFromShards } from "./redis_cluster_take.ts";
import type { CouponTake, SharedStore } from "./settings.ts";
import type { StatsSnapshot } from "./shared_state.ts";

const COMMAND_TIMEOUT_MS = 2000;
const CONNECT_TIMEOUT_MS = 1000;
/** How long `open` waits for the cluster. */
const START_MS = 3000;
/** How long a user's reservation holds against another request of that user. */
export const STALE_MS = 30_000;

/** Options of {@linkcode RedisClusterStore.open}. */
export interface RedisClusterStoreOptions {
  /** The stock, if this server is the first (default 10,000). */
  coupons?: number;
  /** Key prefix (default `tpsdemo:`). */
  prefix?: string;
  /** One line when a node goes away, and one when it is back. */
  warn?: (line: string) => void;
}

/** The shared store over a Redis Cluster. */
export class RedisClusterStore implements SharedStore {
  /** What the store is, for messages: `Redis Cluster at host:port,…`. */
  readonly name: string;
  #cluster: Cluster;
  #prefix: string;
  #warn: (line: string) => void;
  #layout: Layout = { id: "", shards: [] };
  #keys: StatsKeys;
  #flusher: StatsFlusher;
  /** Nodes down now (and shards lost, `lost TAG`), and why. */
  #down = new Map<string, string>();
  #lastError = "no answer";
  #started = false;

  private constructor(nodes: { host: string; port: number }[], options: RedisClusterStoreOptions) {
    this.name = `Redis Cluster at ${nodes.map((n) => `${n.host}:${n.port}`).join(",")}`;
    this.#prefix = options.prefix ?? "tpsdemo:";
    this.#warn = options.warn ?? (() => {});
    this.#keys = statsKeys(this.#prefix, true);
    this.#flusher = new StatsFlusher(this.#keys);
    this.#cluster = new Cluster(nodes, {
      enableOfflineQueue: false,
      // Fail at once when a node is gone or the cluster is down: the request answers 503.
      retryDelayOnFailover: 0,
      retryDelayOnClusterDown: 0,
      maxRedirections: 6,
      clusterRetryStrategy: () => 500,
      slotsRefreshTimeout: CONNECT_TIMEOUT_MS,
      redisOptions: {
        commandTimeout: COMMAND_TIMEOUT_MS,
        connectTimeout: CONNECT_TIMEOUT_MS,
        maxRetriesPerRequest: 0,
      },
    });
    this.#cluster.on("error", (err: Error) => this.#lastError = err.message || err.name);
    this.#cluster.on("node error", (err: Error, node: string) => {
      this.#lastError = `${node}: ${err.message || err.name}`;
    });
  }

  /**
   * Connects (at most about 3 s) and reads the stock's layout, or lays it out over the masters
   * (`coupons`) when this server is the first; throws {@linkcode ClusterUnreachable} naming the
   * cluster when it cannot.
   */
  static async open(
    nodes: { host: string; port: number }[],
    options: RedisClusterStoreOptions = {},
  ): Promise<RedisClusterStore> {
    const store = new RedisClusterStore(nodes, options);
    try {
      await store.#start(options.coupons ?? 10_000);
    } catch (err) {
      store.close();
      throw err;
    }
    return store;
  }

  async #start(coupons: number): Promise<void> {
    const cluster = this.#cluster;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ready = await new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), START_MS);
      cluster.once("ready", () => resolve(true));
    });
    clearTimeout(timer);
    if (!ready) throw new ClusterUnreachable(this.name, `cannot be reached (${this.#lastError})`);
    const key = `${this.#prefix}{coupons}:layout`;
    try {
      let text = await cluster.get(key);
      if (text === null) {
        const layout = layOut(
          coupons,
          (slot) => cluster.slots[slot]?.[0] ?? "",
          crypto.randomUUID(),
        );
        if (layout.shards.some((s) => cluster.slots[keySlot(s.tag)]?.[0] === undefined)) {
          throw new Error("some hash slots have no node: is the cluster created?");
        }
        // Born first: a layout names only shards that are born.
        for (const s of layout.shards) {
          await cluster.set(shardKeys(this.#prefix, s).born, layout.id, "NX");
        }
        await cluster.set(key, JSON.stringify(layout), "NX");
        text = (await cluster.get(key))!;
      }
      this.#layout = JSON.parse(text) as Layout;
      // Connected to every master before the first request: a command to a node whose
      // connection is still being made would fail (there is no offline queue).
      await Promise.all(cluster.nodes("master").map((node) => node.ping()));
      this.#steps.shards = this.#layout.shards;
    } catch (err) {
      const why = (err as Error).message;
      throw new ClusterUnreachable(this.name, `cannot be used (${why})`);
    }
    this.#started = true;
  }

  /** The node (`host:port`) that serves a hash tag now. */
  #nodeOf(tag: string): string {
    return this.#cluster.slots[keySlot(tag)]?.[0] ?? "(no node)";
  }

  /** Runs `f` on the node of `tag`: its failure is a {@linkcode StoreUnavailable} naming it. */
  async #on<T>(tag: string, f: () => Promise<T>): Promise<T> {
    const node = this.#nodeOf(tag);
    let result: T;
    try {
      result = await f();
    } catch (err) {
      const message = (err as Error).message || String(err);
      const why = message === "Command timed out"
        ? `no answer within ${COMMAND_TIMEOUT_MS / 1000}s`
        : message;
      throw this.#fail(node, `cannot be reached (${why})`);
    }
    if (this.#down.delete(node)) this.#warn(`tpsdemo serve: ${this.name}: node ${node} is back`);
    return result;
  }

  /** The error of a node's problem; a warning line the first time (per node, or lost shard). */
  #fail(node: string, problem: string, key = node): StoreUnavailable {
    if (!this.#down.has(key) && this.#started) {
      this.#warn(
        `tpsdemo serve: ${this.name}: node ${node} ${problem}; ` +
          "what needs it (coupons in its shard, /stats) answers 503 until it is back",
      );
    }
    this.#down.set(key, problem);
    return new StoreUnavailable(`${this.name}: node ${node} ${problem}`);
  }

  /** A shard whose node restarted without its data: refused for good (warned once). */
  #lost(shard: Shard): StoreUnavailable {
    const problem = `lost shard {${shard.tag}}'s data (restarted empty?): ` +
      "its coupons are not issued again";
    return this.#fail(this.#nodeOf(shard.tag), problem, `lost ${shard.tag}`);
  }

  #eval(script: string, keys: string[], args: (string | number)[]): Promise<[number, number]> {
    const all = [...keys, ...args.map(String)];
    return this.#cluster.eval(script, keys.length, ...all) as Promise<[number, number]>;
  }

  /** The steps of a take, each one script on one shard's node. */
  #steps: ShardSteps = {
    shards: [],
    take: async (shard) => {
      const k = shardKeys(this.#prefix, shard);
      const [coupon, left] = await this.#on(
        shard.tag,
        () => this.#eval(TAKE, [k.issued, k.born], [shard.total, shard.offset]),
      );
      if (coupon === LOST) throw this.#lost(shard);
      return coupon > 0 ? { coupon, left } : undefined;
    },
    home: async (shard, user, token) => {
      const k = shardKeys(this.#prefix, shard);
      const [coupon, value] = await this.#on(shard.tag, () =>
        this.#eval(
          HOME,
          [k.issued, k.born, k.users, k.holders],
          [shard.total, shard.offset, user, token, Date.now(), STALE_MS],
        ));
      if (coupon === LOST) throw this.#lost(shard);
      return coupon > 0
        ? { kind: "issued", coupon, left: value }
        : coupon === -1
        ? { kind: "holds", coupon: value }
        : coupon === -2
        ? { kind: "busy" }
        : { kind: "reserved" };
    },
    record: async (shard, user, token, coupon) => {
      const k = shardKeys(this.#prefix, shard);
      const done = await this.#on(
        shard.tag,
        () => this.#cluster.eval(RECORD, 2, k.users, k.holders, user, token, String(coupon)),
      );
      return done === 1;
    },
    release: async (shard, user, token) => {
      const users = shardKeys(this.#prefix, shard).users;
      await this.#on(shard.tag, () => this.#cluster.eval(RELEASE, 1, users, user, token))
        .catch(() => {});
    },
  };

  /** Takes a coupon for `user` (one per user), or for anyone: `redis_cluster_take.ts`. */
  takeCoupon(user?: string): Promise<CouponTake> {
    return takeFromShards(this.#steps, user);
  }

  /** Adds what this process counted since the last flush (`last`: it is leaving). */
  async flush(counts: Counts, nowMs: number, last = false): Promise<void> {
    const { multi, commit } = this.#flusher.multi(this.#cluster, counts, nowMs, last);
    await this.#on("stats", () => multi.exec());
    commit();
  }

  /** The shared view, shaped as `/stats`: every shard's coupons (the uptime is this server's). */
  async stats(local: StatsSnapshot, nowMs: number): Promise<StatsSnapshot> {
    const shards = this.#layout.shards;
    const [read, counts] = await Promise.all([
      this.#on("stats", () => readStats(this.#cluster, this.#keys, nowMs)),
      Promise.all(shards.map((s) => {
        const k = shardKeys(this.#prefix, s);
        return this.#on(s.tag, () => this.#cluster.mget(k.issued, k.holders, k.born));
      })),
    ]);
    let total = 0, issued = 0, users = 0;
    counts.forEach(([given, holders, born], i) => {
      const shard = shards[i]!;
      if (born === null) throw this.#lost(shard);
      total += shard.total;
      issued += Math.min(shard.total, Number(given ?? 0));
      users += Number(holders ?? 0);
    });
    return sharedSnapshot(local, read, { total, issued, left: total - issued, users }, nowMs);
  }

  /** Closes the connections. */
  close(): void {
    this.#cluster.disconnect();
  }
}
