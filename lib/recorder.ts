/**
 * Counts every tick, request and CPU job, per interval and in total, with HDR histograms
 * (npm `hdr-histogram-js`) for latency from the send, latency from the scheduled time (corrected
 * for coordinated omission), pacer lateness and send lateness. Nothing is lost from the
 * accounting: at every snapshot
 * `scheduled = sent + queued + not_sent` and
 * `sent = ok + http_error + failed + timed_out + cancelled + in_flight`.
 *
 * @module
 */

// The JS histogram and its encoding only: the package's index also loads a WebAssembly build
// that costs 16 MB of RSS (measured) and is not used.
import Int32HistogramModule from "hdr-histogram-js/dist/Int32Histogram.js";
import { decompress, doDecode } from "hdr-histogram-js/dist/JsHistogram.encoding.js";
import type { WindowStats } from "./adaptive.ts";
import type { ErrorKind, SendResult } from "./http_client.ts";
import type { JobOutcome } from "./worker_pool.ts";

// A CommonJS module: its default export arrives as `.default`.
const Int32Histogram = Int32HistogramModule.default;
type Histogram = InstanceType<typeof Int32Histogram>;

/** A released tick as the consumers see it. Times in ms on the run's clock. */
export interface TickRecord {
  seq: number;
  scheduledAt: number;
  releasedAt: number;
}

/** Why a scheduled tick was never sent. */
export type NotSentReason = "stopped" | "queue_full";

/** Cumulative request and job accounting. */
export interface Accounting {
  scheduled: number;
  sent: number;
  queued: number;
  not_sent: Record<NotSentReason, number>;
  ok: number;
  http_error: number;
  failed: number;
  timed_out: number;
  cancelled: number;
  in_flight: number;
  jobs: { submitted: number; done: number; failed: number; cancelled: number; running: number };
}

/** Percentiles in ms (or µs for lateness). */
export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** One interval's figures. */
export interface IntervalSnapshot {
  t: number;
  interval_s: number;
  api_per_s: number;
  done_per_s: number;
  queue: number;
  rate: number;
  in_flight: number;
  latency_ms: Percentiles;
  corrected_ms: Percentiles;
  errors: number;
  status: Record<string, number>;
  error_kinds: Partial<Record<ErrorKind, number>>;
  accounting: Accounting;
}

/** A histogram of µs values from 1 µs to 1 hour, 3 significant digits. */
function histogram(): Histogram {
  return new Int32Histogram(1, 3_600_000_000, 3);
}

/** Percentiles of a µs histogram, in ms (3 decimals); zeros when empty. */
export function percentilesMs(h: Histogram): Percentiles {
  if (h.totalCount === 0) return { p50: 0, p90: 0, p99: 0, max: 0 };
  const ms = (v: number) => Math.round(v) / 1000;
  return {
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p99: ms(h.getValueAtPercentile(99)),
    max: ms(h.maxValue),
  };
}

/** Percentiles of a µs histogram, in µs. */
export function percentilesUs(h: Histogram): Percentiles {
  if (h.totalCount === 0) return { p50: 0, p90: 0, p99: 0, max: 0 };
  return {
    p50: h.getValueAtPercentile(50),
    p90: h.getValueAtPercentile(90),
    p99: h.getValueAtPercentile(99),
    max: h.maxValue,
  };
}

const OVERLOAD_STATUS = new Set([429, 503]);
const OVERLOAD_ERRORS = new Set<ErrorKind>(["timeout", "refused", "reset"]);

/** Totals and histograms at the end of a run, for the summary. */
export interface Totals {
  accounting: Accounting;
  status: Record<string, number>;
  error_kinds: Partial<Record<ErrorKind, number>>;
  bytes: number;
  latency: Histogram;
  corrected: Histogram;
  pacerLateness: Histogram;
  sendLateness: Histogram;
}

/**
 * The run's counters.
 *
 * @example
 * ```ts
 * const rec = new Recorder(0);
 * rec.tick({ seq: 0, scheduledAt: 0, releasedAt: 0.01 });
 * ```
 */
export class Recorder {
  #start: number;
  #lastInterval: number;
  #acc: Accounting = {
    scheduled: 0,
    sent: 0,
    queued: 0,
    not_sent: { stopped: 0, queue_full: 0 },
    ok: 0,
    http_error: 0,
    failed: 0,
    timed_out: 0,
    cancelled: 0,
    in_flight: 0,
    jobs: { submitted: 0, done: 0, failed: 0, cancelled: 0, running: 0 },
  };
  #status = new Map<number, number>();
  #errors = new Map<ErrorKind, number>();
  #bytes = 0;
  // Interval counters.
  #iSent = 0;
  #iDone = 0;
  #iErrors = 0;
  #iStatus = new Map<number, number>();
  #iErrorKinds = new Map<ErrorKind, number>();
  #iLatency = histogram();
  #iCorrected = histogram();
  // Controller-window counters.
  #wStart: number;
  #wScheduled = 0;
  #wSent = 0;
  #wCompleted = 0;
  #wOk = 0;
  #wOverload = 0;
  #wLatency = histogram();
  #wLag = histogram();
  #wQueueStart = 0;
  // Totals.
  #latency = histogram();
  #corrected = histogram();
  #pacerLateness = histogram();
  #sendLateness = histogram();

  #windows: boolean;

  /** `windows: false` skips the controller-window histograms (no adaptive controller). */
  constructor(start: number, options: { windows?: boolean } = {}) {
    this.#windows = options.windows ?? true;
    this.#start = start;
    this.#lastInterval = start;
    this.#wStart = start;
  }

  /** The accounting so far (live object: copy before keeping). */
  get accounting(): Accounting {
    return this.#acc;
  }

  /** Completions in the current controller window. */
  get windowCompleted(): number {
    return this.#wCompleted;
  }

  /** A tick was released by the pacer and queued. */
  tick(t: TickRecord): void {
    this.#acc.scheduled++;
    this.#acc.queued++;
    this.#wScheduled++;
    this.#pacerLateness.recordValue(Math.max(0, Math.round((t.releasedAt - t.scheduledAt) * 1000)));
  }

  /** Ticks that will never be sent (they left the queue unsent). */
  notSent(reason: NotSentReason, n = 1): void {
    this.#acc.not_sent[reason] += n;
    this.#acc.queued -= n;
  }

  /** A tick left the queue and its request is being written. */
  sending(): void {
    this.#acc.queued--;
    this.#acc.sent++;
    this.#acc.in_flight++;
    this.#iSent++;
    this.#wSent++;
  }

  /** A request ended; its send lateness (written − scheduled) is recorded here. */
  result(t: TickRecord, r: SendResult): void {
    const acc = this.#acc;
    acc.in_flight--;
    this.#wCompleted++;
    const lag = Math.max(0, Math.round((r.sentAt - t.scheduledAt) * 1000));
    this.#sendLateness.recordValue(lag);
    if (this.#windows) this.#wLag.recordValue(lag);
    if (r.error) {
      if (r.error === "timeout") acc.timed_out++;
      else if (r.error === "cancelled") acc.cancelled++;
      else acc.failed++;
      this.#errors.set(r.error, (this.#errors.get(r.error) ?? 0) + 1);
      this.#iErrorKinds.set(r.error, (this.#iErrorKinds.get(r.error) ?? 0) + 1);
      this.#iErrors++;
      if (OVERLOAD_ERRORS.has(r.error)) this.#wOverload++;
      return;
    }
    this.#bytes += r.bytes;
    this.#status.set(r.status, (this.#status.get(r.status) ?? 0) + 1);
    this.#iStatus.set(r.status, (this.#iStatus.get(r.status) ?? 0) + 1);
    const service = Math.max(1, Math.round((r.doneAt - r.sentAt) * 1000));
    const corrected = Math.max(1, Math.round((r.doneAt - t.scheduledAt) * 1000));
    if (r.status < 400) {
      acc.ok++;
      this.#wOk++;
      if (this.#windows) this.#wLatency.recordValue(service);
    } else {
      acc.http_error++;
      this.#iErrors++;
      if (OVERLOAD_STATUS.has(r.status)) this.#wOverload++;
    }
    this.#iLatency.recordValue(service);
    this.#iCorrected.recordValue(corrected);
  }

  /** A CPU job was handed to the pool. */
  jobSubmitted(): void {
    this.#acc.jobs.submitted++;
    this.#acc.jobs.running++;
  }

  /** A CPU job ended; `done` counts toward done/s (so does a response without a job). */
  jobEnded(o: JobOutcome): void {
    const jobs = this.#acc.jobs;
    jobs.running--;
    if (o.ok) {
      jobs.done++;
      this.#iDone++;
    } else if (o.error === "cancelled") jobs.cancelled++;
    else jobs.failed++;
  }

  /** A response that needs no CPU job counts as done. */
  doneWithoutJob(): void {
    this.#iDone++;
  }

  /** Time since the last interval closed, ms. */
  sinceInterval(now: number): number {
    return now - this.#lastInterval;
  }

  /** Closes the interval at `now` and returns its snapshot. */
  takeInterval(now: number, live: { queue: number; rate: number }): IntervalSnapshot {
    const secs = Math.max(1e-9, (now - this.#lastInterval) / 1000);
    const snap: IntervalSnapshot = {
      t: Math.round(now - this.#start) / 1000,
      interval_s: Math.round(secs * 1000) / 1000,
      api_per_s: Math.round((this.#iSent / secs) * 10) / 10,
      done_per_s: Math.round((this.#iDone / secs) * 10) / 10,
      queue: live.queue,
      rate: Math.round(live.rate * 10) / 10,
      in_flight: this.#acc.in_flight,
      latency_ms: percentilesMs(this.#iLatency),
      corrected_ms: percentilesMs(this.#iCorrected),
      errors: this.#iErrors,
      status: Object.fromEntries([...this.#iStatus].map(([k, v]) => [String(k), v])),
      error_kinds: Object.fromEntries(this.#iErrorKinds),
      accounting: structuredClone(this.#acc),
    };
    this.#latency.add(this.#iLatency);
    this.#corrected.add(this.#iCorrected);
    this.#iLatency.reset();
    this.#iCorrected.reset();
    this.#iSent = this.#iDone = this.#iErrors = 0;
    this.#iStatus.clear();
    this.#iErrorKinds.clear();
    this.#lastInterval = now;
    return snap;
  }

  /** Closes the controller window at `now` and returns its statistics. */
  takeWindow(now: number, live: { rate: number; queue: number }): WindowStats {
    const lat = this.#wLatency;
    const stats: WindowStats = {
      now,
      durationMs: now - this.#wStart,
      rate: live.rate,
      scheduled: this.#wScheduled,
      sent: this.#wSent,
      completed: this.#wCompleted,
      ok: this.#wOk,
      overload: this.#wOverload,
      latencyP10: lat.totalCount ? lat.getValueAtPercentile(10) / 1000 : NaN,
      latencyP50: lat.totalCount ? lat.getValueAtPercentile(50) / 1000 : NaN,
      lagP90: this.#wLag.totalCount ? this.#wLag.getValueAtPercentile(90) / 1000 : 0,
      queueStart: this.#wQueueStart,
      queueEnd: live.queue,
      inFlight: this.#acc.in_flight,
    };
    this.#wStart = now;
    this.#wScheduled =
      this.#wSent =
      this.#wCompleted =
      this.#wOk =
      this.#wOverload =
        0;
    this.#wLatency.reset();
    this.#wLag.reset();
    this.#wQueueStart = live.queue;
    return stats;
  }

  /** Everything, for the summary (folds the open interval into the totals). */
  totals(): Totals {
    this.#latency.add(this.#iLatency);
    this.#corrected.add(this.#iCorrected);
    this.#iLatency.reset();
    this.#iCorrected.reset();
    return {
      accounting: structuredClone(this.#acc),
      status: Object.fromEntries([...this.#status].map(([k, v]) => [String(k), v])),
      error_kinds: Object.fromEntries(this.#errors),
      bytes: this.#bytes,
      latency: this.#latency,
      corrected: this.#corrected,
      pacerLateness: this.#pacerLateness,
      sendLateness: this.#sendLateness,
    };
  }
}

/** Encodes a histogram for the JSON summary (HdrHistogram's compressed base64; mergeable). */
export function encodeHistogram(h: Histogram): string {
  return h.encodeIntoCompressedBase64();
}

/** Decodes a histogram written by {@linkcode encodeHistogram}. */
export function decodeHistogram(text: string): Histogram {
  const bytes = Uint8Array.from(atob(text.trim()), (c) => c.charCodeAt(0));
  return doDecode(decompress(bytes)) as Histogram;
}
