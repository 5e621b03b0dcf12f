/**
 * The coupon stock of `serve --redis-cluster`, split into shards: one per master, each a set of
 * keys on one hash tag (`{coupons:J}`, J picked so the tag's slot is that master's), so every
 * take is one Lua script on one node. Shard i holds `total` coupons numbered `offset + 1 …
 * offset + total`, so the numbers of all shards are 1 … N, each once.
 *
 * Keys of a shard, under the prefix: `{coupons:J}:issued` (its count), `:born` (set when the
 * stock was laid out: a node that restarts empty has lost it, and its shard is refused rather
 * than issued again), `:users` (user → coupon, or `p:<ms>:<id>` while a request of that user
 * looks for one in other shards) and `:holders` (users holding a coupon recorded here). A user's
 * record is in its home shard, `hash(user) mod shards`.
 *
 * @module
 */

/** `--redis-cluster`'s cluster cannot be used at start: `serve` says so in one line, exit 1. */
export class ClusterUnreachable extends Error {
  override name = "ClusterUnreachable";
  /** `Redis Cluster at host:port,…`. */
  readonly store: string;
  /** What is wrong: `cannot be reached (…)`, `cannot be used (…)`. */
  readonly problem: string;

  constructor(store: string, problem: string) {
    super(`${store} ${problem}`);
    this.store = store;
    this.problem = problem;
  }
}

/** One shard: its hash tag, its stock and the number before its first coupon. */
export interface Shard {
  tag: string;
  total: number;
  offset: number;
}

/** The stock's layout, as the first server wrote it (`{coupons}:layout`). */
export interface Layout {
  /** Written once by the first server; a shard's `born` marker holds it. */
  id: string;
  shards: Shard[];
}

/** The Redis Cluster hash slot of a key (CRC16/XMODEM of its hash tag, mod 16384). */
export function keySlot(key: string): number {
  const open = key.indexOf("{");
  if (open !== -1) {
    const close = key.indexOf("}", open + 1);
    if (close > open + 1) key = key.slice(open + 1, close);
  }
  let crc = 0;
  for (const byte of new TextEncoder().encode(key)) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1;
    crc &= 0xffff;
  }
  return crc % 16384;
}

/**
 * The layout of `coupons` over the masters that serve `slots` (slot → master): one shard per
 * master, its tag the first `coupons:J` whose slot that master serves, the stock split evenly.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(keySlot("123456789"), 0x31c3); // Redis' own check value
 * assert.equal(keySlot("x{coupons:0}:issued"), keySlot("coupons:0"));
 * const slots = (slot: number) => (slot < 8192 ? "a:1" : "b:2");
 * const { shards } = layOut(1001, slots, "id");
 * assert.deepEqual(shards.map((s) => [s.total, s.offset]), [[501, 0], [500, 501]]);
 * assert.deepEqual(shards.map((s) => slots(keySlot(s.tag))).sort(), ["a:1", "b:2"]);
 * ```
 */
export function layOut(coupons: number, slots: (slot: number) => string, id: string): Layout {
  const masters = new Map<string, string>();
  const all = new Set<string>();
  for (let slot = 0; slot < 16384; slot++) all.add(slots(slot));
  for (let j = 0; masters.size < all.size && j < 1_000_000; j++) {
    const tag = `coupons:${j}`;
    const master = slots(keySlot(tag));
    if (!masters.has(master)) masters.set(master, tag);
  }
  const tags = [...masters.values()];
  const each = Math.floor(coupons / tags.length);
  let offset = 0;
  const shards = tags.map((tag, i) => {
    const total = each + (i < coupons % tags.length ? 1 : 0);
    const shard = { tag, total, offset };
    offset += total;
    return shard;
  });
  return { id, shards };
}

/** The keys of a shard under `prefix`. */
export function shardKeys(prefix: string, shard: Shard): {
  issued: string;
  born: string;
  users: string;
  holders: string;
} {
  const base = `${prefix}{${shard.tag}}`;
  return {
    issued: `${base}:issued`,
    born: `${base}:born`,
    users: `${base}:users`,
    holders: `${base}:holders`,
  };
}

/** A user's home shard: where its record is (FNV-1a of its UTF-8, mod the shards). */
export function homeOf(user: string, shards: number): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(user)) h = Math.imul(h ^ byte, 16777619);
  return (h >>> 0) % shards;
}

/** A script's answer when the shard's `born` marker is gone: the node restarted empty. */
export const LOST = -3;

/**
 * In a user's home shard: KEYS issued, born, users, holders; ARGV total, offset, user, token,
 * now (ms), stale (ms). `{coupon, left}` issued from this shard and recorded; `{-1, coupon}`
 * the user holds one; `{-2, 0}` another request of the user is looking (its token younger than
 * `stale`); `{-3, 0}` lost; `{-4, 0}` this shard is out and the user is reserved with `token`.
 */
export const HOME = `
if redis.call('EXISTS', KEYS[2]) == 0 then return {-3, 0} end
local have = redis.call('HGET', KEYS[3], ARGV[3])
if have then
  local at = string.match(have, '^p:(%d+):')
  if not at then return {-1, tonumber(have)} end
  if have == ARGV[4] then return {-4, 0} end
  if tonumber(ARGV[5]) - tonumber(at) < tonumber(ARGV[6]) then return {-2, 0} end
end
local total = tonumber(ARGV[1])
local issued = tonumber(redis.call('GET', KEYS[1]) or '0')
if issued < total then
  issued = redis.call('INCR', KEYS[1])
  local coupon = issued + tonumber(ARGV[2])
  redis.call('HSET', KEYS[3], ARGV[3], coupon)
  redis.call('INCR', KEYS[4])
  return {coupon, total - issued}
end
redis.call('HSET', KEYS[3], ARGV[3], ARGV[4])
return {-4, 0}`;

/** A coupon from a shard: KEYS issued, born; ARGV total, offset. `{coupon, left}`, `{0, 0}` out. */
export const TAKE = `
if redis.call('EXISTS', KEYS[2]) == 0 then return {-3, 0} end
local total = tonumber(ARGV[1])
local issued = tonumber(redis.call('GET', KEYS[1]) or '0')
if issued >= total then return {0, 0} end
issued = redis.call('INCR', KEYS[1])
return {issued + tonumber(ARGV[2]), total - issued}`;

/**
 * In the home shard, the coupon a reserved user got elsewhere: KEYS users, holders; ARGV user,
 * token, coupon. 1 recorded; 0 the reservation is not this request's any more (nothing done).
 */
export const RECORD = `
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('INCR', KEYS[2])
return 1`;

/** Every shard was out: KEYS users; ARGV user, token. Drops the reservation if still ours. */
export const RELEASE = `
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then redis.call('HDEL', KEYS[1], ARGV[1]) end
return 1`;
