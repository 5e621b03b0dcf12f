/**
 * What the report's charts draw, as data: a run's interval records turned into columns (one
 * value per interval: rates, latency percentiles, status codes and error kinds per second, queue
 * and backlog, lateness, the controller's rate and decisions), long runs re-bucketed exactly
 * (counts summed, latency histograms added, so a bucket's p99 is the p99 of its requests), and
 * the latency distribution as an HDR percentile curve. Pure functions of the records: the HTML
 * report and the live dashboard draw the same columns.
 *
 * @module
 */

import { decodeHistogram, type Histogram, newHistogram, percentilesMs } from "../histogram.ts";
import type { ControlEvent, IntervalRecord } from "../results/mod.ts";
import { eventText } from "./event_text.ts";
import { type NameColumn, nameColumnsOf } from "./name_series.ts";

export { eventText, type IntervalRecord };

/** One interval as the charts draw it. */
export interface Row {
  /** Seconds since the run's start (end of the interval). */
  t: number;
  /** Length of the interval, s. */
  secs: number;
  target: number;
  sent: number;
  done: number;
  /** Service time and corrected latency percentiles, ms. */
  lat: [p50: number, p90: number, p99: number, max: number];
  cor: [p50: number, p90: number, p99: number, max: number];
  queue: number;
  jobs: number | null;
  inFlight: number;
  consumers: number;
  /** Responses per status code, and failures per error kind, in the interval. */
  status: Record<string, number>;
  kinds: Record<string, number>;
  /** Pacer and send lateness p50/p99, µs. */
  pacer: [p50: number, p99: number];
  send: [p50: number, p99: number];
  /** The adaptive controller's last decision, when it made one. */
  decision?: string;
  /** Virtual users active at the interval's end, and the mean service time, ms (`--vus`). */
  vus?: number;
  mean?: number;
}

/** A run's rows as columns (`status` and `kinds`: per second, by code or kind). */
export interface Columns {
  t: number[];
  target: number[];
  sent: number[];
  done: number[];
  lat: number[][];
  cor: number[][];
  queue: number[];
  jobs: number[];
  inFlight: number[];
  pacer: number[][];
  send: number[][];
  status: Record<string, number[]>;
  kinds: Record<string, number[]>;
  decisions: { t: number; text: string }[];
  /** Run-time commands (`{"type":"event"}` records): when, and what they changed. */
  events: { t: number; text: string }[];
  /** Each target name's corrected latency, in a run of several targets (`run --targets`). */
  names?: NameColumn[];
  /** Virtual users active, and the mean service time (ms), in a run of VUs (`run --vus`). */
  vus?: number[];
  mean?: number[];
}

const quad = (p: { p50: number; p90: number; p99: number; max: number }) =>
  [p.p50, p.p90, p.p99, p.max] as Row["lat"];

/**
 * One interval record as a row.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const p = { p50: 1, p90: 2, p99: 3, max: 4 };
 * const row = rowOf({
 *   type: "interval", t: 2, interval_s: 1, api_per_s: 10, done_per_s: 9, queue: 0, rate: 10,
 *   in_flight: 1, consumers: 4, jobs_queued: null, latency_ms: p, corrected_ms: p,
 *   pacer_lateness_us: p, send_lateness_us: p, errors: 0, status: { "200": 9 }, error_kinds: {},
 *   accounting: {} as never,
 * });
 * assert.deepEqual(row.cor, [1, 2, 3, 4]);
 * assert.equal(row.status["200"], 9);
 * ```
 */
export function rowOf(r: IntervalRecord): Row {
  const zero = { p50: 0, p90: 0, p99: 0, max: 0 };
  const pacer = r.pacer_lateness_us ?? zero, send = r.send_lateness_us ?? zero;
  return {
    t: r.t,
    secs: r.interval_s,
    target: r.rate,
    sent: r.api_per_s,
    done: r.done_per_s,
    lat: quad(r.latency_ms),
    cor: quad(r.corrected_ms),
    queue: r.queue,
    jobs: r.jobs_queued,
    inFlight: r.in_flight,
    consumers: r.consumers,
    status: r.status,
    // Failed response checks are errors as the cards count them: a series of their own.
    kinds: {
      ...r.error_kinds as Record<string, number>,
      ...(r.accounting?.check_failed ? { "check failed": r.accounting.check_failed } : {}),
    },
    pacer: [pacer.p50, pacer.p99],
    send: [send.p50, send.p99],
    ...(r.adaptive ? { decision: r.adaptive } : {}),
    ...(r.vus !== undefined ? { vus: r.vus, mean: r.latency_mean_ms ?? 0 } : {}),
  };
}

/** Most points a chart draws per run; longer runs are re-bucketed. */
export const MAX_POINTS = 1200;
/** Most controller decisions a report lists per run (the last ones). */
export const MAX_DECISIONS = 1000;

/**
 * Columns of a run's intervals, at most `maxPoints` of them: a long run's consecutive intervals
 * are merged into buckets, exactly where the records carry histograms (rates from summed counts,
 * percentiles from added histograms), and by the worst value where they do not (gauges, lateness,
 * old records' percentiles).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const p = { p50: 1, p90: 2, p99: 3, max: 4 };
 * const rec = (t: number) => ({
 *   type: "interval" as const, t, interval_s: 1, api_per_s: 10, done_per_s: 10, queue: t,
 *   rate: 10, in_flight: 0, consumers: 4, jobs_queued: null, latency_ms: p, corrected_ms: p,
 *   pacer_lateness_us: p, send_lateness_us: p, errors: 0, status: { "200": 10 },
 *   error_kinds: {}, accounting: {} as never,
 * });
 * const c = columnsOf([1, 2, 3, 4].map(rec), 2);
 * assert.deepEqual(c.t, [2, 4]);
 * assert.deepEqual(c.sent, [10, 10]);
 * assert.deepEqual(c.queue, [2, 4]); // the worst of each bucket
 * assert.deepEqual(c.status["200"], [10, 10]); // per second
 * ```
 */
export function columnsOf(
  records: IntervalRecord[],
  maxPoints = MAX_POINTS,
  events: Pick<ControlEvent, "t" | "event" | "rate" | "scale" | "source">[] = [],
): Columns {
  const cols = emptyColumns();
  cols.events = events.map((e) => ({ t: e.t, text: eventText(e) }));
  // The drain after the stop is no point: its rates, over a fraction of a second, are no rates
  // per second. Its counts join the last point (lastRow).
  const drains = records.filter((r) => r.drain);
  records = records.filter((r) => !r.drain);
  // A short interval up to the stop (its rates would spike) joins the one before it.
  const groups = records.map((r) => [r]);
  const full = Math.max(0, ...records.map((r) => r.interval_s));
  const secs = (g: IntervalRecord[]) => g.reduce((a, r) => a + r.interval_s, 0);
  while (groups.length > 1 && secs(groups.at(-1)!) < 0.5 * full) {
    groups.at(-2)!.push(...groups.pop()!);
  }
  const per = Math.max(1, Math.ceil(groups.length / maxPoints));
  const buckets: IntervalRecord[][] = [];
  for (let i = 0; i < groups.length; i += per) {
    const bucket = groups.slice(i, i + per).flat();
    buckets.push(bucket);
    const row = bucket.length === 1 ? rowOf(bucket[0]!) : mergeRows(bucket);
    appendRow(cols, i + per >= groups.length ? lastRow(row, bucket.at(-1)!, drains) : row);
    for (const r of bucket) {
      // A decision is listed when it changes; a long run keeps its last MAX_DECISIONS.
      if (r.adaptive && r.adaptive !== cols.decisions.at(-1)?.text) {
        cols.decisions.push({ t: r.t, text: r.adaptive });
      }
    }
  }
  cols.decisions.splice(0, Math.max(0, cols.decisions.length - MAX_DECISIONS));
  const names = nameColumnsOf(buckets);
  if (names) cols.names = names;
  return cols;
}

/** Empty columns, to append rows to. */
export function emptyColumns(): Columns {
  return {
    t: [],
    target: [],
    sent: [],
    done: [],
    lat: [[], [], [], []],
    cor: [[], [], [], []],
    queue: [],
    jobs: [],
    inFlight: [],
    pacer: [[], []],
    send: [[], []],
    status: {},
    kinds: {},
    decisions: [],
    events: [],
  };
}

/**
 * Appends a row to columns (the live dashboard does this in the page, with the same layout).
 * Status codes and error kinds become per-second rates; a code first seen late is zero before.
 */
export function appendRow(c: Columns, row: Row): void {
  const n = c.t.length;
  c.t.push(row.t);
  c.target.push(row.target);
  c.sent.push(row.sent);
  c.done.push(row.done);
  row.lat.forEach((v, k) => c.lat[k]!.push(v));
  row.cor.forEach((v, k) => c.cor[k]!.push(v));
  c.queue.push(row.queue);
  c.jobs.push(row.jobs ?? 0);
  c.inFlight.push(row.inFlight);
  row.pacer.forEach((v, k) => c.pacer[k]!.push(v));
  row.send.forEach((v, k) => c.send[k]!.push(v));
  if (row.vus !== undefined) {
    (c.vus ??= []).push(row.vus);
    (c.mean ??= []).push(row.mean ?? 0);
  }
  const perSecond = (into: Record<string, number[]>, counts: Record<string, number>) => {
    for (const k of Object.keys(counts)) into[k] ??= new Array(n).fill(0);
    for (const [k, col] of Object.entries(into)) {
      col.push(Math.round(((counts[k] ?? 0) / Math.max(1e-9, row.secs)) * 10) / 10);
    }
  };
  perSecond(c.status, row.status);
  perSecond(c.kinds, row.kinds);
}

/**
 * The last point: its rate at the stop is 0 (the plan ended), so its target is what it asked over
 * the interval; the drain's done, codes and errors count in it, its slowest response in the max.
 */
function lastRow(row: Row, last: IntervalRecord, drains: IntervalRecord[]): Row {
  const out = { ...row, status: { ...row.status }, kinds: { ...row.kinds } };
  if (out.target === 0 && (last.asked_per_s ?? 0) > 0) out.target = last.asked_per_s!;
  out.lat = [...out.lat], out.cor = [...out.cor];
  for (const d of drains.map(rowOf)) {
    out.done = Math.round((out.done + (d.done * d.secs) / out.secs) * 10) / 10;
    for (const k of ["status", "kinds"] as const) {
      for (const [c, v] of Object.entries(d[k])) out[k][c] = (out[k][c] ?? 0) + v;
    }
    [out.lat[3], out.cor[3]] = [Math.max(out.lat[3], d.lat[3]), Math.max(out.cor[3], d.cor[3])];
  }
  return out;
}

function mergeRows(bucket: IntervalRecord[]): Row {
  const rows = bucket.map(rowOf);
  const secs = rows.reduce((a, r) => a + r.secs, 0);
  const rate = (f: (r: Row) => number) =>
    Math.round((rows.reduce((a, r) => a + f(r) * r.secs, 0) / Math.max(1e-9, secs)) * 10) / 10;
  const worst = <K extends "pacer" | "send" | "lat" | "cor">(k: K) =>
    rows[0]![k].map((_, j) => Math.max(...rows.map((r) => r[k][j]!))) as Row[K];
  const add = (f: (r: Row) => Record<string, number>) => {
    const out: Record<string, number> = {};
    for (const r of rows) for (const [k, v] of Object.entries(f(r))) out[k] = (out[k] ?? 0) + v;
    return out;
  };
  // Exact percentiles from the bucket's histograms, where every record has them.
  const exact = (k: "latency_us" | "corrected_latency_us"): Row["lat"] | undefined => {
    if (!bucket.every((r) => r.histograms)) return undefined;
    const h: Histogram = newHistogram();
    for (const r of bucket) h.add(decodeHistogram(r.histograms![k]));
    return quad(percentilesMs(h));
  };
  const last = rows[rows.length - 1]!;
  // The bucket's mean latency (a run of VUs): each row's, weighed by its responses.
  const n = rows.map((r) => Object.values(r.status).reduce((a, b) => a + b, 0));
  const mean = rows.reduce((a, r, i) => a + (r.mean ?? 0) * n[i]!, 0) /
    Math.max(1, n.reduce((a, b) => a + b, 0));
  return {
    t: last.t,
    secs,
    target: rate((r) => r.target),
    sent: rate((r) => r.sent),
    done: rate((r) => r.done),
    lat: exact("latency_us") ?? worst("lat"),
    cor: exact("corrected_latency_us") ?? worst("cor"),
    queue: Math.max(...rows.map((r) => r.queue)),
    jobs: Math.max(...rows.map((r) => r.jobs ?? 0)),
    inFlight: Math.max(...rows.map((r) => r.inFlight)),
    consumers: last.consumers,
    status: add((r) => r.status),
    kinds: add((r) => r.kinds),
    pacer: worst("pacer"),
    send: worst("send"),
    ...(last.vus !== undefined ? { vus: last.vus, mean: Math.round(mean * 1000) / 1000 } : {}),
  };
}
