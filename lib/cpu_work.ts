/**
 * Real CPU work for a given time: FNV-1a hashing over a rolling buffer until the deadline. Used by
 * the server's `/slow` and `/cached` routes and by the client's CPU-job Workers.
 *
 * @module
 */

/**
 * Hashes for `ms` milliseconds of wall time on the calling thread and returns the hash (hex), so
 * the work cannot be optimised away.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const t0 = performance.now();
 * assert.match(burnCpu(5), /^[0-9a-f]+$/);
 * assert.ok(performance.now() - t0 >= 5);
 * ```
 */
export function burnCpu(ms: number, seed = 0, now: () => number = () => performance.now()): string {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  if (ms <= 0) return h.toString(16);
  const end = now() + ms;
  let i = 0;
  do {
    for (let k = 0; k < 2048; k++) {
      h ^= (i++ * 2654435761) & 0xff;
      h = Math.imul(h, 16777619);
    }
  } while (now() < end);
  return (h >>> 0).toString(16);
}

/**
 * Hashing iterations the calling thread does per millisecond, measured over `ms`. Measured once
 * on an idle thread, it turns a CPU budget into a fixed amount of work ({@linkcode burnIterations}),
 * so jobs on an oversubscribed machine take longer instead of doing less.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const perMs = calibrateCpu();
 * assert.ok(perMs >= 1);
 * burnIterations(perMs * 2); // about 2 ms of one core
 * ```
 */
export function calibrateCpu(ms = 30): number {
  burnIterations(200_000); // warm the JIT
  // The best of several short samples: a sample the scheduler interrupted reads slow.
  let best = 0;
  for (let s = 0; s < 6; s++) {
    const t0 = performance.now();
    let n = 0;
    while (performance.now() - t0 < ms / 6) {
      burnIterations(20_000);
      n += 20_000;
    }
    best = Math.max(best, n / (performance.now() - t0));
  }
  return best;
}

/**
 * A fixed amount of FNV-1a hashing: `n` iterations. Returns the hash (hex).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(burnIterations(1000, 7), burnIterations(1000, 7)); // deterministic for a seed
 * ```
 */
export function burnIterations(n: number, seed = 0): string {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < n; i++) {
    h ^= (i * 2654435761) & 0xff;
    h = Math.imul(h, 16777619);
  }
  return (h >>> 0).toString(16);
}
