/**
 * Prometheus metrics in the text exposition format (version 0.0.4): an {@linkcode Exposition}
 * writes counter, gauge and histogram families from numbers already added up elsewhere (a
 * server's shared counters, a run's intervals), and {@linkcode HdrBuckets} adds HDR histograms
 * of µs into fixed Prometheus buckets, exact to HDR's 3 significant digits. Written by hand
 * rather than with `prom-client`: its metrics count events one by one in the process that sees
 * them, and these are sums made across isolates, servers and intervals (README, "Prometheus
 * metrics").
 *
 * @module
 */

import type { Histogram } from "./histogram.ts";

/** The `Content-Type` of a scrape's answer. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** A series' labels, name to value. */
export type Labels = Readonly<Record<string, string>>;

/** One series of a counter or gauge. */
export interface Sample {
  labels?: Labels;
  value: number;
}

/** One series of a histogram: per-bucket counts (not cumulative) and the sum of what it counted. */
export interface HistogramSample {
  labels?: Labels;
  /** Count of each bucket, `bounds.length + 1` of them: the last is above the last bound. */
  counts: ArrayLike<number>;
  /** Sum of the values counted, in the histogram's unit. */
  sum: number;
}

/**
 * A number as the format writes it: `+Inf`, `-Inf`, `NaN`, or JavaScript's shortest form.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(formatValue(0.005), "0.005");
 * assert.equal(formatValue(Infinity), "+Inf");
 * assert.equal(formatValue(1e21), "1e+21");
 * ```
 */
export function formatValue(v: number): string {
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return Number.isNaN(v) ? "NaN" : String(v);
}

const escapeLabel = (v: string) =>
  v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
const escapeHelp = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");

/** `{a="1",b="2"}`, or nothing for no labels; `extra` (e.g. `le`) comes last. */
function labelText(labels: Labels | undefined, extra?: string): string {
  const parts: string[] = [];
  for (const k in labels) parts.push(`${k}="${escapeLabel(labels[k]!)}"`);
  if (extra) parts.push(extra);
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

/**
 * A scrape's answer, family by family. Each family is written once, with its `HELP` and `TYPE`
 * lines; a family with no series is left out.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const e = new Exposition();
 * e.counter("demo_requests_total", "Requests.", [{ labels: { status: "200" }, value: 3 }]);
 * e.gauge("demo_in_flight_requests", "In flight.", 1);
 * e.histogram("demo_seconds", "Time.", [0.1, 1], [{ counts: [1, 1, 0], sum: 0.6 }]);
 * assert.equal(e.text(), [
 *   "# HELP demo_requests_total Requests.",
 *   "# TYPE demo_requests_total counter",
 *   'demo_requests_total{status="200"} 3',
 *   "# HELP demo_in_flight_requests In flight.",
 *   "# TYPE demo_in_flight_requests gauge",
 *   "demo_in_flight_requests 1",
 *   "# HELP demo_seconds Time.",
 *   "# TYPE demo_seconds histogram",
 *   'demo_seconds_bucket{le="0.1"} 1',
 *   'demo_seconds_bucket{le="1"} 2',
 *   'demo_seconds_bucket{le="+Inf"} 2',
 *   "demo_seconds_sum 0.6",
 *   "demo_seconds_count 2",
 *   "",
 * ].join("\n"));
 * ```
 */
export class Exposition {
  #lines: string[] = [];

  #family(name: string, help: string, type: string): void {
    this.#lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
  }

  #simple(name: string, help: string, type: string, samples: number | readonly Sample[]): this {
    const list = typeof samples === "number" ? [{ value: samples }] : samples;
    if (list.length === 0) return this;
    this.#family(name, help, type);
    for (const s of list) this.#lines.push(`${name}${labelText(s.labels)} ${formatValue(s.value)}`);
    return this;
  }

  /** A counter family (its name ends in `_total`): one value, or one per label set. */
  counter(name: string, help: string, samples: number | readonly Sample[]): this {
    return this.#simple(name, help, "counter", samples);
  }

  /** A gauge family: one value, or one per label set. */
  gauge(name: string, help: string, samples: number | readonly Sample[]): this {
    return this.#simple(name, help, "gauge", samples);
  }

  /** A histogram family over `bounds` (ascending, in the unit of its name: seconds). */
  histogram(
    name: string,
    help: string,
    bounds: readonly number[],
    series: readonly HistogramSample[],
  ): this {
    if (series.length === 0) return this;
    this.#family(name, help, "histogram");
    for (const s of series) {
      let total = 0;
      for (let b = 0; b <= bounds.length; b++) {
        total += s.counts[b] ?? 0;
        const le = `le="${b < bounds.length ? formatValue(bounds[b]!) : "+Inf"}"`;
        this.#lines.push(`${name}_bucket${labelText(s.labels, le)} ${total}`);
      }
      this.#lines.push(
        `${name}_sum${labelText(s.labels)} ${formatValue(s.sum)}`,
        `${name}_count${labelText(s.labels)} ${total}`,
      );
    }
    return this;
  }

  /** The exposition, one line each, ending with a line break. */
  text(): string {
    return this.#lines.length === 0 ? "" : this.#lines.join("\n") + "\n";
  }
}

/**
 * The bucket of `value` among ascending `bounds`: the first bound at or above it, or
 * `bounds.length` above them all. A linear walk: the buckets are few and most values fall in the
 * first ones.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(bucketOf([1, 2, 5], 0.5), 0);
 * assert.equal(bucketOf([1, 2, 5], 2), 1);
 * assert.equal(bucketOf([1, 2, 5], 9), 3);
 * ```
 */
export function bucketOf(bounds: ArrayLike<number>, value: number): number {
  let b = 0;
  while (b < bounds.length && value > bounds[b]!) b++;
  return b;
}

/**
 * Fixed Prometheus buckets (seconds) filled from HDR histograms of µs, cumulative over every
 * histogram added. A value counts in the bucket `le = B` when its HDR bucket is at or below the
 * one that holds B: exact to HDR's 3 significant digits (the same resolution its percentiles
 * have), so two shards' buckets add up in PromQL as their histograms would.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { newHistogram } from "./histogram.ts";
 * const h = newHistogram();
 * h.recordValue(800); // 0.8 ms
 * h.recordValue(1000); // 1 ms: on the bound, counted in le="0.001"
 * h.recordValue(30_000);
 * const b = new HdrBuckets([0.001, 0.01]);
 * b.add(h);
 * assert.deepEqual([...b.counts], [2, 0, 1]);
 * assert.ok(Math.abs(b.sum - 0.0318) < 1e-4);
 * ```
 */
export class HdrBuckets {
  /** Upper bounds, seconds, ascending. */
  readonly bounds: readonly number[];
  /** Per-bucket counts (not cumulative); the last is above the last bound. */
  readonly counts: Float64Array;
  /** Sum of the values added, seconds (each HDR bucket at its middle). */
  sum = 0;

  constructor(bounds: readonly number[]) {
    this.bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
  }

  /** Adds the counts of `h` (µs). */
  add(h: Histogram): void {
    if (h.totalCount === 0) return;
    const limits = this.bounds.map((s) => h.countsArrayIndex(Math.round(s * 1e6)));
    const top = h.countsArrayIndex(h.maxValue);
    let b = 0;
    let sumUs = 0;
    for (let i = 0; i <= top; i++) {
      const n = h.getCountAtIndex(i);
      if (n === 0) continue;
      while (b < limits.length && i > limits[b]!) b++;
      this.counts[b]! += n;
      sumUs += n * h.medianEquivalentValue(h.valueFromIndex(i));
    }
    this.sum += sumUs / 1e6;
  }

  /** As one histogram series of an {@linkcode Exposition}. */
  sample(labels?: Labels): HistogramSample {
    return { ...(labels ? { labels } : {}), counts: this.counts, sum: this.sum };
  }
}
