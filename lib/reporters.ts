/**
 * Pure formatting of what a run measured: the stats line, the JSON lines and the summary (as a
 * table or as JSON). Reporters return strings; only the command prints.
 *
 * @module
 */

import type { Accounting, IntervalSnapshot, Percentiles, Totals } from "./recorder.ts";
import { encodeHistogram, percentilesMs, percentilesUs } from "./recorder.ts";
import type { ErrorKind } from "./http_client.ts";

/** The end-of-run summary (also the `{"type":"summary"}` JSON line). */
export interface Summary {
  type: "summary";
  url: string;
  /** From the start to the stop (rates are over this). */
  duration_s: number;
  /** From the stop until in-flight requests and jobs ended. */
  drain_s: number;
  target_rate: number;
  final_rate: number;
  adaptive: string | false;
  achieved_rate: number;
  done_per_s: number;
  requests: Accounting;
  status: Record<string, number>;
  errors: Partial<Record<ErrorKind, number>>;
  bytes: number;
  /** Service time: from the write of the request to the end of the response. */
  latency_ms: Percentiles & { p999: number; mean: number };
  /** From the scheduled time (what a user would have waited; corrected for coordinated omission). */
  corrected_latency_ms: Percentiles & { p999: number; mean: number };
  /** Pacer Worker: release − scheduled, µs. */
  pacer_lateness_us: Percentiles;
  /** Request written − scheduled, µs. */
  send_lateness_us: Percentiles;
  /** HdrHistogram compressed base64 (µs), mergeable across runs and machines. */
  histograms: { latency_us: string; corrected_latency_us: string };
  stopped_by: string;
}

function fmtMs(ms: number): string {
  return ms >= 100 ? `${ms.toFixed(0)}ms` : `${ms.toFixed(1)}ms`;
}

/**
 * The human stats line, the source demo's fields first.
 *
 * @example
 * ```ts
 * statsLine(snapshot); // "[stats] api/s: 36 | done/s: 36 | queue: 111 | p50 12.1ms p99 30.2ms | err 0 | rate 60.0"
 * ```
 */
export function statsLine(s: IntervalSnapshot, closedLoop = false): string {
  const rate = closedLoop ? "max" : s.rate.toFixed(1);
  return `[stats] api/s: ${Math.round(s.api_per_s)} | done/s: ${Math.round(s.done_per_s)} | ` +
    `queue: ${s.queue} | p50 ${fmtMs(s.latency_ms.p50)} p99 ${fmtMs(s.latency_ms.p99)} | ` +
    `err ${s.errors} | rate ${rate}`;
}

/** One interval as a JSON line. */
export function intervalJson(s: IntervalSnapshot, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ type: "interval", ...s, ...extra });
}

function withMean(h: Totals["latency"]): Percentiles & { p999: number; mean: number } {
  const p = percentilesMs(h);
  const empty = h.totalCount === 0;
  return {
    ...p,
    p999: empty ? 0 : Math.round(h.getValueAtPercentile(99.9)) / 1000,
    mean: empty ? 0 : Math.round(h.mean) / 1000,
  };
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
  },
): Summary {
  const secs = Math.max(1e-9, run.durationMs / 1000);
  const a = t.accounting;
  const done = a.jobs.submitted > 0 ? a.jobs.done : a.ok + a.http_error;
  return {
    type: "summary",
    url: run.url,
    duration_s: Math.round(secs * 1000) / 1000,
    drain_s: Math.round(run.drainMs) / 1000,
    target_rate: run.targetRate,
    final_rate: Math.round(run.finalRate * 10) / 10,
    adaptive: run.adaptive,
    achieved_rate: Math.round((a.sent / secs) * 10) / 10,
    done_per_s: Math.round((done / secs) * 10) / 10,
    requests: a,
    status: t.status,
    errors: t.error_kinds,
    bytes: t.bytes,
    latency_ms: withMean(t.latency),
    corrected_latency_ms: withMean(t.corrected),
    pacer_lateness_us: percentilesUs(t.pacerLateness),
    send_lateness_us: percentilesUs(t.sendLateness),
    histograms: {
      latency_us: encodeHistogram(t.latency),
      corrected_latency_us: encodeHistogram(t.corrected),
    },
    stopped_by: run.stoppedBy,
  };
}

/** The summary as one JSON line. */
export function summaryJson(s: Summary): string {
  return JSON.stringify(s);
}

/** The summary as a readable table. */
export function summaryTable(s: Summary): string {
  const a = s.requests;
  const pct = (p: Percentiles & { p999?: number }) =>
    `p50 ${fmtMs(p.p50)}  p90 ${fmtMs(p.p90)}  p99 ${fmtMs(p.p99)}  max ${fmtMs(p.max)}`;
  const us = (p: Percentiles) => `p50 ${p.p50}µs  p99 ${p.p99}µs  max ${p.max}µs`;
  const statuses = Object.entries(s.status).map(([k, v]) => `${k}: ${v}`).join(", ") || "none";
  const errors = Object.entries(s.errors).map(([k, v]) => `${k}: ${v}`).join(", ") || "none";
  const notSent = Object.entries(a.not_sent).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`)
    .join(", ") || "0";
  const rows: [string, string][] = [
    ["target", s.url],
    ["duration", `${s.duration_s}s (stopped by ${s.stopped_by}; drained in ${s.drain_s}s)`],
    [
      "rate",
      `${s.achieved_rate}/s achieved of ${s.target_rate === 0 ? "max" : `${s.target_rate}/s`}` +
      (s.adaptive ? ` (adaptive ${s.adaptive}, final ${s.final_rate}/s)` : ""),
    ],
    ["done/s", String(s.done_per_s)],
    ["scheduled", `${a.scheduled} = sent ${a.sent} + not sent ${notSent}`],
    [
      "sent",
      `${a.sent} = ok ${a.ok} + http error ${a.http_error} + failed ${a.failed} + ` +
      `timed out ${a.timed_out} + cancelled ${a.cancelled}`,
    ],
    [
      "cpu jobs",
      `${a.jobs.submitted} = done ${a.jobs.done} + failed ${a.jobs.failed} + cancelled ${a.jobs.cancelled}`,
    ],
    ["status", statuses],
    ["errors", errors],
    ["latency", pct(s.latency_ms)],
    ["corrected", `${pct(s.corrected_latency_ms)}  (from the scheduled time)`],
    ["pacer lateness", us(s.pacer_lateness_us)],
    ["send lateness", us(s.send_lateness_us)],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  return ["", "Summary", ...rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`)].join("\n");
}
