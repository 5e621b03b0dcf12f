/**
 * How many consumers a run needs, by Little's law (requests in flight = rate × latency), pure.
 *
 * @module
 */

/**
 * Consumers needed to keep `rate`/s going at `latencyMs` a request, with `headroom` (×) and
 * `extra` on top.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(littlesLaw(300, 50), 15);
 * assert.equal(littlesLaw(200, 21, 1.25, 1), 7);
 * ```
 */
export function littlesLaw(rate: number, latencyMs: number, headroom = 1, extra = 0): number {
  return Math.ceil(rate * (latencyMs / 1000) * headroom + extra);
}

/**
 * The ceiling for growing consumers, from an interval's median latency (a saturated client
 * inflates it far less than its p90), with half again as headroom, one pacer batch of ticks and
 * 4 more; never below the consumers there are, never above `max`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // 30,000/s at 0.3 ms, 0.8 ms batches: 13.5 + 24 + 4.
 * assert.equal(growthCeiling({ rate: 30_000, p50Ms: 0.3, batchMs: 0.8, current: 32, max: 1024 }), 42);
 * assert.equal(growthCeiling({ rate: 10, p50Ms: 20, batchMs: 0.8, current: 32, max: 1024 }), 32);
 * ```
 */
export function growthCeiling(
  o: { rate: number; p50Ms: number; batchMs: number; current: number; max: number },
): number {
  const wanted = littlesLaw(o.rate, o.p50Ms, 1.5, o.rate * (o.batchMs / 1000) + 4);
  return Math.min(o.max, Math.max(o.current, wanted));
}
