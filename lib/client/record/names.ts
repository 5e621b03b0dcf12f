/**
 * Results by name: a run of several targets keeps, for each, what the whole run keeps (counts by
 * outcome, statuses, error kinds, and the two latency histograms), so the summary, each interval
 * and a merge of results files can say how each target did. Names come from the targets (at most
 * {@linkcode MAX_NAMES}), never from the expanded URLs.
 *
 * @module
 */

import {
  encodeHistogram,
  type Histogram,
  latencySummary,
  newHistogram,
  percentilesMs,
} from "../../histogram.ts";
import type { ErrorKind, NameRecord, NameTotals } from "../../results/mod.ts";
import type { RunRecord } from "./result.ts";

/** The most targets (names) a run may have. */
export const MAX_NAMES = 64;

const bump = <K>(m: Map<K, number>, k: K, n = 1) => m.set(k, (m.get(k) ?? 0) + n);

/** One name's counters and histograms (µs) over a stretch of time. */
export class NameStats {
  counts = zero();
  status: Map<number, number> = new Map();
  failedStatus: Map<number, number> = new Map();
  errorKinds: Map<ErrorKind, number> = new Map();
  latency: Histogram = newHistogram();
  corrected: Histogram = newHistogram();

  /** Adds one record (of this name). */
  add(r: RunRecord): void {
    const c = this.counts;
    if (r.type === "not_sent") return void c.not_sent++;
    c.results++;
    if (r.error !== undefined) {
      if (r.error === "timeout") c.timed_out++;
      else if (r.error === "cancelled") c.cancelled++;
      else c.failed++;
      bump(this.errorKinds, r.error);
      return;
    }
    bump(this.status, r.status);
    this.latency.recordValue(Math.max(1, Math.round((r.doneAt - r.sentAt) * 1000)));
    this.corrected.recordValue(Math.max(1, Math.round((r.doneAt - r.scheduledAt) * 1000)));
    const judged = r.judged ?? (r.status < 400 ? "ok" : "http_error");
    c[judged]++;
    if (judged === "http_error") bump(this.failedStatus, r.status);
  }

  /** Adds everything `o` holds. */
  merge(o: NameStats): void {
    for (const k of Object.keys(this.counts) as (keyof Counts)[]) this.counts[k] += o.counts[k];
    for (const [k, v] of o.status) bump(this.status, k, v);
    for (const [k, v] of o.failedStatus) bump(this.failedStatus, k, v);
    for (const [k, v] of o.errorKinds) bump(this.errorKinds, k, v);
    this.latency.add(o.latency);
    this.corrected.add(o.corrected);
  }

  reset(): void {
    this.counts = zero();
    this.status.clear();
    this.failedStatus.clear();
    this.errorKinds.clear();
    this.latency.reset();
    this.corrected.reset();
  }

  /** Failures of every kind (HTTP, checks, transport). */
  get errors(): number {
    const c = this.counts;
    return c.http_error + c.check_failed + c.failed + c.timed_out + c.cancelled;
  }

  #common(scheduled: number, sent: number) {
    const c = this.counts;
    return {
      scheduled,
      sent,
      ok: c.ok,
      http_error: c.http_error,
      check_failed: c.check_failed,
      failed: c.failed,
      timed_out: c.timed_out,
      cancelled: c.cancelled,
      not_sent: c.not_sent,
      errors: this.errors,
      status: Object.fromEntries([...this.status].map(([k, v]) => [String(k), v])),
      failed_status: Object.fromEntries([...this.failedStatus].map(([k, v]) => [String(k), v])),
      error_kinds: Object.fromEntries(this.errorKinds),
    };
  }

  /** The interval's record of this name (`histograms`: with its corrected latency encoded). */
  interval(scheduled: number, sent: number, histograms: boolean): NameRecord {
    return {
      ...this.#common(scheduled, sent),
      latency_ms: percentilesMs(this.latency),
      corrected_ms: percentilesMs(this.corrected),
      ...(histograms ? { corrected_latency_us: encodeHistogram(this.corrected) } : {}),
    };
  }

  /** The run's totals of this name, with both latencies encoded (a merge adds them exactly). */
  totals(scheduled: number, sent: number): NameTotals {
    return {
      ...this.#common(scheduled, sent),
      latency_ms: latencySummary(this.latency),
      corrected_latency_ms: latencySummary(this.corrected),
      histograms: {
        latency_us: encodeHistogram(this.latency),
        corrected_latency_us: encodeHistogram(this.corrected),
      },
    };
  }
}

type Counts = ReturnType<typeof zero>;
function zero() {
  return {
    results: 0,
    ok: 0,
    http_error: 0,
    check_failed: 0,
    failed: 0,
    timed_out: 0,
    cancelled: 0,
    not_sent: 0,
  };
}

/**
 * Each name's stats, for a run of several targets.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { newResult } from "./result.ts";
 * const names = new ByName(["a", "b"]);
 * const r = Object.assign(newResult(0, 0, 0), { target: 1, sentAt: 0, doneAt: 2, status: 200 });
 * names.add(r);
 * assert.equal(names.stats[1]!.counts.ok, 1);
 * assert.deepEqual(Object.keys(names.intervals([1, 1], [1, 1], false)), ["a", "b"]);
 * ```
 */
export class ByName {
  readonly names: readonly string[];
  readonly stats: NameStats[];

  constructor(names: readonly string[]) {
    this.names = names;
    this.stats = names.map(() => new NameStats());
  }

  add(r: RunRecord): void {
    this.stats[r.target]?.add(r);
  }

  merge(o: ByName): void {
    for (const [i, s] of this.stats.entries()) s.merge(o.stats[i]!);
  }

  reset(): void {
    for (const s of this.stats) s.reset();
  }

  /** Every name's interval record, given what each scheduled and sent in it. */
  intervals(scheduled: number[], sent: number[], histograms: boolean): Record<string, NameRecord> {
    return Object.fromEntries(
      this.names.map((n, i) => [
        n,
        this.stats[i]!.interval(scheduled[i] ?? 0, sent[i] ?? 0, histograms),
      ]),
    );
  }

  /** Every name's totals, given what each scheduled and sent over the run. */
  totals(scheduled: number[], sent: number[]): Record<string, NameTotals> {
    return Object.fromEntries(
      this.names.map((n, i) => [n, this.stats[i]!.totals(scheduled[i] ?? 0, sent[i] ?? 0)]),
    );
  }
}
