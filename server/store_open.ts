/**
 * Opens the store the settings name, for the main thread and for each server isolate: Redis
 * (`--redis`, `redis_store.ts`) or a Redis Cluster (`--redis-cluster`,
 * `redis_cluster_store.ts`), or none. Each is loaded only when named, so a server without one
 * loads no Redis client.
 *
 * @module
 */

import { ClusterUnreachable } from "./redis_cluster_shards.ts";
import type { Counts } from "./redis_stats.ts";
import type { ServerSettings, SharedStore } from "./settings.ts";

export { ClusterUnreachable };

/** A store as a server holds it: it also flushes this process's counts, and closes. */
export interface OpenStore extends SharedStore {
  /** Adds this process's counts since the last flush (`last`: it is leaving). */
  flush(counts: Counts, nowMs: number, last?: boolean): Promise<void>;
  close(): void;
}

/** `--redis`'s Redis refused the connection (its password or database): `serve` names the flag. */
export class StoreRefused extends Error {
  override name = "StoreRefused";
  /** The URL, its password hidden. */
  readonly url: string;
  /** What Redis answered. */
  readonly answer: string;

  constructor(url: string, answer: string) {
    super(`Redis at ${url} refused the connection (${answer})`);
    this.url = url;
    this.answer = answer;
  }
}

/** What {@linkcode openStore} needs besides the settings. */
export interface OpenStoreOptions {
  /** The stock, if this server is the first on the store. */
  coupons: number;
  /** One line when the store (or a node of the cluster) goes away, and when it is back. */
  warn?: (line: string) => void;
  /**
   * Wait for Redis' first connection (at most about 1 s) and throw {@linkcode StoreRefused}
   * when it refuses it: the main thread does, so a server says it listens once it can issue
   * coupons (default false: an isolate's own connection, opened once the main one is up).
   */
  first?: boolean;
}

/**
 * The store of `settings`, or undefined for none. A Redis Cluster is always waited for (its
 * stock's layout is read or written first): it throws {@linkcode ClusterUnreachable} when it cannot be.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_SETTINGS } from "./settings.ts";
 * assert.equal(await openStore(DEFAULT_SETTINGS, { coupons: 10 }), undefined);
 * ```
 */
export async function openStore(
  settings: ServerSettings,
  options: OpenStoreOptions,
): Promise<OpenStore | undefined> {
  const { coupons, warn } = options;
  const prefix = settings.redisPrefix;
  if (settings.redisCluster) {
    const { RedisClusterStore } = await import("./redis_cluster_store.ts");
    const nodes = settings.redisCluster.map((address) => {
      const at = address.lastIndexOf(":");
      return {
        host: address.slice(0, at).replace(/^\[(.*)\]$/, "$1"),
        port: +address.slice(at + 1),
      };
    });
    return await RedisClusterStore.open(nodes, { coupons, prefix, warn });
  }
  const url = settings.redis;
  if (!url) return undefined;
  const { RedisStore } = await import("./redis_store.ts");
  const store = new RedisStore(url, { coupons, prefix, warn });
  if (options.first) {
    const wrong = await store.connected();
    if (wrong?.refused !== undefined) {
      store.close();
      throw new StoreRefused(store.url, wrong.refused);
    }
  }
  return store;
}
