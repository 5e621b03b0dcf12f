/**
 * Thresholds (k6's idea, tpsdemo's syntax): `p99<200ms`, `p50<=20ms`, `errors<1%`,
 * `achieved>=99%`, `rps>=400`, optionally over a sliding window with an early abort:
 * `p99<500ms over 10s abort`. {@linkcode parseThreshold} checks the text (a bad one is a
 * {@linkcode ThresholdError} that names it); {@linkcode evaluate} judges one against what was
 * measured. Latency is the corrected latency (from the scheduled time: what a user waited).
 *
 * @module
 */

import { type Histogram, newHistogram } from "../histogram.ts";
import { parseDuration } from "../units.ts";
import type { ThresholdResult } from "./records.ts";
import { achievedPct } from "./accounting.ts";

export type { ThresholdResult };

/** What a threshold can be about. */
export type Metric =
  | "p50"
  | "p90"
  | "p95"
  | "p99"
  | "p999"
  | "max"
  | "mean"
  | "errors"
  | "achieved"
  | "rps"
  | "checks";

const PERCENTILE: Record<string, number> = { p50: 50, p90: 90, p95: 95, p99: 99, p999: 99.9 };
const LATENCY = new Set(["p50", "p90", "p95", "p99", "p999", "max", "mean"]);
const METRICS = [...LATENCY, "errors", "achieved", "rps", "checks"];

/** A parsed threshold. */
export interface Threshold {
  /** As the user wrote it. */
  text: string;
  metric: Metric;
  /** `METRIC{name=NAME}`: judged on one target's results only. */
  name?: string;
  op: "<" | "<=" | ">" | ">=";
  /** In ms for latency, % for errors and achieved, requests/s for rps. */
  value: number;
  /** Judged over every span of this length too (ms), not only over the whole run. */
  windowMs?: number;
  /** Stop the run as soon as a window fails. */
  abort: boolean;
}

/** A threshold that cannot be read; its message names it and what is allowed. */
export class ThresholdError extends Error {
  override name = "ThresholdError";
}

const ALLOWED = "METRIC[{name=NAME}] OP VALUE [over DURATION] [abort], e.g. 'p99<200ms', " +
  "'errors<1%', 'achieved>=99%', 'rps>=400', 'checks<0.1%', 'p99{name=login}<300ms', " +
  "'p99<500ms over 10s abort'; metrics: " + METRICS.join(", ");

/**
 * Reads a threshold.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseThreshold("p99<200ms"), {
 *   text: "p99<200ms", metric: "p99", op: "<", value: 200, windowMs: undefined, abort: false,
 * });
 * assert.equal(parseThreshold("errors < 1% over 10s abort").windowMs, 10_000);
 * assert.throws(() => parseThreshold("p42<1ms"), ThresholdError);
 * ```
 */
export function parseThreshold(text: string): Threshold {
  const m =
    /^\s*([a-z0-9]+)(?:\{([^}]*)\})?\s*(<=|>=|<|>)\s*([0-9.]+)\s*(us|µs|ms|s|%)?(?:\s+over\s+(\S+))?(\s+abort)?\s*$/
      .exec(text);
  const bad = (why: string) => new ThresholdError(`'${text}': ${why}; expected ${ALLOWED}`);
  if (!m) throw bad("not a threshold");
  const [, name, selector, op, num, unit, over, abort] = m;
  let target: string | undefined;
  if (selector !== undefined) {
    const s = /^\s*name\s*=\s*([^\s,]+)\s*$/.exec(selector);
    if (!s) throw bad(`unknown selector "{${selector}}" (only {name=NAME})`);
    target = s[1];
  }
  if (!METRICS.includes(name!)) throw bad(`unknown metric "${name}"`);
  const metric = name as Metric;
  let value = Number(num);
  if (!Number.isFinite(value)) throw bad(`"${num}" is not a number`);
  if (LATENCY.has(metric)) {
    if (!unit || unit === "%") throw bad(`a latency needs a unit (us, ms, s)`);
    value = parseDuration(`${num}${unit}`)!;
  } else if (metric === "rps") {
    if (unit) throw bad(`rps is a plain number of requests/s`);
  } else if (unit !== "%") throw bad(`${metric} is a percentage, such as 1%`);
  let windowMs: number | undefined;
  if (over !== undefined) {
    windowMs = parseDuration(over);
    if (windowMs === undefined || !(windowMs > 0)) throw bad(`"${over}" is not a duration`);
  }
  if (abort && windowMs === undefined) throw bad("abort needs a window ('over 10s abort')");
  return {
    text,
    metric,
    ...(target !== undefined ? { name: target } : {}),
    op: op as Threshold["op"],
    value,
    windowMs,
    abort: abort !== undefined,
  };
}

/** What thresholds are judged on, over the whole run or one window. */
export interface Measured {
  /** Corrected latency (µs), exact percentiles. */
  latency: Histogram;
  /** Requests sent, and failed of every kind. */
  sent: number;
  errors: number;
  /** The span's length, s, and the target rate (0: closed loop). */
  seconds: number;
  targetRate: number;
  /**
   * Requests the span asked for (a plan's integral, the paced rate's): `achieved` is sent ÷
   * this. Without it, the target rate over the span.
   */
  asked?: number;
  /** Responses whose check failed (`checks`: % of the requests sent). */
  checkFailed?: number;
}

/** The measured value of a threshold's metric (ms, %, or requests/s). */
export function measure(metric: Metric, m: Measured): number {
  if (LATENCY.has(metric)) {
    const h = m.latency;
    if (h.totalCount === 0) return 0;
    if (metric === "max") return h.maxValue / 1000;
    if (metric === "mean") return Math.round(h.mean) / 1000;
    return Math.min(h.getValueAtPercentile(PERCENTILE[metric]!), h.maxValue) / 1000;
  }
  if (metric === "errors") return m.sent > 0 ? (m.errors / m.sent) * 100 : 0;
  if (metric === "checks") return m.sent > 0 ? ((m.checkFailed ?? 0) / m.sent) * 100 : 0;
  const rps = m.sent / Math.max(1e-9, m.seconds);
  if (metric === "rps") return rps;
  const asked = m.asked ?? m.targetRate * m.seconds;
  return asked > 0 ? achievedPct(m.sent, asked) : 100;
}

/**
 * Whether `value` meets the threshold.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(meets(parseThreshold("errors<1%"), 0.5), true);
 * assert.equal(meets(parseThreshold("rps>=400"), 399), false);
 * ```
 */
export function meets(t: Threshold, value: number): boolean {
  switch (t.op) {
    case "<":
      return value < t.value;
    case "<=":
      return value <= t.value;
    case ">":
      return value > t.value;
    case ">=":
      return value >= t.value;
  }
}

/** The unit a metric's value is in. */
export function unitOf(metric: Metric): ThresholdResult["unit"] {
  return LATENCY.has(metric) ? "ms" : metric === "rps" ? "/s" : "%";
}

/**
 * Judges thresholds over sliding windows as a run goes: give it each interval's figures; it keeps
 * what the longest window needs and reports the worst value each windowed threshold has seen.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { newHistogram } from "../histogram.ts";
 * const w = new WindowJudge([parseThreshold("errors<1% over 2s abort")], 100);
 * const latency = newHistogram();
 * assert.deepEqual(w.add({ latency, sent: 100, errors: 0, seconds: 1, targetRate: 100 }), []);
 * const failed = w.add({ latency, sent: 100, errors: 5, seconds: 1, targetRate: 100 });
 * assert.equal(failed[0]!.text, "errors<1% over 2s abort");
 * ```
 */
export class WindowJudge {
  #thresholds: Threshold[];
  #targetRate: number;
  #spans: Measured[] = [];
  #worst = new Map<Threshold, number>();
  #longest: number;

  constructor(thresholds: Threshold[], targetRate: number) {
    this.#thresholds = thresholds.filter((t) => t.windowMs !== undefined);
    this.#targetRate = targetRate;
    this.#longest = Math.max(0, ...this.#thresholds.map((t) => t.windowMs!));
  }

  /** Adds one interval; returns the abort thresholds that fail over their window now. */
  add(span: Measured): Threshold[] {
    if (this.#thresholds.length === 0) return [];
    this.#spans.push(span);
    // Keep what the longest window needs.
    let kept = 0;
    for (let i = this.#spans.length - 1; i >= 0; i--) {
      kept += this.#spans[i]!.seconds * 1000;
      if (kept >= this.#longest) {
        this.#spans.splice(0, i);
        break;
      }
    }
    const failing: Threshold[] = [];
    for (const t of this.#thresholds) {
      const m = this.#over(t.windowMs!);
      if (!m) continue; // not a whole window yet
      const v = measure(t.metric, m);
      const worst = this.#worst.get(t);
      const better = (a: number, b: number) => meets({ ...t, value: b }, a); // a on the good side of b
      if (worst === undefined || better(worst, v)) this.#worst.set(t, v);
      if (!meets(t, v) && t.abort) failing.push(t);
    }
    return failing;
  }

  /** The worst value a windowed threshold saw, if any window was whole. */
  worst(t: Threshold): number | undefined {
    return this.#worst.get(t);
  }

  #over(ms: number): Measured | undefined {
    const latency = newHistogram();
    let seconds = 0, sent = 0, errors = 0, asked = 0, allAsked = true, checkFailed = 0;
    for (let i = this.#spans.length - 1; i >= 0 && seconds * 1000 < ms - 1; i--) {
      const s = this.#spans[i]!;
      latency.add(s.latency);
      seconds += s.seconds;
      sent += s.sent;
      errors += s.errors;
      if (s.asked === undefined) allAsked = false;
      else asked += s.asked;
      checkFailed += s.checkFailed ?? 0;
    }
    if (seconds * 1000 < ms - 1) return undefined;
    return {
      latency,
      sent,
      errors,
      seconds,
      targetRate: this.#targetRate,
      checkFailed,
      ...(allAsked ? { asked } : {}),
    };
  }
}

/**
 * The thresholds' outcomes over a run: each over the whole run, and a windowed one over its worst
 * window too.
 */
export function judgeRun(
  thresholds: Threshold[],
  whole: Measured,
  windows?: WindowJudge,
): ThresholdResult[] {
  return thresholds.map((t) => {
    const overall = measure(t.metric, whole);
    const worst = windows?.worst(t);
    const value = worst !== undefined && !meets(t, worst) ? worst : overall;
    const pass = meets(t, overall) && (worst === undefined || meets(t, worst));
    return {
      threshold: t.text,
      pass,
      value: Math.round(value * 1000) / 1000,
      unit: unitOf(t.metric),
    };
  });
}
