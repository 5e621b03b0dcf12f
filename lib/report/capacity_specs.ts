/**
 * A capacity search's charts by rate asked, as a pure function of its steps. The page inlines it
 * by its source text (see `page.ts`), so it must stay self-contained.
 *
 * @module
 */

import type { ChartSeries, ChartSpec } from "./chart_tables.ts";

/** A capacity step as the page draws it (`lib/capacity/search.ts`'s StepRow). */
export interface CapacityStep {
  rate: number;
  achieved: number;
  goodput: number;
  p50_ms: number;
  p99_ms: number;
  in_flight: number;
  littles_law: number;
  pass: boolean;
}

/** A capacity search as its charts need it: the steps, the max rate found, and the knee. */
export interface CapacityCharts {
  steps: CapacityStep[];
  max_rate: number | null;
  knee_rate: number | null;
}

/**
 * A capacity search's charts by rate asked (the steps sorted by rate): goodput, with the max rate
 * found and the knee as points; corrected latency; Little's law.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const step = (rate: number) => ({
 *   rate, achieved: rate, goodput: rate, p50_ms: 1, p99_ms: 2, in_flight: 1, littles_law: 1,
 *   pass: true,
 * });
 * const specs = capacitySpecs({ steps: [step(200), step(100)], max_rate: 200, knee_rate: null });
 * const goodput = specs[0]!;
 * assert.deepEqual(goodput.x, [100, 200]);
 * assert.deepEqual(goodput.series[3], ["max rate", [null, 200], true]);
 * ```
 */
export function capacitySpecs(cap: CapacityCharts, several = false): ChartSpec[] {
  const steps = [...cap.steps].sort((a, b) => a.rate - b.rate);
  const x = steps.map((s) => s.rate);
  const col = (k: Exclude<keyof CapacityStep, "pass">) => steps.map((s) => s[k]);
  const at = (rate: number | null, values: number[]) =>
    steps.map((s, i) => s.rate === rate ? values[i]! : null);
  return [
    {
      id: "cap-goodput",
      title: `Goodput by rate asked (the max found${several ? "" : ", and the knee,"} marked)`,
      unit: "/s",
      xLabel: "rate asked, /s",
      x,
      log: true,
      series: [
        // Overlaid, each search's goodput and max only (its card has the knee): the rates asked
        // and achieved, one over the other for each, would hide them.
        ...(several ? [] : [["rate asked", x], ["achieved", col("achieved")]] as ChartSeries[]),
        ["goodput", col("goodput")],
        ["max rate", at(cap.max_rate, col("goodput")), true],
        ...(several ? [] : [["knee", at(cap.knee_rate, col("goodput")), true]] as ChartSeries[]),
      ],
    },
    {
      id: "cap-latency",
      title: "Corrected latency by rate asked (ms)",
      unit: "ms",
      xLabel: "rate asked, /s",
      x,
      log: true,
      series: [["p50", col("p50_ms")], ["p99", col("p99_ms")]],
    },
    {
      id: "cap-littles",
      title: "Little's law: requests in flight, measured and rate × latency",
      unit: "",
      xLabel: "rate asked, /s",
      x,
      log: true,
      series: [["in flight", col("in_flight")], ["rate × latency", col("littles_law")]],
    },
  ];
}
