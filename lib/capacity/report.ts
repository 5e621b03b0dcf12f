/**
 * The capacity report: the highest rate meeting every objective, the saturation goodput and the
 * knee, every step with its Little's-law check, the client's own lateness and CPU as evidence
 * that it was not the limit, and the recommended operating point. A search interrupted reports no
 * answer and no recommendation, only the interval its steps bound; one to which no response came
 * back reports that.
 *
 * @module
 */

import { type StepRow } from "../results/mod.ts";

const r1 = (v: number) => Math.round(v * 10) / 10;

/** The capacity report: the answer, the evidence, and a recommendation. */
export interface CapacityReport {
  type: "capacity";
  /** The objectives, as given. */
  slos: string[];
  /**
   * The highest rate meeting every objective (null: none did, down to 1/s; or the search was
   * interrupted, or no response came back).
   */
  max_rate: number | null;
  /** The lowest rate that failed (null: none did, up to the maximum). */
  lowest_failing_rate: number | null;
  /**
   * Why it failed (its last failing run), each reason with the value measured; and in how many of
   * its runs it failed, of how many.
   */
  lowest_failing_reasons: string[];
  lowest_failing_runs: [failed: number, of: number] | null;
  /**
   * What the steps bound the answer to: the highest rate that passed and the lowest that failed
   * (null: none did). Finished, within the precision; interrupted, all that is known.
   */
  interval: [number | null, number | null];
  /** Ctrl-C ended the search: no answer, no recommendation; the step it stopped is not counted. */
  interrupted: boolean;
  /** The rate of the step an interrupt stopped, when one was running. */
  interrupted_rate: number | null;
  /** No response came back to the first step: nothing was measured and the search stopped. */
  no_response: boolean;
  /** The answer in words, as the terminal and the page say it. */
  answer: string;
  /** The search's relative precision. */
  precision: number;
  /** The highest goodput (ok/s) any step delivered. */
  saturation_goodput: number;
  /** Where latency starts to climb: the lowest step rate with p50 over 1.5× the lowest step's. */
  knee_rate: number | null;
  /** `--operating-point` (default 80%) of the maximum; null without a finished answer. */
  recommended_rate: number | null;
  /** Whether the client was a limit in any step (its lateness or CPU), with the figure. */
  client_limited: boolean;
  client_note: string;
  steps: StepRow[];
}

/** How a search ended, besides its steps. */
export interface ReportOptions {
  slos: string[];
  maxRate: number | undefined;
  lowestFail: number | undefined;
  precision: number;
  operatingPoint?: number;
  /** Ctrl-C ended it (during a step at `interruptedRate`, which is not counted). */
  interrupted?: boolean;
  interruptedRate?: number;
  /** No response came back to the first step. */
  noResponse?: boolean;
}

/**
 * The answer in words: the max rate and why the next rate failed; or, interrupted, the interval
 * the steps bound, not confirmed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(
 *   answerText({ max_rate: null, interval: [40, 80], interrupted: true, no_response: false,
 *     lowest_failing_reasons: ["p99<50ms (measured 212ms)"], lowest_failing_runs: [1, 1] }),
 *   "between 40/s and 80/s, not confirmed (the search was interrupted); " +
 *     "80/s did not: p99<50ms (measured 212ms)",
 * );
 * ```
 */
export function answerText(
  r: Pick<
    CapacityReport,
    | "max_rate"
    | "interval"
    | "interrupted"
    | "no_response"
    | "lowest_failing_reasons"
    | "lowest_failing_runs"
  >,
): string {
  const [lo, hi] = r.interval;
  const runs = r.lowest_failing_runs;
  const failed = hi === null ? "" : `; ${hi}/s did not` +
    (runs && runs[1] > 1 && runs[0] < runs[1] ? ` on ${runs[0]} of its ${runs[1]} runs` : "") +
    `: ${r.lowest_failing_reasons.join(", ") || "no reason recorded"}`;
  if (r.no_response) return "nothing measured: no response came back";
  if (r.interrupted) {
    const bound = lo !== null && hi !== null
      ? `between ${lo}/s and ${hi}/s`
      : lo !== null
      ? `above ${lo}/s`
      : hi !== null
      ? `below ${hi}/s`
      : "unknown";
    return lo === null && hi === null
      ? "unknown: the search was interrupted before a step ended"
      : `${bound}, not confirmed (the search was interrupted)${failed}`;
  }
  if (r.max_rate === null) return `no rate met every objective${failed}`;
  return `${r.max_rate}/s meets every objective` + (hi === null ? " (the highest tried)" : failed);
}

/** The knee: the first step whose p50 passes this multiple of the lowest step's… */
export const KNEE_P50 = 1.5;
/** …or whose goodput falls under this share of its rate. */
export const KNEE_GOODPUT = 0.95;

/**
 * The report of a search, finished or not.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const row = (rate: number, p50: number, pass: boolean) => ({
 *   rate, achieved: rate, goodput: rate, p50_ms: p50, p99_ms: p50 * 2, mean_ms: p50,
 *   errors_pct: 0, pass, failed: [], in_flight: 1, littles_law: 1,
 *   send_lateness_p99_us: 50, client_cpu_pct: 5,
 * });
 * const r = capacityReport([row(100, 20, true), row(400, 21, true), row(800, 45, false)], {
 *   slos: ["p99<50ms"], maxRate: 400, lowestFail: 800, precision: 0.05,
 * });
 * assert.equal(r.knee_rate, 800);
 * assert.equal(r.recommended_rate, 320);
 * ```
 */
export function capacityReport(rows: StepRow[], o: ReportOptions): CapacityReport {
  const steps = [...rows].sort((a, b) => a.rate - b.rate);
  const base = steps[0]?.p50_ms ?? 0;
  const knee = steps.find((s) => s.p50_ms > KNEE_P50 * base || s.goodput < KNEE_GOODPUT * s.rate);
  // The client was a limit where it used a core, or, in a step that met the objectives (below the
  // target's saturation), where its sends ran late (p99 over 10 ms). Past saturation, late sends
  // are the target's backlog: every consumer waits on it.
  const passing = steps.filter((s) => s.pass);
  const cpu = (s: StepRow) => Number.isFinite(s.client_cpu_pct) ? s.client_cpu_pct : 0;
  const limited = steps.filter((s) => cpu(s) > 90 || (s.pass && s.send_lateness_p99_us > 10_000));
  const worstLate = Math.max(0, ...passing.map((s) => s.send_lateness_p99_us));
  const worstCpu = Math.max(0, ...steps.map(cpu));
  const finished = !o.interrupted && !o.noResponse;
  const maxRate = finished ? o.maxRate ?? null : null;
  // The lowest failing rate's runs, in the order they ran: the reasons of its last failure.
  const atFail = rows.filter((s) => s.rate === o.lowestFail);
  const lastFail = atFail.findLast((s) => !s.pass);
  const partial = {
    max_rate: maxRate,
    lowest_failing_rate: o.lowestFail ?? null,
    lowest_failing_reasons: lastFail?.failed ?? [],
    lowest_failing_runs: lastFail
      ? [atFail.filter((s) => !s.pass).length, atFail.length] as [number, number]
      : null,
    interval: [o.maxRate ?? null, o.lowestFail ?? null] as [number | null, number | null],
    interrupted: o.interrupted ?? false,
    interrupted_rate: o.interruptedRate ?? null,
    no_response: o.noResponse ?? false,
  };
  return {
    type: "capacity",
    slos: o.slos,
    ...partial,
    answer: answerText(partial),
    precision: o.precision,
    saturation_goodput: Math.max(0, ...steps.map((s) => s.goodput)),
    knee_rate: knee?.rate ?? null,
    recommended_rate: maxRate === null ? null : Math.floor(maxRate * (o.operatingPoint ?? 0.8)),
    client_limited: limited.length > 0,
    client_note: steps.length === 0
      ? "no step measured"
      : limited.length > 0
      ? `the client was a limit at ${limited.map((s) => `${s.rate}/s`).join(", ")} ` +
        `(send lateness p99 up to ${r1(worstLate / 1000)} ms, CPU up to ${worstCpu}% of a ` +
        "core): give it a core of its own, or split the load in shards"
      : `not the limit: send lateness p99 at most ${r1(worstLate / 1000)} ms where the ` +
        `objectives held, CPU at most ${worstCpu}% of a core`,
    steps,
  };
}
