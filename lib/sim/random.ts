/**
 * Seeded randomness for the simulator: a small PRNG and lognormal noise, so a seed replays
 * the same run.
 *
 * @module
 */

/**
 * mulberry32: a small seeded PRNG in [0, 1).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const a = seededRandom(7), b = seededRandom(7);
 * assert.equal(a(), b());
 * ```
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A lognormal draw with the given median and coefficient of variation (0: the median).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(lognormal(seededRandom(1), 20, 0), 20);
 * assert.ok(lognormal(seededRandom(1), 20, 0.5) > 0);
 * ```
 */
export function lognormal(random: () => number, median: number, cv: number): number {
  if (cv <= 0) return median;
  const sigma = Math.sqrt(Math.log(1 + cv * cv));
  const u = Math.max(1e-12, random());
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  return median * Math.exp(sigma * z);
}
