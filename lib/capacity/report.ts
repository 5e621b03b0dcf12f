import { type StepRow } from "../results/mod.ts";
/**
 * The capacity report: the highest rate meeting every objective, the saturation goodput and the
 * knee, every step with its Little's-law check, the client's own lateness and CPU as evidence
 * that it was not the limit, and the recommended operating point.
 *
 * @module
 */

const r1 = (v: number) => Math.round(v * 10) / 10;

/** The capacity report: the answer, the evidence, and a recommendation. */
export interface CapacityReport {
  type: "capacity";
  /** The objectives, as given. */
  slos: string[];
  /** The highest rate meeting every objective (null: none did, down to 1/s). */
  max_rate: number | null;
  /** The lowest rate that failed (null: none did, up to the maximum). */
  lowest_failing_rate: number | null;
  /** The search's relative precision. */
  precision: number;
  /** The highest goodput (ok/s) any step delivered. */
  saturation_goodput: number;
  /** Where latency starts to climb: the lowest step rate with p50 over 1.5× the lowest step's. */
  knee_rate: number | null;
  /** `--operating-point` (default 80%) of the maximum. */
  recommended_rate: number | null;
  /** Whether the client was a limit in any step (its lateness or CPU), with the figure. */
  client_limited: boolean;
  client_note: string;
  steps: StepRow[];
}

/**
 * The report of a finished search.
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
export function capacityReport(
  rows: StepRow[],
  o: {
    slos: string[];
    maxRate: number | undefined;
    lowestFail: number | undefined;
    precision: number;
    operatingPoint?: number;
  },
): CapacityReport {
  const steps = [...rows].sort((a, b) => a.rate - b.rate);
  const base = steps[0]?.p50_ms ?? 0;
  const knee = steps.find((s) => s.p50_ms > 1.5 * base || s.goodput < 0.95 * s.rate);
  // The client was a limit where it used a core, or, in a step that met the objectives (below the
  // target's saturation), where its sends ran late (p99 over 10 ms). Past saturation, late sends
  // are the target's backlog: every consumer waits on it.
  const passing = steps.filter((s) => s.pass);
  const cpu = (s: StepRow) => Number.isFinite(s.client_cpu_pct) ? s.client_cpu_pct : 0;
  const limited = steps.filter((s) => cpu(s) > 90 || (s.pass && s.send_lateness_p99_us > 10_000));
  const worstLate = Math.max(0, ...passing.map((s) => s.send_lateness_p99_us));
  const worstCpu = Math.max(0, ...steps.map(cpu));
  return {
    type: "capacity",
    slos: o.slos,
    max_rate: o.maxRate ?? null,
    lowest_failing_rate: o.lowestFail ?? null,
    precision: o.precision,
    saturation_goodput: Math.max(0, ...steps.map((s) => s.goodput)),
    knee_rate: knee?.rate ?? null,
    recommended_rate: o.maxRate === undefined
      ? null
      : Math.floor(o.maxRate * (o.operatingPoint ?? 0.8)),
    client_limited: limited.length > 0,
    client_note: limited.length > 0
      ? `the client was a limit at ${limited.map((s) => `${s.rate}/s`).join(", ")} ` +
        `(send lateness p99 up to ${r1(worstLate / 1000)} ms, CPU up to ${worstCpu}% of a ` +
        "core): give it a core of its own, or split the load in shards"
      : `not the limit: send lateness p99 at most ${r1(worstLate / 1000)} ms where the ` +
        `objectives held, CPU at most ${worstCpu}% of a core`,
    steps,
  };
}
