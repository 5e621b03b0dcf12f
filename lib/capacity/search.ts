/**
 * The capacity search, pure: which rate to try next, given what the steps so far showed, and
 * the report it ends with. The method:
 *
 * 1. **Bracket**: from the start rate, double while a step meets every objective (up to the
 *    maximum); halve while it does not. A step passes when every `--slo` holds over the step
 *    (after its warm-up) and the client sent at least 95% of the rate asked.
 * 2. **Bisect** between the highest pass and the lowest fail until they are within the precision
 *    (default 5% of the pass).
 * 3. **Confirm**: run the answer again; if it fails this time, the lowest fail comes down to it
 *    and the bisection goes on below (at most {@linkcode MAX_CONFIRMS} times), so the rate
 *    reported has passed every time it ran.
 *
 * @module
 */

import type { Histogram } from "../histogram.ts";
import { measure, type Measured, meets, type StepRow, type Threshold } from "../results/mod.ts";

export type { StepRow };

/** What one step at a fixed rate measured (after its warm-up). */
export interface StepResult {
  /** The rate asked for, requests/s. */
  rate: number;
  /** The span measured, s. */
  seconds: number;
  sent: number;
  ok: number;
  /** Failed of every kind (HTTP ≥ 400, transport, timeouts). */
  errors: number;
  /** Corrected latency (from the schedule), µs. */
  latency: Histogram;
  /** Mean requests in flight over the step (Little's law: rate × mean latency). */
  inFlight: number;
  /** The client's own evidence: send lateness p99 (µs) and its CPU, % of one core. */
  sendLatenessP99Us: number;
  clientCpuPct: number;
}

/** Most confirmations of an answer before the search reports what it has. */
export const MAX_CONFIRMS = 3;

const r1 = (v: number) => Math.round(v * 10) / 10;
const r3 = (v: number) => Math.round(v * 1000) / 1000;

/**
 * Judges a step against the objectives.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { newHistogram } from "../histogram.ts";
 * import { parseThreshold } from "../results/mod.ts";
 * const latency = newHistogram();
 * for (let i = 1; i <= 100; i++) latency.recordValue(i * 1000); // 1 to 100 ms
 * const step = { rate: 100, seconds: 1, sent: 100, ok: 100, errors: 0, latency, inFlight: 5,
 *   sendLatenessP99Us: 50, clientCpuPct: 3 };
 * assert.equal(judgeStep(step, [parseThreshold("p99<200ms")]).pass, true);
 * assert.deepEqual(judgeStep(step, [parseThreshold("p99<50ms")]).failed, ["p99<50ms (99.007 ms)"]);
 * ```
 */
export function judgeStep(step: StepResult, slos: Threshold[]): StepRow {
  const secs = Math.max(1e-9, step.seconds);
  const m: Measured = {
    latency: step.latency,
    sent: step.sent,
    errors: step.errors,
    seconds: secs,
    targetRate: step.rate,
  };
  const failed: string[] = [];
  for (const slo of slos) {
    const value = measure(slo.metric, m);
    if (!meets(slo, value)) {
      const unit = slo.metric === "errors" || slo.metric === "achieved"
        ? "%"
        : slo.metric === "rps"
        ? "/s"
        : " ms";
      failed.push(`${slo.text} (${r3(value)}${unit})`);
    }
  }
  const achieved = step.sent / secs;
  if (achieved < 0.95 * step.rate) failed.push(`sent ${r1(achieved)}/s of ${step.rate}/s`);
  const ms = (p: number) =>
    step.latency.totalCount === 0
      ? 0
      : r3(Math.min(step.latency.getValueAtPercentile(p), step.latency.maxValue) / 1000);
  const meanMs = step.latency.totalCount === 0 ? 0 : r3(step.latency.mean / 1000);
  return {
    rate: step.rate,
    achieved: r1(achieved),
    goodput: r1(step.ok / secs),
    p50_ms: ms(50),
    p99_ms: ms(99),
    mean_ms: meanMs,
    errors_pct: step.sent > 0 ? r3((100 * step.errors) / step.sent) : 0,
    pass: failed.length === 0,
    failed,
    in_flight: r1(step.inFlight),
    littles_law: r1((achieved * meanMs) / 1000),
    send_lateness_p99_us: Math.round(step.sendLatenessP99Us),
    client_cpu_pct: r1(step.clientCpuPct),
  };
}

/** Options of {@linkcode CapacitySearch}. */
export interface SearchOptions {
  /** First rate tried (default 50). */
  start?: number;
  /** Highest rate tried (default 100,000). */
  max?: number;
  /** Relative width at which the bisection stops (default 0.05). */
  precision?: number;
}

/**
 * The search's state: ask {@linkcode CapacitySearch.next} for a rate, run a step at it, tell
 * {@linkcode CapacitySearch.record} whether it passed; until `next()` is undefined.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const s = new CapacitySearch({ start: 100, precision: 0.05 });
 * for (let rate = s.next(); rate !== undefined; rate = s.next()) s.record(rate, rate <= 730);
 * assert.ok(s.answer! <= 730 && s.answer! >= 730 / 1.05);
 * ```
 */
export class CapacitySearch {
  #start: number;
  #max: number;
  #precision: number;
  /** Highest rate that passed (every time it ran), and lowest that failed. */
  #lo: number | undefined;
  #hi: number | undefined;
  #confirms = 0;
  #confirming = false;
  #done = false;
  /** Every rate that passed, and that failed, at least once. */
  #passed = new Set<number>();
  #failed = new Set<number>();

  constructor(options: SearchOptions = {}) {
    this.#start = Math.max(1, options.start ?? 50);
    this.#max = Math.max(this.#start, options.max ?? 100_000);
    this.#precision = options.precision ?? 0.05;
  }

  /** The highest rate that met every objective every time it ran (so far). */
  get answer(): number | undefined {
    return this.#lo;
  }

  /** The lowest rate that failed (so far). */
  get lowestFail(): number | undefined {
    return this.#hi;
  }

  /** Whether the search reached its maximum without a failure. */
  get ceilingReached(): boolean {
    return this.#done && this.#hi === undefined && this.#lo === this.#max;
  }

  /** The next rate to try, or undefined when the search is over. */
  next(): number | undefined {
    if (this.#done) return undefined;
    const lo = this.#lo, hi = this.#hi;
    if (hi === undefined) return lo === undefined ? this.#start : Math.min(this.#max, lo * 2);
    if (lo === undefined) {
      const r = Math.floor(hi / 2);
      if (r < 1) {
        this.#done = true;
        return undefined;
      }
      return r;
    }
    const mid = Math.floor((lo + hi) / 2);
    if (hi / lo - 1 > this.#precision && mid > lo && mid < hi) return mid;
    if (this.#confirms < MAX_CONFIRMS) {
      this.#confirming = true;
      return lo;
    }
    this.#done = true;
    return undefined;
  }

  /** What the step at `rate` showed. */
  record(rate: number, pass: boolean): void {
    if (this.#confirming) {
      this.#confirming = false;
      this.#confirms++;
      if (pass) {
        this.#done = true;
        return;
      }
    }
    (pass ? this.#passed : this.#failed).add(rate);
    // The lowest failure bounds the answer; the answer is the highest rate below it that never
    // failed (a pass above a failure is noise, and not believed).
    this.#hi = this.#failed.size > 0 ? Math.min(...this.#failed) : undefined;
    const below = [...this.#passed].filter((r) =>
      !this.#failed.has(r) && (this.#hi === undefined || r < this.#hi)
    );
    this.#lo = below.length > 0 ? Math.max(...below) : undefined;
    if (pass && this.#hi === undefined && rate >= this.#max) this.#done = true;
  }
}
