/**
 * How `--redis-cluster` takes a coupon over its shards, apart from Redis: a request starts at a
 * random shard and moves to the next while they are out, so 410 comes only when every shard is
 * out; a user first asks its home shard, which holds its record (see
 * `redis_cluster_shards.ts` for the scripts each step runs).
 *
 * @module
 */

import type { CouponTake } from "./settings.ts";
import { homeOf, type Shard } from "./redis_cluster_shards.ts";

/** What the home script answered. */
export type HomeAnswer =
  | { kind: "issued"; coupon: number; left: number }
  | { kind: "holds"; coupon: number }
  /** Another request of this user is looking in the other shards now. */
  | { kind: "busy" }
  /** The home shard is out; the user is reserved with this request's token. */
  | { kind: "reserved" };

/** The steps on one shard; each throws (naming the node) when it cannot be done. */
export interface ShardSteps {
  shards: Shard[];
  /** A coupon from the shard, or undefined when it is out. */
  take(shard: Shard): Promise<{ coupon: number; left: number } | undefined>;
  /** In the user's home shard: its coupon, a new one from there, or a reservation. */
  home(shard: Shard, user: string, token: string): Promise<HomeAnswer>;
  /** Records a coupon over the user's reservation: false if the reservation is gone. */
  record(shard: Shard, user: string, token: string, coupon: number): Promise<boolean>;
  /** Drops the user's reservation (best effort). */
  release(shard: Shard, user: string, token: string): Promise<void>;
}

/** Options of {@linkcode takeFromShards}. */
export interface TakeOptions {
  /** Random source in [0, 1) for the first shard (default `Math.random`). */
  random?: () => number;
  /** Waits `ms` while another request of the user looks (default a timer). */
  sleep?: (ms: number) => Promise<void>;
  /** This request's reservation token (default `p:<now ms>:<uuid>`). */
  token?: string;
}

/**
 * A coupon from any shard but `skip`, trying them in turn from a random one: undefined when
 * every shard was out; throws when one failed and none had a coupon (it may hold some).
 */
async function takeAny(
  steps: ShardSteps,
  random: () => number,
  skip?: number,
): Promise<{ coupon: number; left: number } | undefined> {
  const shards = steps.shards;
  const start = Math.floor(random() * shards.length);
  let failed: unknown;
  for (let i = 0; i < shards.length; i++) {
    const at = (start + i) % shards.length;
    if (at === skip) continue;
    try {
      const taken = await steps.take(shards[at]!);
      if (taken) return taken;
    } catch (err) {
      failed ??= err;
    }
  }
  if (failed !== undefined) throw failed;
  return undefined;
}

/**
 * Takes a coupon for `user` (at most one per user), or for anyone when undefined.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // Two shards of one coupon each; anonymous requests find the second when the first is out.
 * const left = [1, 1];
 * const shards = [{ tag: "a", total: 1, offset: 0 }, { tag: "b", total: 1, offset: 1 }];
 * const take = (s: { offset: number }) => {
 *   if (left[s.offset] === 0) return Promise.resolve(undefined);
 *   left[s.offset] = 0;
 *   return Promise.resolve({ coupon: s.offset + 1, left: 0 });
 * };
 * const steps = {
 *   shards,
 *   take,
 *   home: () => Promise.reject(new Error("no users here")),
 *   record: () => Promise.resolve(true),
 *   release: () => Promise.resolve(),
 * };
 * const random = () => 0;
 * const take1 = () => takeFromShards(steps, undefined, { random });
 * assert.deepEqual(await take1(), { result: "issued", coupon: 1, left: 0 });
 * assert.deepEqual(await take1(), { result: "issued", coupon: 2, left: 0 });
 * assert.deepEqual(await take1(), { result: "sold_out" });
 * ```
 */
export async function takeFromShards(
  steps: ShardSteps,
  user: string | undefined,
  options: TakeOptions = {},
): Promise<CouponTake> {
  const random = options.random ?? Math.random;
  if (user === undefined) {
    const taken = await takeAny(steps, random);
    return taken ? { result: "issued", ...taken } : { result: "sold_out" };
  }
  const sleep = options.sleep ?? ((ms) => new Promise<void>((r) => setTimeout(r, ms)));
  const token = options.token ?? `p:${Date.now()}:${crypto.randomUUID()}`;
  const at = homeOf(user, steps.shards.length);
  const home = steps.shards[at]!;
  for (let wait = 5;; wait = Math.min(wait * 2, 100)) {
    const answer = await steps.home(home, user, token);
    if (answer.kind === "issued") {
      return { result: "issued", coupon: answer.coupon, left: answer.left };
    }
    if (answer.kind === "holds") return { result: "already_issued", coupon: answer.coupon };
    if (answer.kind === "reserved") break;
    // Another request of this user is looking in the other shards: its answer is this one's.
    await sleep(wait);
  }
  let taken: { coupon: number; left: number } | undefined;
  try {
    taken = await takeAny(steps, random, at);
  } catch (err) {
    await steps.release(home, user, token);
    throw err;
  }
  if (!taken) {
    await steps.release(home, user, token);
    return { result: "sold_out" };
  }
  if (!(await steps.record(home, user, token, taken.coupon))) {
    throw new Error(
      `coupon ${taken.coupon} was taken after the user's reservation had expired; ` +
        "it is not issued",
    );
  }
  return { result: "issued", ...taken };
}
