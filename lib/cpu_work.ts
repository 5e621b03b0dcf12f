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
 * burnCpu(5); // "9f3c0a1b", after about 5 ms of hashing
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
