/**
 * Pure formatting of what a run measured: the stats line, the JSON lines and the summary (as a
 * table or as JSON). Reporters return strings; only the command prints.
 *
 * @module
 */

import { encodeHistogram, latencySummary, percentilesUs } from "../histogram.ts";
import type { Histogram } from "../histogram.ts";
import type {
  Accounting,
  Bottleneck,
  ErrorKind,
  Evidence,
  IntervalSnapshot,
  NameTotals,
  RunSettings,
  Summary,
} from "./records.ts";
import { verdict } from "./verdict.ts";
import { achievedPct } from "./accounting.ts";

/** What a run added up, as the summary reads it (the recorder's totals). */
export interface Totals {
  accounting: Accounting;
  /** Send lateness of the requests scheduled after the run's first second (µs). */
  sendLatenessAfterWarmUp?: Histogram;
  /** Each target's totals, in a run of several. */
  names?: Record<string, NameTotals>;
  /** The whole run's counters and histograms (µs). */
  total: {
    counts: { done: number };
    status: Map<number, number>;
    failedStatus?: Map<number, number>;
    errorKinds: Map<ErrorKind, number>;
    errors: number;
    bytes: number;
    latency: Histogram;
    corrected: Histogram;
    pacerLateness: Histogram;
    sendLateness: Histogram;
    connections?: number;
    connect?: Histogram;
    tls?: Histogram;
    ttfb?: Histogram;
  };
}

/** A duration in ms, to 0.1 below 100 ms. */
export function fmtMs(ms: number): string {
  return ms >= 100 ? `${ms.toFixed(0)}ms` : `${ms.toFixed(1)}ms`;
}

/**
 * A duration given in µs, in the unit that suits it: `850µs`, `12.3ms`, `2.35s`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(fmtUs(850), "850µs");
 * assert.equal(fmtUs(12_345), "12.3ms");
 * assert.equal(fmtUs(2_345_678), "2.35s");
 * ```
 */
export function fmtUs(us: number): string {
  if (us < 1000) return `${Math.round(us)}µs`;
  if (us < 1_000_000) return `${fmtMs(us / 1000)}`;
  return `${(us / 1_000_000).toFixed(2)}s`;
}

/**
 * The human stats line, the source demo's fields first; a last interval under half of `intervalS`
 * (a plan that ended past a whole second) in counts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Recorder } from "../client/record/mod.ts";
 * const live = { scheduled: 0, sent: 0, queued: 0, inFlight: 0, jobsSubmitted: 0, jobsRunning: 0, jobsQueued: null, rate: 60 };
 * const snap = new Recorder(0).takeInterval(1000, live);
 * assert.equal(statsLine(snap), "[stats] api/s: 0 | done/s: 0 | queue: 0 | p50 - p99 - | err 0 | rate 60.0");
 * // A last interval of 6 ms: counts, not a per-second rate from 6 ms.
 * const sliver = { ...snap, interval_s: 0.006, api_per_s: 166.7 };
 * assert.equal(statsLine(sliver), "[stats] last 6.0ms: sent 1 | done 0 | queue: 0 | p50 - p99 - | err 0");
 * ```
 */
export function statsLine(s: IntervalSnapshot, closedLoop = false, intervalS = 1): string {
  // The interval's rate: what it asked for on average (a plan moves within it), else the rate now;
  // with virtual users, how many were active.
  const rate = s.vus !== undefined
    ? `vus ${s.vus}`
    : `rate ${closedLoop ? "max" : (s.asked_per_s ?? s.rate).toFixed(1)}`;
  // No response in the interval: no latency to show.
  const empty = s.latency_ms.max === 0;
  const p50 = empty ? "-" : fmtMs(s.latency_ms.p50);
  const p99 = (empty ? "-" : fmtMs(s.latency_ms.p99)) +
    (s.latency_mean_ms !== undefined && !empty ? ` mean ${fmtMs(s.latency_mean_ms)}` : "");
  const jobs = s.jobs_queued === null ? "" : `jobs: ${s.jobs_queued} | `;
  if (s.drain) {
    // After the stop: counts over the drain, not rates scaled up from a few ms to a second.
    const done = Math.round(s.done_per_s * s.interval_s);
    return `[drain] ${fmtUs(s.interval_s * 1e6)} after the stop: done ${done} | ` +
      `${jobs}p50 ${p50} p99 ${p99} | err ${s.errors} | in flight ${s.accounting.in_flight}`;
  }
  if (s.interval_s < 0.5 * intervalS) {
    // A sliver before the stop (a plan's end past the last whole second): counts, not rates.
    const n = (perS: number) => Math.round(perS * s.interval_s);
    return `[stats] last ${fmtUs(s.interval_s * 1e6)}: sent ${n(s.api_per_s)} | done ` +
      `${n(s.done_per_s)} | queue: ${s.queue} | ${jobs}p50 ${p50} p99 ${p99} | err ${s.errors}`;
  }
  return `[stats] api/s: ${Math.round(s.api_per_s)} | done/s: ${Math.round(s.done_per_s)} | ` +
    `queue: ${s.queue} | ${jobs}p50 ${p50} p99 ${p99} | err ${s.errors} | ${rate}`;
}

/** One interval as a JSON line. */
export function intervalJson(s: IntervalSnapshot, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ type: "interval", ...s, ...extra });
}

/** Builds the summary from the totals. */
export function buildSummary(
  t: Totals,
  run: {
    url: string;
    durationMs: number;
    drainMs: number;
    targetRate: number;
    finalRate: number;
    adaptive: string | false;
    stoppedBy: string;
    /** Requests asked for from the first tick to the stop (null: closed loop). */
    asked?: number | null;
    evidence?: Evidence;
    /** Whether a kill cancelled what was in flight. */
    killed?: boolean;
    pacer?: {
      precision: string;
      ticks: number;
      batchedTicks: number;
      busyMs: number;
      elapsedMs: number;
    };
    config?: RunSettings;
  },
): Summary {
  const secs = Math.max(1e-9, run.durationMs / 1000);
  const a = t.accounting;
  const w = t.total;
  const done = w.counts.done;
  // Older callers (and tests) that give no asked count asked for the rate over the run.
  const asked = run.asked !== undefined
    ? (run.asked === null ? null : Math.round(run.asked * 10) / 10)
    : run.targetRate > 0
    ? Math.round(run.targetRate * secs * 10) / 10
    : null;
  const summary: Summary = {
    type: "summary",
    url: run.url,
    duration_s: Math.round(secs * 1000) / 1000,
    drain_s: Math.round(run.drainMs) / 1000,
    target_rate: run.targetRate,
    final_rate: Math.round(run.finalRate * 10) / 10,
    adaptive: run.adaptive,
    asked: asked === null ? null : { requests: asked, rate: Math.round((asked / secs) * 10) / 10 },
    achieved_rate: Math.round((a.sent / secs) * 10) / 10,
    achieved_pct: asked === null ? null : achievedPct(a.sent, asked),
    done_per_s: Math.round((done / secs) * 10) / 10,
    requests: a,
    status: Object.fromEntries([...w.status].map(([k, v]) => [String(k), v])),
    errors: w.errors,
    ...(w.failedStatus
      ? { failed_status: Object.fromEntries([...w.failedStatus].map(([k, v]) => [String(k), v])) }
      : {}),
    error_kinds: Object.fromEntries(w.errorKinds),
    bytes: w.bytes,
    latency_ms: latencySummary(w.latency),
    corrected_latency_ms: latencySummary(w.corrected),
    ...(w.connect && w.tls && w.ttfb
      ? {
        connections: w.connections ?? 0,
        phases: {
          connect_us: percentilesUs(w.connect),
          tls_us: percentilesUs(w.tls),
          ttfb_us: percentilesUs(w.ttfb),
        },
      }
      : {}),
    pacer_lateness_us: percentilesUs(w.pacerLateness),
    send_lateness_us: percentilesUs(w.sendLateness),
    ...(t.sendLatenessAfterWarmUp && t.sendLatenessAfterWarmUp.totalCount > 0
      ? { send_lateness_after_warmup_us: percentilesUs(t.sendLatenessAfterWarmUp) }
      : {}),
    pacer: run.pacer
      ? {
        precision: run.pacer.precision,
        batched_pct: Math.round((run.pacer.batchedTicks / Math.max(1, run.pacer.ticks)) * 1000) /
          10,
        cpu_pct: Math.round((run.pacer.busyMs / Math.max(1e-9, run.pacer.elapsedMs)) * 1000) / 10,
      }
      : null,
    histograms: {
      latency_us: encodeHistogram(w.latency),
      corrected_latency_us: encodeHistogram(w.corrected),
    },
    stopped_by: run.stoppedBy,
    ...(t.names ? { names: t.names } : {}),
    ...(run.killed ? { killed: true } : {}),
    ...(run.config ? { config: run.config } : {}),
    ...(run.evidence ? { evidence: run.evidence } : {}),
  };
  if (run.config) summary.bottleneck = bottleneckOf(summary);
  return summary;
}

/**
 * The mean rate a run asked for, as the verdict says it: the set rate when the run kept it (its
 * integral over the run only rounds it: 601 ticks due in 10.005 s is 60/s), else the mean.
 */
function askedRateOf(s: Summary): number {
  const mean = s.asked?.rate ?? s.target_rate;
  return !s.adaptive && !s.config?.stages && Math.abs(mean - s.target_rate) <= 0.01 * s.target_rate
    ? s.target_rate
    : mean;
}

/**
 * The verdict on a summary that carries its settings (`config`); undefined without them (a merge
 * of runs with different settings).
 */
export function bottleneckOf(s: Summary): Bottleneck | undefined {
  const c = s.config;
  if (!c) return undefined;
  const failures: Record<string, number> = { ...s.error_kinds };
  // The statuses that failed (a target's `expect=` may make a 410 ok, or a 200 not).
  const failedStatus = s.failed_status ??
    Object.fromEntries(Object.entries(s.status).filter(([k]) => Number(k) >= 400));
  for (const [k, v] of Object.entries(failedStatus)) failures[k] = v;
  if (s.requests.check_failed) failures.check = s.requests.check_failed;
  const answered = Object.values(s.status).reduce((a, b) => a + b, 0);
  const closedLoop = s.target_rate === 0;
  return verdict({
    closedLoop,
    askedRate: closedLoop ? 0 : askedRateOf(s),
    sentRate: s.achieved_rate,
    donePerS: s.done_per_s,
    sent: s.requests.sent,
    failures,
    answered,
    latencyMeanMs: s.latency_ms.mean,
    consumers: c.consumers,
    consumersFixed: c.consumers_fixed,
    ...(c.max_consumers !== undefined ? { maxConsumers: c.max_consumers } : {}),
    ...(c.vus !== undefined ? { vus: { peak: c.vus, plan: c.stages !== undefined } } : {}),
    ...(c.vus === undefined && c.stages !== undefined ? { ratePlan: true } : {}),
    workers: c.workers,
    workTimeMs: c.work_time_ms,
    workKind: c.work_kind,
    cores: c.cores,
    ...(s.adaptive ? { adaptiveRate: s.final_rate, ceiling: s.target_rate } : {}),
    sendLatenessP99Us: s.send_lateness_us.p99,
    pacerLatenessP99Us: s.pacer_lateness_us.p99,
    queueFull: s.requests.not_sent.queue_full,
    stoppedBy: s.stopped_by,
    killed: s.killed ?? false,
    ...(s.evidence ? { evidence: s.evidence } : {}),
  });
}

/** The summary as one JSON line. */
export function summaryJson(s: Summary): string {
  return JSON.stringify(s);
}
