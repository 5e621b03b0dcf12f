/**
 * Results files read and merged exactly: the NDJSON records of `run --json` / `--out` (schema 1),
 * from one run or many (shards, or before and after). Counts add; latency histograms add bucket
 * by bucket (HdrHistogram), never percentiles averaged; intervals are aligned on wall-clock
 * seconds. A merge of N files gives the totals and percentiles of one run that held all their
 * requests.
 *
 * @module
 */

import {
  decodeHistogram,
  encodeHistogram,
  type Histogram,
  latencySummary,
  newHistogram,
} from "../histogram.ts";
import { addCounters } from "./accounting.ts";
import { mergeExtras, worstOf } from "./merge_extras.ts";
import type {
  Accounting,
  ControlEvent,
  IntervalRecord,
  NameCounts,
  NameTotals,
  Summary,
} from "./records.ts";

/** What one or more results files hold. */
export interface Results {
  summaries: Summary[];
  intervals: IntervalRecord[];
  /** Run-time commands (`{"type":"event"}`), when the runs were steered. */
  events?: ControlEvent[];
}

/** A results file that cannot be read: the message names the place. */
export class ResultsError extends Error {
  override name = "ResultsError";
}

/**
 * Reads the records of one results file (`name` for messages); lines that do not start with `{`
 * (log lines) are skipped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const r = readResults('{"type":"interval","t":1}\n\n{"type":"summary","url":"x"}\n', "a");
 * assert.equal(r.intervals.length, 1);
 * assert.equal(r.summaries.length, 1);
 * assert.throws(() => readResults("{oops", "b"), ResultsError);
 * ```
 */
export function readResults(text: string, name: string): Results {
  const out: Results = { summaries: [], intervals: [], events: [] };
  for (const [i, line] of text.split("\n").entries()) {
    // Lines that are not records (the stats and notices that `kubectl logs` or `2>&1` mix in)
    // are skipped; a line that starts like a record must be one.
    if (!line.trimStart().startsWith("{")) continue;
    let record: { type?: string; schema?: number };
    try {
      record = JSON.parse(line);
    } catch {
      throw new ResultsError(`${name}:${i + 1}: not a JSON line`);
    }
    if (record.schema !== undefined && record.schema !== 1) {
      throw new ResultsError(`${name}:${i + 1}: schema ${record.schema}; this tpsdemo reads 1`);
    }
    if (record.type === "summary") out.summaries.push(record as Summary);
    else if (record.type === "interval") out.intervals.push(record as IntervalRecord);
    else if (record.type === "event") out.events!.push(record as unknown as ControlEvent);
  }
  if (out.summaries.length === 0) {
    throw new ResultsError(`${name}: no summary record (was the run cut short?)`);
  }
  return out;
}

/** One name's figures over a wall-clock second of a merge (its requests, its histogram). */
export interface NameSecond {
  scheduled: number;
  sent: number;
  errors: number;
  check_failed: number;
  corrected: Histogram;
}

/** One wall-clock second of a merge: requests sent, failed, and the exact latency histogram. */
export interface MergedSecond {
  t_unix_s: number;
  sent: number;
  errors: number;
  /** Responses whose check failed. */
  check_failed: number;
  corrected: Histogram;
  /** Each name's, where the intervals have names with histograms (`run --targets`). */
  names?: Record<string, NameSecond>;
}

/** The merged run: one summary, and the intervals summed per wall-clock second. */
export interface Merged {
  summary: Summary;
  /** Per wall-clock second: requests sent, errors, and the exact latency histograms. */
  seconds: MergedSecond[];
}

/**
 * Each name's totals over several runs, added exactly: counts (statuses and error kinds too)
 * summed, both histograms added bucket by bucket, percentiles from the sums; undefined when no
 * run has names.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeHistogram, newHistogram } from "../histogram.ts";
 * const h = newHistogram();
 * h.recordValue(2000);
 * const n = {
 *   scheduled: 1, sent: 1, ok: 1, http_error: 0, check_failed: 0, failed: 0, timed_out: 0,
 *   cancelled: 0, not_sent: 0, errors: 0, status: { "200": 1 }, error_kinds: {},
 *   latency_ms: { p50: 2, p90: 2, p99: 2, max: 2, p999: 2, mean: 2 },
 *   corrected_latency_ms: { p50: 2, p90: 2, p99: 2, max: 2, p999: 2, mean: 2 },
 *   histograms: { latency_us: encodeHistogram(h), corrected_latency_us: encodeHistogram(h) },
 * };
 * const both = mergeNames([{ login: n }, { login: n }, undefined])!;
 * assert.equal(both.login!.sent, 2);
 * assert.deepEqual(both.login!.status, { "200": 2 });
 * assert.equal(both.login!.corrected_latency_ms.p99, 2);
 * assert.equal(mergeNames([undefined]), undefined);
 * ```
 */
export function mergeNames(
  runs: (Record<string, NameTotals> | undefined)[],
): Record<string, NameTotals> | undefined {
  const present = runs.filter((r) => r !== undefined);
  if (present.length === 0) return undefined;
  const added = new Map<string, { counts: NameCounts; latency: Histogram; corrected: Histogram }>();
  for (const names of present) {
    for (const [name, n] of Object.entries(names)) {
      const { latency_ms: _, corrected_latency_ms: __, histograms, ...counts } = n;
      const a = added.get(name);
      const into = a ??
        { counts: {} as NameCounts, latency: newHistogram(), corrected: newHistogram() };
      into.counts = addCounters(into.counts, counts);
      into.latency.add(decodeHistogram(histograms.latency_us));
      into.corrected.add(decodeHistogram(histograms.corrected_latency_us));
      if (!a) added.set(name, into);
    }
  }
  return Object.fromEntries(
    [...added].map(([name, a]) => [name, {
      ...a.counts,
      latency_ms: latencySummary(a.latency),
      corrected_latency_ms: latencySummary(a.corrected),
      histograms: {
        latency_us: encodeHistogram(a.latency),
        corrected_latency_us: encodeHistogram(a.corrected),
      },
    }]),
  );
}

/**
 * Merges every run in `results` into one summary: counts added, histograms added, rates over the
 * wall-clock span from the first run's start to the last run's stop; target rates add (shards
 * run side by side). Pacer and send lateness, which the summaries carry only as percentiles, are
 * the worst run's.
 */
export function mergeResults(results: Results[]): Merged {
  const summaries = results.flatMap((r) => r.summaries);
  const intervals = results.flatMap((r) => r.intervals);
  const latency = newHistogram();
  const corrected = newHistogram();
  let accounting: Accounting | undefined;
  let status: Record<string, number> = {};
  let kinds: Record<string, number> = {};
  let failedStatus: Record<string, number> | undefined;
  let errors = 0, bytes = 0, target = 0, done = 0;
  let start = Infinity, end = -Infinity;
  for (const s of summaries) {
    latency.add(decodeHistogram(s.histograms.latency_us));
    corrected.add(decodeHistogram(s.histograms.corrected_latency_us));
    accounting = accounting ? addCounters(accounting, s.requests) : structuredClone(s.requests);
    status = addCounters(status, s.status);
    kinds = addCounters(kinds, s.error_kinds as Record<string, number>);
    if (s.failed_status) failedStatus = addCounters(failedStatus ?? {}, s.failed_status);
    errors += s.errors;
    bytes += s.bytes;
    target += s.target_rate;
    done += s.done_per_s * s.duration_s;
    const from = s.t_unix_ms ?? 0;
    start = Math.min(start, from);
    end = Math.max(end, from + s.duration_s * 1000);
  }
  const first = summaries[0]!;
  const secs = Math.max(1e-9, (end - start) / 1000);
  const summary: Summary = {
    type: "summary",
    schema: 1,
    run_id: summaries.length === 1 ? first.run_id : "merged",
    t_unix_ms: start,
    url: [...new Set(summaries.map((s) => s.url))].join(" "),
    duration_s: Math.round(secs * 1000) / 1000,
    drain_s: Math.max(...summaries.map((s) => s.drain_s)),
    target_rate: target,
    final_rate: summaries.reduce((a, s) => a + s.final_rate, 0),
    adaptive: first.adaptive,
    achieved_rate: Math.round((accounting!.sent / secs) * 10) / 10,
    done_per_s: Math.round((done / secs) * 10) / 10,
    requests: accounting!,
    status,
    errors,
    error_kinds: kinds,
    bytes,
    latency_ms: latencySummary(latency),
    corrected_latency_ms: latencySummary(corrected),
    pacer_lateness_us: worstOf(summaries.map((s) => s.pacer_lateness_us)),
    send_lateness_us: worstOf(summaries.map((s) => s.send_lateness_us)),
    pacer: null,
    histograms: {
      latency_us: encodeHistogram(latency),
      corrected_latency_us: encodeHistogram(corrected),
    },
    stopped_by: [...new Set(summaries.map((s) => s.stopped_by))].join(" "),
  };
  if (failedStatus) summary.failed_status = failedStatus;
  mergeExtras(summary, summaries, secs);
  const names = mergeNames(summaries.map((s) => s.names));
  if (names) summary.names = names;
  const shards = summaries.flatMap((s) => s.shards ?? (s.shard ? [s.shard] : []));
  if (shards.length > 0) summary.shards = shards;
  return { summary, seconds: mergeSeconds(intervals) };
}

/** Intervals (with histograms) added up per wall-clock second, each name's too. */
function mergeSeconds(intervals: IntervalRecord[]): MergedSecond[] {
  const bySecond = new Map<number, MergedSecond>();
  // Checks failed per interval: the change in each run's cumulative accounting.
  const checks = new Map<string | undefined, number>();
  for (const i of intervals) {
    const checked = i.accounting?.check_failed ?? 0;
    const before = checks.get(i.run_id) ?? 0;
    checks.set(i.run_id, checked);
    if (i.t_unix_ms === undefined || !i.histograms) continue;
    const t = Math.floor(i.t_unix_ms / 1000);
    let s = bySecond.get(t);
    if (!s) {
      s = { t_unix_s: t, sent: 0, errors: 0, check_failed: 0, corrected: newHistogram() };
      bySecond.set(t, s);
    }
    s.sent += Math.round(i.api_per_s * i.interval_s);
    s.errors += i.errors;
    s.check_failed += Math.max(0, checked - before);
    s.corrected.add(decodeHistogram(i.histograms.corrected_latency_us));
    for (const [name, n] of Object.entries(i.names ?? {})) {
      if (n.corrected_latency_us === undefined) continue;
      s.names ??= {};
      const into = s.names[name] ??= {
        scheduled: 0,
        sent: 0,
        errors: 0,
        check_failed: 0,
        corrected: newHistogram(),
      };
      into.scheduled += n.scheduled;
      into.sent += n.sent;
      into.errors += n.errors;
      into.check_failed += n.check_failed;
      into.corrected.add(decodeHistogram(n.corrected_latency_us));
    }
  }
  return [...bySecond.values()].sort((a, b) => a.t_unix_s - b.t_unix_s);
}
