/**
 * The weighted mix: which target request `seq` goes to. Sequential by default, nginx's smooth
 * weighted round-robin precomputed over one period (3:1 gives `A A B A`, never `A A A B`), so
 * every window of one period holds the exact proportions and the targets interleave as evenly as
 * they can; or random, a seeded pick by cumulative weight, reproducible per `seq`. {@linkcode Mix.at}
 * is a table read or a hash and a binary search: it allocates nothing.
 *
 * @module
 */

import { DEFAULT_SEED, unitAt } from "./random.ts";

/**
 * The longest period precomputed. Weights whose reduced sum is longer are apportioned into this
 * many slots (largest remainder, every target at least one), so proportions stay within
 * 1/65,536 of the weights'.
 */
export const MAX_PERIOD = 65_536;

const gcd = (a: number, b: number): number => b === 0 ? a : gcd(b, a % b);

/**
 * Integer weights in their lowest terms: scaled to integers with up to 3 decimals (at least 1
 * each), divided by their gcd, apportioned into {@linkcode MAX_PERIOD} slots when longer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(integerWeights([6, 2]), [3, 1]);
 * assert.deepEqual(integerWeights([0.5, 0.25]), [2, 1]);
 * ```
 */
export function integerWeights(weights: readonly number[]): number[] {
  if (weights.length === 0) throw new RangeError("Cannot mix: no weights");
  for (const w of weights) {
    if (!(Number.isFinite(w) && w > 0)) {
      throw new RangeError(`Cannot mix: a weight must be a finite number > 0, got ${w}`);
    }
  }
  let ints = weights.map((w) => Math.max(1, Math.round(w * 1000)));
  const sum = ints.reduce((a, b) => a + b, 0);
  if (sum > MAX_PERIOD && weights.length < MAX_PERIOD) ints = apportion(ints, sum, MAX_PERIOD);
  const g = ints.reduce(gcd);
  return ints.map((w) => w / g);
}

/** Largest-remainder apportionment of `ints` (summing to `sum`) into `slots`, each at least 1. */
function apportion(ints: number[], sum: number, slots: number): number[] {
  const quota = ints.map((w) => w * slots / sum);
  const out = quota.map((q) => Math.max(1, Math.floor(q)));
  let left = slots - out.reduce((a, b) => a + b, 0);
  const rank = (key: (i: number) => number) =>
    quota.map((_, i) => i).sort((a, b) => key(b) - key(a) || a - b);
  // Too many (the ones raised to 1): take from the largest; too few: give by largest remainder.
  for (const i of rank((i) => out[i]!)) {
    if (left >= 0) break;
    const take = Math.min(-left, out[i]! - 1);
    out[i]! -= take;
    left += take;
  }
  const byRemainder = rank((i) => quota[i]! - Math.floor(quota[i]!));
  for (let k = 0; left > 0; k = (k + 1) % byRemainder.length, left--) out[byRemainder[k]!]!++;
  return out;
}

/**
 * nginx's smooth weighted round-robin over one period: each step every target's `current` grows
 * by its weight, the largest (the earlier target on a tie) is picked and loses the total. Weights
 * go through {@linkcode integerWeights} first. O(period × targets), once.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual([...smoothOrder([3, 1])], [0, 0, 1, 0]);
 * assert.deepEqual([...smoothOrder([5, 1, 1])], [0, 0, 1, 0, 2, 0, 0]);
 * ```
 */
export function smoothOrder(weights: readonly number[]): Uint32Array {
  const w = integerWeights(weights);
  const total = w.reduce((a, b) => a + b, 0);
  const current = new Float64Array(w.length);
  const order = new Uint32Array(total);
  for (let step = 0; step < total; step++) {
    let best = 0;
    for (let i = 0; i < w.length; i++) {
      current[i]! += w[i]!;
      if (current[i]! > current[best]!) best = i;
    }
    current[best]! -= total;
    order[step] = best;
  }
  return order;
}

/** How a {@linkcode Mix} picks. */
export interface MixOptions {
  /** A seeded random pick by weight instead of the smooth round-robin. Default false. */
  random?: boolean;
  /** The random pick's seed. Default {@linkcode DEFAULT_SEED}. */
  seed?: number;
}

const MIX_SALT = 0x6d697821; // "mix!": a stream apart from the data's

/**
 * Which target each request goes to.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const mix = new Mix([3, 1]);
 * assert.deepEqual([0, 1, 2, 3, 4].map((s) => mix.at(s)), [0, 0, 1, 0, 0]);
 * const random = new Mix([3, 1], { random: true, seed: 1 });
 * assert.equal(random.at(10), new Mix([3, 1], { random: true, seed: 1 }).at(10));
 * ```
 */
export class Mix {
  /** Sequential: the precomputed order (one period). Random: empty. */
  readonly order: Uint32Array;
  /** Sequential: the period in requests. Random: 0. */
  readonly period: number;
  readonly random: boolean;
  #seed: number;
  #cumulative: Float64Array;
  #total: number;

  constructor(weights: readonly number[], options: MixOptions = {}) {
    this.random = options.random ?? false;
    this.#seed = (options.seed ?? DEFAULT_SEED) ^ MIX_SALT;
    if (this.random) {
      integerWeights(weights); // the same checks
      this.order = new Uint32Array(0);
      this.period = 0;
      this.#cumulative = new Float64Array(weights.length);
      let sum = 0;
      weights.forEach((w, i) => this.#cumulative[i] = sum += w);
      this.#total = sum;
    } else {
      this.order = smoothOrder(weights);
      this.period = this.order.length;
      this.#cumulative = new Float64Array(0);
      this.#total = 0;
    }
  }

  /** The target (index into the weights) of request `seq` (an integer ≥ 0). */
  at(seq: number): number {
    if (!this.random) return this.order[seq % this.period]!;
    const x = unitAt(this.#seed, seq) * this.#total;
    const c = this.#cumulative;
    let lo = 0;
    let hi = c.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (c[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}
