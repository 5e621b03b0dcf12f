/**
 * Counter-based randomness: `unitAt(seed, seq)` is a pure function of its arguments, so a random
 * pick for request `seq` is the same whichever consumer asks first, in whatever order, and a run
 * is reproducible from its seed. Nothing is allocated; each call is a few integer multiplies.
 *
 * @module
 */

/** The seed when none is given: runs are reproducible unless the caller picks another. */
export const DEFAULT_SEED = 0x74707364; // "tpsd"

/** murmur3's finalizer: a bijection on 32 bits with full avalanche. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * A uniform number in [0, 1) for the pair (seed, seq); `seq` is any non-negative integer up to
 * 2^53. Different seeds give independent streams (salt the seed to derive one per use).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(unitAt(7, 42), unitAt(7, 42));
 * assert.notEqual(unitAt(7, 42), unitAt(8, 42));
 * assert.ok(unitAt(7, 42) >= 0 && unitAt(7, 42) < 1);
 * ```
 */
export function unitAt(seed: number, seq: number): number {
  const lo = seq >>> 0;
  const hi = Math.floor(seq / 4294967296) >>> 0;
  let h = fmix32((seed | 0) ^ Math.imul(lo, 0x9e3779b1));
  h = fmix32(h ^ Math.imul(hi + 0x7f4a7c15, 0x85ebca77) ^ lo);
  return (h >>> 0) / 4294967296;
}
