/**
 * The recorder: the one place records end. `record(r)` adds a {@linkcode RunRecord} to the
 * current stats interval and (with an adaptive controller) to the controller's window; each
 * closed interval is merged into the run's total, so intervals add up to the totals exactly.
 * Live gauges (ticks released, requests sent, the queue, jobs running) come from the run at
 * each snapshot. At every snapshot
 * `scheduled = sent + queued + not_sent` and
 * `sent = ok + http_error + failed + timed_out + cancelled + in_flight`
 * (in flight: sent and not yet recorded, on the wire or in its CPU job).
 *
 * @module
 */

import {
  encodeHistogram,
  type Histogram,
  newHistogram,
  percentilesMs,
  percentilesUs,
} from "../../histogram.ts";
import {
  type Accounting,
  addCounters,
  type IntervalSnapshot,
  type LatencyHistograms,
} from "../../results/mod.ts";
import type { RunRecord } from "./result.ts";
import type { NameTotals } from "../../results/mod.ts";
import { Window, type WindowStats } from "./window.ts";
import type { Live } from "./live.ts";

export { type Live, newLive } from "./live.ts";

/** The warm-up the summary reports send lateness without (the run's first second). */
export const WARM_UP_MS = 1000;

/** How many first responses tell the target's latency before any queue (their median). */
const EARLY = 5;

/** Everything at the end of a run, for the summary. */
export interface Totals {
  accounting: Accounting;
  /** The whole run's counters and histograms. */
  total: Window;
  /** Send lateness (µs) of the requests scheduled after the warm-up second. */
  sendLatenessAfterWarmUp: Histogram;
  names?: Record<string, NameTotals>;
}

/**
 * The run's recorder.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { newResult } from "./result.ts";
 * const rec = new Recorder(0);
 * const r = newResult(0, 0, 0);
 * Object.assign(r, { sentAt: 0, doneAt: 12, status: 200 });
 * rec.record(r);
 * const live = { scheduled: 1, sent: 1, queued: 0, inFlight: 0, jobsSubmitted: 0, jobsRunning: 0, jobsQueued: null, rate: 10 };
 * const snap = rec.takeInterval(1000, live);
 * assert.equal(snap.api_per_s, 1);
 * assert.equal(snap.accounting.ok, 1);
 * assert.ok(Math.abs(snap.latency_ms.p50 - 12) < 0.02); // HDR: 3 significant digits
 * ```
 */
export class Recorder {
  #start: number;
  #interval: Window;
  #total: Window;
  /** What each target scheduled and sent by the last interval (a run of several names). */
  #byTargetAtInterval: { scheduled: number[]; sent: number[] } | undefined;
  #window: Window | undefined;
  #lastInterval: number;
  #sentAtInterval = 0;
  #askedAtInterval = 0;
  #early: number[] = [];
  #steadySend: Histogram = newHistogram();
  #histogramsNext = false;
  #windowStart: number;
  #windowLive = { scheduled: 0, sent: 0, queued: 0 };

  /**
   * `controller: true` keeps the adaptive controller's window too; `names`, each target's figures
   * (a run of several).
   */
  constructor(start: number, options: { controller?: boolean; names?: readonly string[] } = {}) {
    this.#interval = new Window({ names: options.names });
    this.#total = new Window({ names: options.names });
    if (options.names) {
      this.#byTargetAtInterval = {
        scheduled: options.names.map(() => 0),
        sent: options.names.map(() => 0),
      };
    }
    this.#start = start;
    this.#lastInterval = start;
    this.#windowStart = start;
    if (options.controller) this.#window = new Window({ okLatency: true });
  }

  /** Moves the start (the run's first tick) before anything is recorded. */
  restart(start: number): void {
    this.#start = this.#lastInterval = this.#windowStart = start;
  }

  /** Records a request that ended, or a tick that was not sent. */
  record(r: RunRecord): void {
    this.#interval.add(r);
    this.#window?.add(r);
    // Send lateness after the warm-up second (stalls of a cold start apart), as wrk2 does.
    if (r.type === "result" && r.scheduledAt - this.#start >= WARM_UP_MS) {
      this.#steadySend.recordValue(Math.max(0, Math.round((r.sentAt - r.scheduledAt) * 1000)));
    }
    if (this.#early.length < EARLY && r.type === "result" && r.error === undefined) {
      this.#early.push(r.doneAt - r.sentAt);
    }
  }

  /**
   * The median service time of the run's first responses, ms (null before any): the target
   * before a queue could build, what the verdict compares the later latency with.
   */
  get earlyLatencyMs(): number | null {
    if (this.#early.length === 0) return null;
    return [...this.#early].sort((a, b) => a - b)[(this.#early.length - 1) >> 1]!;
  }

  /** Completions in the current controller window. */
  get windowCompleted(): number {
    return this.#window?.counts.results ?? 0;
  }

  /** Time since the last interval closed, ms. */
  sinceInterval(now: number): number {
    return now - this.#lastInterval;
  }

  /** Whether the open interval saw anything: a send, or a record. */
  intervalHasData(live: Live): boolean {
    const c = this.#interval.counts;
    return live.sent !== this.#sentAtInterval || c.results > 0 ||
      c.not_sent.stopped + c.not_sent.queue_full > 0;
  }

  /** The cumulative accounting, given the live gauges. */
  accounting(live: Live): Accounting {
    const c = addCounters(this.#total.counts, this.#interval.counts);
    return {
      ...(live.asked === undefined ? {} : { asked: Math.round(live.asked * 10) / 10 }),
      scheduled: live.scheduled,
      sent: live.sent,
      queued: live.queued,
      not_sent: c.not_sent,
      ok: c.ok,
      http_error: c.http_error,
      check_failed: c.check_failed,
      failed: c.failed,
      timed_out: c.timed_out,
      cancelled: c.cancelled,
      in_flight: live.sent - c.results,
      jobs: {
        submitted: live.jobsSubmitted,
        ...c.jobs,
        queued: live.jobsQueued ?? 0,
        running: live.jobsRunning - (live.jobsQueued ?? 0),
      },
    };
  }

  /**
   * Closes the interval at `now` and returns its snapshot; `keep`, when given, sees the interval's
   * window (counters and histograms) before it is emptied.
   */
  takeInterval(now: number, live: Live, keep?: (w: Window) => void): IntervalSnapshot {
    const w = this.#interval;
    keep?.(w);
    const secs = Math.max(1e-9, (now - this.#lastInterval) / 1000);
    const snap: IntervalSnapshot = {
      t: Math.round(now - this.#start) / 1000,
      interval_s: Math.round(secs * 1000) / 1000,
      api_per_s: Math.round(((live.sent - this.#sentAtInterval) / secs) * 10) / 10,
      asked_per_s: live.asked === undefined
        ? null
        : Math.round(((live.asked - this.#askedAtInterval) / secs) * 10) / 10,
      done_per_s: Math.round((w.counts.done / secs) * 10) / 10,
      queue: live.queued,
      rate: Math.round(live.rate * 10) / 10,
      in_flight: live.inFlight,
      consumers: live.consumers ?? 0,
      jobs_queued: live.jobsQueued,
      latency_ms: percentilesMs(w.latency),
      corrected_ms: percentilesMs(w.corrected),
      pacer_lateness_us: percentilesUs(w.pacerLateness),
      send_lateness_us: percentilesUs(w.sendLateness),
      errors: w.errors,
      status: Object.fromEntries([...w.status].map(([k, v]) => [String(k), v])),
      error_kinds: Object.fromEntries(w.errorKinds),
      accounting: this.accounting(live),
      connections: w.connections,
      phases: {
        connect_us: percentilesUs(w.connect),
        tls_us: percentilesUs(w.tls),
        ttfb_us: percentilesUs(w.ttfb),
      },
    };
    const names = this.#names(live, this.#histogramsNext);
    if (names) snap.names = names;
    this.#total.merge(w);
    w.reset();
    this.#lastInterval = now;
    this.#sentAtInterval = live.sent;
    this.#askedAtInterval = live.asked ?? 0;
    return snap;
  }

  /**
   * Closes the interval at `now`, with its latency histograms encoded (before the window is
   * emptied: no copy) when `histograms` is set.
   */
  takeIntervalRecord(
    now: number,
    live: Live,
    histograms: boolean,
  ): { snap: IntervalSnapshot; histograms?: LatencyHistograms } {
    this.#histogramsNext = histograms;
    if (!histograms) return { snap: this.takeInterval(now, live) };
    let encoded: LatencyHistograms | undefined;
    const snap = this.takeInterval(now, live, (w) => {
      encoded = {
        latency_us: encodeHistogram(w.latency),
        corrected_latency_us: encodeHistogram(w.corrected),
        send_lateness_us: encodeHistogram(w.sendLateness),
      };
    });
    return { snap, histograms: encoded };
  }

  /** Closes the controller window at `now` and returns its statistics. */
  takeWindow(now: number, live: Live): WindowStats {
    const w = this.#window ?? new Window({ okLatency: true });
    const lat = w.okLatency!;
    const lag = w.sendLateness;
    const last = this.#windowLive;
    const stats: WindowStats = {
      now,
      durationMs: now - this.#windowStart,
      rate: live.rate,
      scheduled: live.scheduled - last.scheduled,
      sent: live.sent - last.sent,
      completed: w.counts.results,
      ok: w.counts.ok,
      overload: w.counts.overload,
      latencyP10: lat.totalCount ? lat.getValueAtPercentile(10) / 1000 : NaN,
      latencyP50: lat.totalCount ? lat.getValueAtPercentile(50) / 1000 : NaN,
      lagP90: lag.totalCount ? lag.getValueAtPercentile(90) / 1000 : 0,
      queueStart: last.queued,
      queueEnd: live.queued,
      inFlight: live.inFlight,
    };
    w.reset();
    this.#windowStart = now;
    this.#windowLive = { scheduled: live.scheduled, sent: live.sent, queued: live.queued };
    return stats;
  }

  /** Everything, for the summary (folds the open interval into the total). */
  totals(live: Live): Totals {
    const accounting = this.accounting(live);
    this.#total.merge(this.#interval);
    this.#interval.reset();
    const by = live.byTarget;
    const names = by && this.#total.byName?.totals(by.scheduled, by.sent);
    return {
      accounting,
      total: this.#total,
      sendLatenessAfterWarmUp: this.#steadySend,
      ...(names ? { names } : {}),
    };
  }

  /** Each target's interval figures, and the marks for the next interval. */
  #names(live: Live, histograms: boolean) {
    const w = this.#interval.byName, by = live.byTarget, at = this.#byTargetAtInterval;
    if (!w || !by || !at) return undefined;
    const scheduled = by.scheduled.map((n, i) => n - at.scheduled[i]!);
    const sent = by.sent.map((n, i) => n - at.sent[i]!);
    at.scheduled = [...by.scheduled];
    at.sent = [...by.sent];
    return w.intervals(scheduled, sent, histograms);
  }
}
