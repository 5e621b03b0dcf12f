/**
 * What the report's per-name chart draws, as data: each target name's corrected latency (p50 and
 * p99) per interval of a run of several targets (`run --targets`), on the same buckets as the
 * run's other columns (a long run's intervals merged exactly where they carry histograms: the
 * bucket's p99 is the p99 of its requests). Pure functions of the interval records.
 *
 * @module
 */

import { decodeHistogram, newHistogram, percentilesMs } from "../histogram.ts";
import type { IntervalRecord, NameRecord } from "../results/mod.ts";

/** One name's corrected latency per point of a run's charts, ms (null: no response then). */
export interface NameColumn {
  name: string;
  p50: (number | null)[];
  p99: (number | null)[];
}

/** Responses a name had in an interval (its latency's count). */
const answered = (n: NameRecord) => n.ok + n.http_error + n.check_failed;

/** A name's corrected latency over a bucket of intervals (exact with histograms, else worst). */
function bucketLatency(list: NameRecord[]): { p50: number; p99: number } | null {
  const some = list.filter((n) => answered(n) > 0);
  if (some.length === 0) return null;
  if (some.length === 1) return some[0]!.corrected_ms;
  if (some.every((n) => n.corrected_latency_us !== undefined)) {
    const h = newHistogram();
    for (const n of some) h.add(decodeHistogram(n.corrected_latency_us!));
    return percentilesMs(h);
  }
  return {
    p50: Math.max(...some.map((n) => n.corrected_ms.p50)),
    p99: Math.max(...some.map((n) => n.corrected_ms.p99)),
  };
}

/**
 * Each name's column over `buckets` (the intervals that make each point of the charts), names in
 * the order the records first list them; undefined when no record has names.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const q = (ms: number) => ({ p50: ms, p90: ms, p99: ms, max: ms });
 * const name = (ok: number, ms: number) => ({
 *   scheduled: ok, sent: ok, ok, http_error: 0, check_failed: 0, failed: 0, timed_out: 0,
 *   cancelled: 0, not_sent: 0, errors: 0, status: {}, error_kinds: {},
 *   latency_ms: q(ms), corrected_ms: q(ms),
 * });
 * const rec = (names: object) => ({ names }) as never;
 * const cols = nameColumnsOf([
 *   [rec({ a: name(3, 10), b: name(0, 0) })],
 *   [rec({ a: name(2, 12), b: name(1, 40) })],
 * ]);
 * assert.deepEqual(cols, [
 *   { name: "a", p50: [10, 12], p99: [10, 12] },
 *   { name: "b", p50: [null, 40], p99: [null, 40] },
 * ]);
 * assert.equal(nameColumnsOf([[{} as never]]), undefined);
 * ```
 */
export function nameColumnsOf(buckets: IntervalRecord[][]): NameColumn[] | undefined {
  const names = [...new Set(buckets.flat().flatMap((r) => Object.keys(r.names ?? {})))];
  if (names.length === 0) return undefined;
  return names.map((name) => {
    const points = buckets.map((bucket) =>
      bucketLatency(bucket.flatMap((r) => r.names?.[name] ? [r.names[name]] : []))
    );
    return {
      name,
      p50: points.map((p) => p?.p50 ?? null),
      p99: points.map((p) => p?.p99 ?? null),
    };
  });
}
