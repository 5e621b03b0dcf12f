/**
 * The capacity search as the terminal shows it: a line per step as it ends, and the report as a
 * table. Pure: strings for the CLI to print.
 *
 * @module
 */

import type { StepRow } from "../results/mod.ts";
import { type CapacityReport, KNEE_GOODPUT, KNEE_P50 } from "./report.ts";

const pad = (v: unknown, n: number) => String(v).padStart(n);

/**
 * One step as a progress line: its figures, then whether it met every objective or, each with
 * the value measured, what it missed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const row = { rate: 80, achieved: 80, goodput: 80, p50_ms: 90, p99_ms: 212, mean_ms: 95,
 *   errors_pct: 0, pass: false, failed: ["p99<50ms (measured 212ms)"], in_flight: 8,
 *   littles_law: 7.6, send_lateness_p99_us: 50, client_cpu_pct: 4 };
 * assert.ok(stepLine(row, 2).endsWith("fails p99<50ms (measured 212ms)"));
 * ```
 */
export function stepLine(s: StepRow, n: number): string {
  return `step ${n}: ${s.rate}/s -> goodput ${s.goodput}/s, p50 ${s.p50_ms} ms, ` +
    `p99 ${s.p99_ms} ms, errors ${s.errors_pct}%: ` +
    (s.pass ? "meets every objective" : `fails ${s.failed.join(", ")}`);
}

/**
 * The capacity report as the terminal shows it. Interrupted, it says so and gives the interval
 * the steps bound, with no recommendation.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { capacityReport } from "./report.ts";
 * const r = capacityReport([], { slos: ["p99<50ms"], maxRate: undefined, lowestFail: 1,
 *   precision: 0.05 });
 * assert.ok(capacityTable(r).includes("no rate met every objective"));
 * const cut = capacityReport([], { slos: ["p99<50ms"], maxRate: 40, lowestFail: undefined,
 *   precision: 0.05, interrupted: true, interruptedRate: 80 });
 * assert.ok(capacityTable(cut).includes("above 40/s, not confirmed"));
 * assert.ok(capacityTable(cut).includes("recommended     none"));
 * ```
 */
export function capacityTable(r: CapacityReport): string {
  const lines = [
    "",
    `  objectives      ${r.slos.join(", ")}`,
    ...(r.interrupted
      ? [
        `  search          interrupted (Ctrl-C)` +
        (r.interrupted_rate === null
          ? ""
          : `; the step at ${r.interrupted_rate}/s it cut short is not counted`),
      ]
      : []),
    `  max rate        ${r.answer}`,
    `  saturation      ${r.saturation_goodput}/s of goodput at most`,
    `  knee            ${kneeText(r)}`,
    `  recommended     ${
      r.recommended_rate !== null
        ? `${r.recommended_rate}/s (the operating point)`
        : r.interrupted
        ? "none: the search did not finish"
        : "none"
    }`,
    `  client          ${r.client_note}`,
    ...(r.steps.length === 0 ? [] : [
      "",
      `  ${pad("rate", 8)} ${pad("goodput", 9)} ${pad("p50 ms", 8)} ${pad("p99 ms", 8)} ` +
      `${pad("errors", 7)} ${pad("in flight", 9)} ${pad("rate x lat", 10)}  result`,
      ...r.steps.map((s) =>
        `  ${pad(s.rate, 8)} ${pad(s.goodput, 9)} ${pad(s.p50_ms, 8)} ${pad(s.p99_ms, 8)} ` +
        `${pad(`${s.errors_pct}%`, 7)} ${pad(s.in_flight, 9)} ${pad(s.littles_law, 10)}  ` +
        (s.pass ? "pass" : `FAIL ${s.failed.join(", ")}`)
      ),
    ]),
  ];
  return lines.join("\n");
}

/**
 * Where latency started to climb, with what was measured there: the step's p50 against the
 * lowest step's, or its goodput when that fell short first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const step = (rate: number, p50_ms: number, goodput: number) => ({ rate, p50_ms, goodput });
 * const r = { knee_rate: 325, steps: [step(200, 22.3, 200), step(325, 178, 320)] };
 * assert.equal(kneeText(r as never), "325/s (p50 178 ms, 8x the lowest step's 22.3 ms)");
 * ```
 */
export function kneeText(
  r: Pick<CapacityReport, "knee_rate"> & {
    steps: { rate: number; p50_ms: number; goodput: number }[];
  },
): string {
  if (r.knee_rate === null) return "none seen";
  const sorted = [...r.steps].sort((a, b) => a.rate - b.rate);
  const base = sorted[0]?.p50_ms ?? 0;
  const at = sorted.find((s) => s.rate === r.knee_rate);
  if (!at) return `${r.knee_rate}/s`;
  if (base > 0 && at.p50_ms > KNEE_P50 * base) {
    const x = at.p50_ms / base;
    const times = x >= 10 ? String(Math.round(x)) : x.toFixed(1).replace(/\.0$/, "");
    return `${r.knee_rate}/s (p50 ${at.p50_ms} ms, ${times}x the lowest step's ${base} ms)`;
  }
  return `${r.knee_rate}/s (goodput ${at.goodput}/s, under ${KNEE_GOODPUT * 100}% of it)`;
}
