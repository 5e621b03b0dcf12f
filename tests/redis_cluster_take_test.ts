/**
 * How `--redis-cluster` takes a coupon over its shards, on in-memory shards that behave as the
 * Lua scripts do (and can be made to fail): every coupon of every shard is issued before a 410,
 * whatever shard a request starts at; a user gets one coupon however many of its requests race;
 * a shard that fails gives a 503 unless another shard had a coupon; the stock laid out over the
 * masters covers 1 to N once.
 */
import { assertEquals, assertOk } from "./_assert.ts";
import { type HomeAnswer, type ShardSteps, takeFromShards } from "../server/redis_cluster_take.ts";
import { homeOf, keySlot, layOut, type Shard } from "../server/redis_cluster_shards.ts";
import type { CouponTake } from "../server/settings.ts";

/** Shards in memory, as the scripts keep them; `down` shards throw. */
function memoryShards(totals: number[]) {
  let offset = 0;
  const shards: Shard[] = totals.map((total, i) => {
    const s = { tag: `coupons:${i}`, total, offset };
    offset += total;
    return s;
  });
  const issued = shards.map(() => 0);
  const users = shards.map(() => new Map<string, string | number>());
  const down = new Set<number>();
  const at = (s: Shard) => {
    const i = shards.indexOf(s);
    if (down.has(i)) return Promise.reject(new Error(`node of ${s.tag} cannot be reached`));
    return Promise.resolve(i);
  };
  const takeFrom = (i: number) => {
    const s = shards[i]!;
    if (issued[i]! >= s.total) return undefined;
    issued[i]!++;
    return { coupon: s.offset + issued[i]!, left: s.total - issued[i]! };
  };
  const steps: ShardSteps = {
    shards,
    take: async (s) => takeFrom(await at(s)),
    home: async (s, user, token): Promise<HomeAnswer> => {
      const i = await at(s);
      const have = users[i]!.get(user);
      if (typeof have === "number") return { kind: "holds", coupon: have };
      if (have !== undefined && have !== token) return { kind: "busy" };
      const taken = takeFrom(i);
      if (taken) {
        users[i]!.set(user, taken.coupon);
        return { kind: "issued", ...taken };
      }
      users[i]!.set(user, token);
      return { kind: "reserved" };
    },
    record: async (s, user, token, coupon) => {
      const i = await at(s);
      if (users[i]!.get(user) !== token) return false;
      users[i]!.set(user, coupon);
      return true;
    },
    release: async (s, user, token) => {
      const i = await at(s);
      if (users[i]!.get(user) === token) users[i]!.delete(user);
    },
  };
  return { steps, shards, issued, users, down };
}

const coupons = (answers: CouponTake[]) =>
  answers.flatMap((t) => t.result === "issued" ? [t.coupon] : []).sort((a, b) => a - b);
const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

Deno.test("cluster take: every shard's coupons are issued before a 410, from any first shard", async () => {
  for (const first of [0, 0.5, 0.99]) {
    const { steps } = memoryShards([4, 3, 3]);
    // Every request starts at the same shard, so they must move on as it runs out.
    const answers: CouponTake[] = [];
    for (let i = 0; i < 12; i++) {
      answers.push(await takeFromShards(steps, undefined, { random: () => first }));
    }
    assertEquals(coupons(answers), oneTo(10));
    assertEquals(answers.slice(10), [{ result: "sold_out" }, { result: "sold_out" }]);
  }
});

Deno.test("cluster take: 300 users racing twice each for 100 coupons get one each, exactly 100", async () => {
  const { steps, users } = memoryShards([34, 33, 33]);
  const names = Array.from({ length: 300 }, (_, i) => `user-${i}`);
  // Each user asks twice at once; the home shard makes the second wait for the first.
  const answers = await Promise.all(
    [...names, ...names].map((u) => takeFromShards(steps, u, { sleep: () => Promise.resolve() })),
  );
  assertEquals(coupons(answers), oneTo(100));
  const byUser = new Map<string, Set<string>>();
  [...names, ...names].forEach((u, i) => {
    const t = answers[i]!;
    const seen = byUser.get(u) ?? new Set<string>();
    seen.add(t.result === "sold_out" ? "none" : String(t.coupon));
    byUser.set(u, seen);
  });
  for (const [u, seen] of byUser) assertEquals(seen.size, 1, `${u}: ${[...seen]}`);
  // Every user who holds one is recorded in its home shard; no reservation is left behind.
  const recorded = users.flatMap((m) => [...m.values()]);
  assertEquals(recorded.filter((v) => typeof v === "number").length, 100);
  assertEquals(recorded.filter((v) => typeof v !== "number"), []);
  for (const u of names) {
    const home = homeOf(u, 3);
    for (let i = 0; i < 3; i++) {
      if (i !== home) assertEquals(users[i]!.has(u), false);
    }
  }
});

Deno.test("cluster take: a shard that fails is a 503 unless another had a coupon, never a 410", async () => {
  const { steps, down, users } = memoryShards([1, 1, 1]);
  down.add(1);
  const random = () => 0;
  // Shards 0 and 2 still have coupons: requests get them, past the failing one.
  assertEquals(
    coupons([
      await takeFromShards(steps, undefined, { random }),
      await takeFromShards(steps, undefined, { random }),
    ]),
    [1, 3],
  );
  // Now only the failing shard may hold one: not 410, an error naming it.
  let failed: unknown;
  await takeFromShards(steps, undefined, { random }).catch((e) => failed = e);
  assertOk(String(failed).includes("coupons:1 cannot be reached"), String(failed));
  // A user homed elsewhere, its home out: the error, and its reservation dropped.
  const user = Array.from({ length: 50 }, (_, i) => `u${i}`).find((u) => homeOf(u, 3) !== 1)!;
  failed = undefined;
  await takeFromShards(steps, user, { random }).catch((e) => failed = e);
  assertOk(failed instanceof Error);
  assertEquals(users[homeOf(user, 3)]!.has(user), false);
  // Back: its coupon is issued, then 410.
  down.delete(1);
  assertEquals(await takeFromShards(steps, user, { random }), {
    result: "issued",
    coupon: 2,
    left: 0,
  });
  assertEquals(await takeFromShards(steps, undefined, { random }), { result: "sold_out" });
});

Deno.test("cluster layout: one shard per master, the stock split so the numbers are 1 to N once", () => {
  const masters = ["10.0.0.1:7000", "10.0.0.2:7000", "10.0.0.3:7000", "10.0.0.4:7000"];
  const slots = (slot: number) => masters[Math.floor(slot / 4096)]!;
  for (const n of [0, 3, 1000, 10_001]) {
    const { shards } = layOut(n, slots, "id");
    assertEquals(shards.map((s) => slots(keySlot(s.tag))).sort(), masters);
    const numbers = shards.flatMap((s) =>
      Array.from({ length: s.total }, (_, i) => s.offset + i + 1)
    );
    assertEquals(numbers, oneTo(n));
    assertOk(
      Math.max(...shards.map((s) => s.total)) - Math.min(...shards.map((s) => s.total)) <= 1,
    );
  }
});
