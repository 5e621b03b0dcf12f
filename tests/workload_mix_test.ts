/** The weighted mix: nginx's smooth round-robin, exact per period; a seeded random pick. */
import { assertBetween, assertEquals, assertOk, assertThrows } from "./_assert.ts";
import { integerWeights, MAX_PERIOD, Mix, smoothOrder } from "../lib/workload/mix.ts";

const counts = (picks: ArrayLike<number>, n: number) => {
  const c = new Array<number>(n).fill(0);
  for (let i = 0; i < picks.length; i++) c[picks[i]!]!++;
  return c;
};

Deno.test("mix: nginx's smooth order, ties to the earlier target", () => {
  assertEquals([...smoothOrder([3, 1])], [0, 0, 1, 0]); // A A B A
  assertEquals([...smoothOrder([5, 1, 1])], [0, 0, 1, 0, 2, 0, 0]); // nginx's a a b a c a a
  assertEquals([...smoothOrder([1, 1, 1])], [0, 1, 2]);
  assertEquals([...smoothOrder([2, 3])], [1, 0, 1, 0, 1]);
  assertEquals([...smoothOrder([7])], [0]);
});

Deno.test("mix: weights reduce by their gcd, decimals to 3 places", () => {
  assertEquals(integerWeights([6, 2, 4]), [3, 1, 2]);
  assertEquals(integerWeights([0.5, 0.25]), [2, 1]);
  assertEquals(integerWeights([1.5, 1]), [3, 2]);
  assertEquals(integerWeights([0.001, 0.002]), [1, 2]);
  assertEquals(smoothOrder([30, 10]).length, 4);
});

Deno.test("mix: every window of one period holds the exact proportions", () => {
  for (const weights of [[3, 1], [3, 1, 1], [5, 2, 2, 1], [1, 1], [7, 3, 0.5], [13, 8, 5, 3, 2]]) {
    const w = integerWeights(weights);
    const mix = new Mix(weights);
    const period = w.reduce((a, b) => a + b, 0);
    assertEquals(mix.period, period);
    const picks = Array.from({ length: period * 3 }, (_, s) => mix.at(s));
    for (let from = 0; from + period <= picks.length; from++) {
      assertEquals(counts(picks.slice(from, from + period), w.length), w, `${weights} @${from}`);
    }
  }
  const mix = new Mix([3, 1, 1]);
  assertEquals(counts([0, 1, 2, 3, 4].map((s) => mix.at(s)), 3), [3, 1, 1]);
});

Deno.test("mix: smooth means interleaved, not in blocks", () => {
  // 1:1:…:1 is plain round-robin; 2:2:1 never sends one target twice in a row within a period.
  assertEquals([...smoothOrder([1, 1, 1, 1])], [0, 1, 2, 3]);
  const order = smoothOrder([2, 2, 1]);
  for (let i = 1; i < order.length; i++) assertOk(order[i] !== order[i - 1], `${order}`);
});

Deno.test("mix: a long period is apportioned into MAX_PERIOD slots, each target kept", () => {
  const w = integerWeights([1_000_000, 1, 2.5]);
  const total = w.reduce((a, b) => a + b, 0);
  assertOk(total <= MAX_PERIOD, `${total}`);
  assertOk(w.every((x) => x >= 1), `${w}`);
  assertBetween(w[0]! / total, 0.9999, 1);
  const mix = new Mix([1_000_000, 1, 2.5]);
  assertEquals(counts(Array.from({ length: mix.period }, (_, s) => mix.at(s)), 3), w);
});

Deno.test("mix: a seq past 2^32 still picks, in either mode", () => {
  const seq = 2 ** 40 + 3;
  assertEquals(new Mix([3, 1]).at(seq), new Mix([3, 1]).at(3));
  const r = new Mix([3, 1], { random: true });
  assertOk(r.at(seq) === 0 || r.at(seq) === 1);
});

Deno.test("mix: random is seeded, reproducible per seq, and near the proportions", () => {
  const a = new Mix([3, 1, 1], { random: true, seed: 42 });
  const b = new Mix([3, 1, 1], { random: true, seed: 42 });
  const picks = Array.from({ length: 10_000 }, (_, s) => a.at(s));
  // The same seq gives the same pick, in any order of asking.
  for (let s = 9_999; s >= 0; s -= 7) assertEquals(b.at(s), picks[s]);
  const c = counts(picks, 3);
  assertBetween(c[0]! / 10_000, 0.6 - 0.025, 0.6 + 0.025, "target 0");
  assertBetween(c[1]! / 10_000, 0.2 - 0.02, 0.2 + 0.02, "target 1");
  assertBetween(c[2]! / 10_000, 0.2 - 0.02, 0.2 + 0.02, "target 2");
  // Another seed, another sequence; the default seed is fixed.
  const other = Array.from(
    { length: 100 },
    (_, s) => new Mix([3, 1, 1], { random: true, seed: 7 }).at(s),
  );
  assertOk(other.some((p, s) => p !== picks[s]));
  const d1 = new Mix([1, 1], { random: true });
  const d2 = new Mix([1, 1], { random: true });
  assertEquals([0, 1, 2, 3, 4, 5].map((s) => d1.at(s)), [0, 1, 2, 3, 4, 5].map((s) => d2.at(s)));
  // Not the smooth order: random runs happen.
  assertOk(picks.join("").includes("000"));
});

Deno.test("mix: weights must be finite and > 0", () => {
  for (const bad of [[], [0], [1, -1], [Number.NaN], [Infinity]]) {
    assertThrows(() => new Mix(bad), RangeError);
    assertThrows(() => new Mix(bad, { random: true }), RangeError);
  }
});
