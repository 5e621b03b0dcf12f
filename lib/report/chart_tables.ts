/**
 * The chart engine's data, as pure functions: what a chart is ({@linkcode ChartSpec}), the uPlot
 * tables and series options of one chart across runs (colour by series, dash by run, markers as
 * points), whether a chart has anything to draw, and the percentile axis's labels. The page
 * inlines these functions by their source text (see `page.ts`), so each must stay self-contained:
 * no reference to anything else in this module.
 *
 * @module
 */

/**
 * One series of a chart: its label, a value per x (null: none), whether it is points only, and
 * its style where the chart sets it: `hue`, the colour's slot (the series' position otherwise;
 * series of one thing share one) and `dash`, the dash's slot (the run's otherwise).
 */
export type ChartSeries = [
  label: string,
  values: (number | null)[],
  points?: boolean,
  style?: { hue?: number; dash?: number },
];

/** A chart: id, title, y unit, and its series over `x`. */
export interface ChartSpec {
  /** The chart's id; its `<figure>` is `chart-ID`. */
  id: string;
  title: string;
  /** The y axis's label. */
  unit: string;
  /** The x axis's label; "seconds" when absent. */
  xLabel?: string;
  /** The x axis is `-log10(1 - p/100)` of percentiles (the latency distribution). */
  percentile?: boolean;
  x: number[];
  series: ChartSeries[];
  /** Its axes may be logarithmic: where its values, all positive, span 10× or more (`logAxes`). */
  log?: boolean;
  /** More series over an x of their own (uPlot.join aligns them). */
  extra?: { x: number[]; series: ChartSeries[] };
}

/** A uPlot series' options, as the engine draws them. */
export interface SeriesOptions {
  /** The run's index. */
  run: number;
  label: string;
  stroke: string;
  dash: number[];
  width: number;
  spanGaps: boolean;
  /** Points only: no line. */
  paths?: () => null;
  points: { show: boolean; size?: number; fill?: string };
}

/**
 * The tables of a chart for every run (each table: x, then a column per series; uPlot.join
 * aligns them on one x), and the options of its series. The chart is `chart`: its id (a run
 * without a chart of that id adds no series: runs of different kinds have different charts), or
 * its position in each run's list (every run must have it). A series' colour is its position in the
 * run's chart, its dash the run's; with `runColors` (separate runs), the colour is the run's and
 * the dash the series'. A series' style may set its colour and dash slots (a run's own colours
 * and dashes still win). With several runs, labels end in the run's label.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const spec = { id: "a", title: "A", unit: "", x: [1, 2], series: [["y", [3, 4]]] };
 * const { tables, series } = chartTables([[spec as ChartSpec]], 0, ["run"]);
 * assert.deepEqual(tables, [[[1, 2], [3, 4]]]);
 * assert.equal(series[0]!.label, "y");
 * // Separate runs: each in its own colour, named in the legend.
 * const two = chartTables([[spec as ChartSpec], [spec as ChartSpec]], 0, ["a", "b"], ["#111", "#222"]);
 * assert.deepEqual(two.series.map((s) => [s.label, s.stroke]), [["y · a", "#111"], ["y · b", "#222"]]);
 * // Styled: two series of one thing in one colour, the second dashed.
 * const styled = { ...spec, series: [["p99", [1, 2], false, { hue: 1 }], ["p50", [1, 1], false,
 *   { hue: 1, dash: 1 }]] } as ChartSpec;
 * const one = chartTables([[styled]], 0, ["run"]).series;
 * assert.deepEqual(one.map((s) => [s.stroke, s.dash]), [["#dc2626", []], ["#dc2626", [8, 4]]]);
 * ```
 */
export function chartTables(
  specsByRun: ChartSpec[][],
  chart: number | string,
  runLabels: string[],
  runColors?: string[],
): { tables: (number | null)[][][]; series: SeriesOptions[] } {
  const colors = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#4b5563"];
  const dashes = [[], [8, 4], [2, 3], [10, 3, 2, 3]];
  const tables: (number | null)[][][] = [], series: SeriesOptions[] = [];
  specsByRun.forEach((specs, ri) => {
    const spec = typeof chart === "string" ? specs.find((s) => s.id === chart) : specs[chart];
    if (!spec && typeof chart === "string") return;
    if (!spec) throw new RangeError(`run ${ri} has no chart ${chart}`);
    let nth = 0;
    const parts = [spec, ...(spec.extra ? [spec.extra] : [])];
    for (const part of parts) {
      tables.push([part.x, ...part.series.map((s) => s[1])]);
      part.series.forEach(([label, , points, style]) => {
        const nthSeries = nth++;
        const color = runColors?.[ri] ?? colors[(style?.hue ?? nthSeries) % colors.length]!;
        const dash = runColors ? nthSeries : style?.dash ?? ri;
        series.push({
          run: ri,
          label: runLabels.length > 1 ? `${label} · ${runLabels[ri]}` : label,
          stroke: color,
          dash: dashes[dash % dashes.length]!,
          width: 1.5,
          spanGaps: true,
          ...(points
            ? { paths: () => null, points: { show: true, size: 9, fill: color } }
            : { points: { show: false } }),
        });
      });
    }
  });
  return { tables, series };
}

/**
 * The ids of the charts of every run, each once, in the order the runs list them: a chart only
 * some runs have (a run of virtual users has one of its VUs) comes after the chart before it in
 * the run that has it, so runs of different kinds are matched chart by chart by id, not position.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const of = (...ids: string[]) => ids.map((id) => ({ id }) as ChartSpec);
 * assert.deepEqual(chartIds([of("rate", "latency"), of("rate", "vus", "latency")]), [
 *   "rate", "vus", "latency",
 * ]);
 * ```
 */
export function chartIds(specsByRun: ChartSpec[][]): string[] {
  const ids: string[] = [];
  for (const specs of specsByRun) {
    let at = 0;
    for (const { id } of specs) {
      const i = ids.indexOf(id);
      if (i >= 0) at = i + 1;
      else ids.splice(at++, 0, id);
    }
  }
  return ids;
}

/**
 * Whether an aligned table (x, then the series' columns) has a point to draw.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(hasData([[1, 2], [null, 3]]), true);
 * assert.equal(hasData([[1, 2], [null, null]]), false);
 * ```
 */
export function hasData(aligned: (number | null | undefined)[][]): boolean {
  return aligned.slice(1).some((ys) => ys.some((y) => y !== null && y !== undefined)) &&
    aligned[0]!.length > 0;
}

/**
 * The percentile at a point of the distribution's x axis (`-log10(1 - p/100)`), as a label.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(fmtPercentile(2), "99%");
 * ```
 */
export function fmtPercentile(v: number): string {
  const p = 100 - 100 / 10 ** v;
  return `${Number(p.toFixed(6))}%`;
}

/**
 * The percentile axis's ticks: one per whole number from `min` to `max` (90%, 99%, 99.9%, …).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(percentileSplits(0.2, 3.5), [1, 2, 3]);
 * ```
 */
export function percentileSplits(min: number, max: number): number[] {
  const out = [];
  for (let v = Math.ceil(min); v <= max; v++) out.push(v);
  return out;
}

/**
 * Which axes of a chart (its spec in each run) are drawn logarithmic: those of a spec that allows
 * it, where the values (every run's), all positive, span 10× or more; so searches at 20/s and at
 * 2,000/s overlaid both show their shape.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const spec = (x: number[], y: number[]) =>
 *   ({ id: "a", title: "A", unit: "", log: true, x, series: [["y", y]] }) as ChartSpec;
 * assert.deepEqual(logAxes([spec([20, 40], [20, 0]), spec([200, 2000], [200, 900])]), {
 *   x: true,
 *   y: false, // a 0 has no logarithm
 * });
 * assert.deepEqual(logAxes([spec([100, 800], [10, 780])]), { x: false, y: true });
 * ```
 */
export function logAxes(specs: ChartSpec[]): { x: boolean; y: boolean } {
  const logged = specs.filter((s) => s.log);
  const wide = (values: (number | null)[]) => {
    const vs = values.filter((v): v is number => v !== null && v !== undefined);
    let lo = Infinity, hi = -Infinity;
    for (const v of vs) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
    return vs.length > 0 && lo > 0 && hi >= 10 * lo;
  };
  return {
    x: wide(logged.flatMap((s) => s.x)),
    y: wide(logged.flatMap((s) => s.series.flatMap(([, values]) => values))),
  };
}
