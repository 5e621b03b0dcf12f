/**
 * The one accumulator of `tpsdemo run`: a {@linkcode Window} adds up records (counters and HDR
 * histograms) over a stretch of time. The recorder keeps three: the stats interval, the adaptive
 * controller's window, and the run's total (each closed interval is merged into it, exactly).
 * Also the {@linkcode WindowStats} a controller reads.
 *
 * @module
 */

import { type Histogram, newHistogram } from "../../histogram.ts";
import { OVERLOAD_ERRORS, OVERLOAD_STATUS, type RunRecord } from "./result.ts";
import { ByName } from "./names.ts";
import { type ErrorKind, type NotSentReason } from "../../results/mod.ts";

/** What one control window measured, as a controller reads it. Times in ms. */
export interface WindowStats {
  /** End of the window (ms on the run's clock). */
  now: number;
  /** Length of the window. */
  durationMs: number;
  /** The rate the pacer ran at during the window. */
  rate: number;
  /** Ticks released by the pacer. */
  scheduled: number;
  /** Requests sent. */
  sent: number;
  /** Requests completed (any outcome). */
  completed: number;
  /** Completed with a 2xx/3xx. */
  ok: number;
  /** Overload signals: 503, 429, timeouts, connection refused/reset. */
  overload: number;
  /** Service time (sent → response) percentiles of ok completions; NaN if none. */
  latencyP10: number;
  latencyP50: number;
  /** Dispatch lag (sent − scheduled) p90 over the window's completions. */
  lagP90: number;
  /** Ticks waiting in the client's queue at the start and end of the window. */
  queueStart: number;
  queueEnd: number;
  /** Requests on the wire at the end of the window. */
  inFlight: number;
}

/** Outcome counters of a window. */
export interface Counts {
  /** Results recorded (sent requests that ended). */
  results: number;
  ok: number;
  http_error: number;
  /** An expected status, and a response check failed. */
  check_failed: number;
  failed: number;
  timed_out: number;
  cancelled: number;
  not_sent: Record<NotSentReason, number>;
  jobs: { done: number; failed: number; cancelled: number };
  /** Responses whose work is complete: the job done, or a response with no job. */
  done: number;
  /** Overload signals (what the controller reads). */
  overload: number;
}

const zeroCounts = (): Counts => ({
  results: 0,
  ok: 0,
  http_error: 0,
  check_failed: 0,
  failed: 0,
  timed_out: 0,
  cancelled: 0,
  not_sent: { stopped: 0, queue_full: 0 },
  jobs: { done: 0, failed: 0, cancelled: 0 },
  done: 0,
  overload: 0,
});

const bump = <K>(m: Map<K, number>, k: K, n = 1) => m.set(k, (m.get(k) ?? 0) + n);

/**
 * Counters and histograms (µs) over a stretch of time.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { newResult } from "./result.ts";
 * const w = new Window();
 * const r = newResult(0, 0, 0.001);
 * Object.assign(r, { sentAt: 0.002, doneAt: 20, status: 200, bytes: 100 });
 * w.add(r);
 * assert.equal(w.counts.ok, 1);
 * assert.equal(w.latency.totalCount, 1);
 * ```
 */
export class Window {
  counts: Counts = zeroCounts();
  status: Map<number, number> = new Map();
  /** Statuses that counted as HTTP failures (below 400 with `expect=`, or 4xx/5xx). */
  failedStatus: Map<number, number> = new Map();
  errorKinds: Map<ErrorKind, number> = new Map();
  bytes = 0;
  /** Service time (sent → end) of responses with a status. */
  latency: Histogram = newHistogram();
  /** From the scheduled time to the end (corrected for coordinated omission). */
  corrected: Histogram = newHistogram();
  /** Release − scheduled, every released tick. */
  pacerLateness: Histogram = newHistogram();
  /** Written − scheduled, every sent request. */
  sendLateness: Histogram = newHistogram();
  /** New connections: their TCP connect and TLS handshake (µs), and time to first byte. */
  connections = 0;
  connect: Histogram = newHistogram();
  tls: Histogram = newHistogram();
  ttfb: Histogram = newHistogram();
  /** Service time of ok responses only (the controller's); only when asked for. */
  okLatency: Histogram | undefined;
  /** Each target's figures, in a run of several. */
  byName: ByName | undefined;

  constructor(options: { okLatency?: boolean; names?: readonly string[] } = {}) {
    if (options.okLatency) this.okLatency = newHistogram();
    if (options.names) this.byName = new ByName(options.names);
  }

  /** Adds one record. */
  add(r: RunRecord): void {
    const c = this.counts;
    this.byName?.add(r);
    if (r.type === "not_sent") {
      c.not_sent[r.reason]++;
      return;
    }
    c.results++;
    this.pacerLateness.recordValue(Math.max(0, Math.round((r.releasedAt - r.scheduledAt) * 1000)));
    this.sendLateness.recordValue(Math.max(0, Math.round((r.sentAt - r.scheduledAt) * 1000)));
    if (r.newConnection) this.connections++;
    if (r.connectMs === r.connectMs) {
      this.connect.recordValue(Math.max(1, Math.round(r.connectMs * 1000)));
      if (r.tlsMs === r.tlsMs) this.tls.recordValue(Math.max(1, Math.round(r.tlsMs * 1000)));
    }
    if (r.ttfbMs === r.ttfbMs) this.ttfb.recordValue(Math.max(1, Math.round(r.ttfbMs * 1000)));
    if (r.error !== undefined) {
      if (r.error === "timeout") c.timed_out++;
      else if (r.error === "cancelled") c.cancelled++;
      else c.failed++;
      bump(this.errorKinds, r.error);
      if (OVERLOAD_ERRORS.has(r.error)) c.overload++;
      return;
    }
    this.bytes += r.bytes;
    bump(this.status, r.status);
    const service = Math.max(1, Math.round((r.doneAt - r.sentAt) * 1000));
    this.latency.recordValue(service);
    this.corrected.recordValue(Math.max(1, Math.round((r.doneAt - r.scheduledAt) * 1000)));
    const judged = r.judged ?? (r.status < 400 ? "ok" : "http_error");
    if (judged === "ok") {
      c.ok++;
      this.okLatency?.recordValue(service);
    } else if (judged === "check_failed") {
      c.check_failed++;
    } else {
      c.http_error++;
      bump(this.failedStatus, r.status);
      if (OVERLOAD_STATUS.has(r.status)) c.overload++;
    }
    switch (r.job) {
      case "none":
        c.done++;
        break;
      case "done":
        c.done++;
        c.jobs.done++;
        break;
      case "failed":
        c.jobs.failed++;
        break;
      case "cancelled":
        c.jobs.cancelled++;
        break;
    }
  }

  /** Adds everything `other` holds (exact: counts add, histograms add bucket by bucket). */
  merge(other: Window): void {
    const a = this.counts, b = other.counts;
    for (
      const k of [
        "results",
        "ok",
        "http_error",
        "check_failed",
        "failed",
        "timed_out",
        "cancelled",
      ] as const
    ) {
      a[k] += b[k];
    }
    a.done += b.done;
    a.overload += b.overload;
    a.not_sent.stopped += b.not_sent.stopped;
    a.not_sent.queue_full += b.not_sent.queue_full;
    a.jobs.done += b.jobs.done;
    a.jobs.failed += b.jobs.failed;
    a.jobs.cancelled += b.jobs.cancelled;
    for (const [k, v] of other.status) bump(this.status, k, v);
    for (const [k, v] of other.failedStatus) bump(this.failedStatus, k, v);
    for (const [k, v] of other.errorKinds) bump(this.errorKinds, k, v);
    this.bytes += other.bytes;
    this.latency.add(other.latency);
    this.corrected.add(other.corrected);
    this.pacerLateness.add(other.pacerLateness);
    this.sendLateness.add(other.sendLateness);
    this.connections += other.connections;
    this.connect.add(other.connect);
    this.tls.add(other.tls);
    this.ttfb.add(other.ttfb);
    if (this.okLatency && other.okLatency) this.okLatency.add(other.okLatency);
    if (this.byName && other.byName) this.byName.merge(other.byName);
  }

  /** Empties the window for the next stretch. */
  reset(): void {
    this.counts = zeroCounts();
    this.status.clear();
    this.failedStatus.clear();
    this.errorKinds.clear();
    this.bytes = 0;
    this.latency.reset();
    this.corrected.reset();
    this.pacerLateness.reset();
    this.sendLateness.reset();
    this.connections = 0;
    this.connect.reset();
    this.tls.reset();
    this.ttfb.reset();
    this.okLatency?.reset();
    this.byName?.reset();
  }

  /** Errors of every kind: HTTP, failed checks and transport failures (timeouts, cancels). */
  get errors(): number {
    const c = this.counts;
    return c.http_error + c.check_failed + c.failed + c.timed_out + c.cancelled;
  }
}
