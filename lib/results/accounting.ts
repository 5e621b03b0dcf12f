/**
 * Adding up accounting: the one sum of counters that the recorder (interval + total) and a merge
 * of results files (shard + shard) both use, so the two can never disagree.
 *
 * @module
 */

/** A record of counters: numbers, or records of them. */
export type Counters = { [key: string]: number | null | undefined | Counters };

/**
 * `a + b`, field by field, nested records too. A field missing (or null) on one side counts as 0
 * (results files from before the field existed); a field on neither side stays out.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const a = { ok: 1, not_sent: { stopped: 2, queue_full: 0 } };
 * const b = { ok: 4, not_sent: { stopped: 1, queue_full: 3 } };
 * assert.deepEqual(addCounters(a, b), { ok: 5, not_sent: { stopped: 3, queue_full: 3 } });
 * ```
 */
export function addCounters<T extends object>(a: T, b: T): T {
  const out: Counters = {};
  const x = a as unknown as Counters, y = b as unknown as Counters;
  for (const key of new Set([...Object.keys(x), ...Object.keys(y)])) {
    const u = x[key], v = y[key];
    if (typeof u === "object" && u !== null) out[key] = addCounters(u, (v ?? {}) as Counters);
    else if (typeof v === "object" && v !== null) out[key] = addCounters({}, v);
    else out[key] = (u ?? 0) + (v ?? 0);
  }
  return out as unknown as T;
}

/**
 * Sent ÷ asked, %, to 0.1 (100 when both round to the same count: a tick not yet due at the stop
 * is not owed).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(achievedPct(120, 120), 100);
 * assert.equal(achievedPct(50, 49.98), 100);
 * assert.equal(achievedPct(60, 120), 50);
 * ```
 */
export function achievedPct(sent: number, asked: number): number {
  if (asked <= 0) return 100;
  if (Math.abs(sent - asked) < 1) return 100;
  return Math.round((sent / asked) * 1000) / 10;
}
