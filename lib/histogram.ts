/**
 * HDR histograms of microseconds (npm `hdr-histogram-js`, the JS build only), their percentiles
 * and their compressed base64 encoding, which merges exactly across runs and machines.
 *
 * @module
 */

// The JS histogram and its encoding only: the package's index also loads a WebAssembly build
// that is not used and costs memory (BENCHMARKS.md, "Design notes").
import Int32HistogramModule from "hdr-histogram-js/dist/Int32Histogram.js";
import { decompress, doDecode } from "hdr-histogram-js/dist/JsHistogram.encoding.js";

// A CommonJS module: its default export arrives as `.default`.
const Int32Histogram = Int32HistogramModule.default;

/** A histogram of µs values. */
export type Histogram = InstanceType<typeof Int32Histogram>;

/** Percentiles in ms (or µs for lateness). */
export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/**
 * A histogram of µs values from 1 µs to 1 hour, 3 significant digits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const h = newHistogram();
 * h.recordValue(1500);
 * assert.equal(h.totalCount, 1);
 * ```
 */
export function newHistogram(): Histogram {
  return new Int32Histogram(1, 3_600_000_000, 3);
}

/**
 * Percentiles of a µs histogram, in ms (3 decimals); zeros when empty.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const h = newHistogram();
 * for (let us = 1000; us <= 100_000; us += 1000) h.recordValue(us);
 * const p = percentilesMs(h);
 * assert.ok(Math.abs(p.p50 - 50) < 0.05); // HDR: 3 significant digits
 * assert.ok(Math.abs(p.max - 100) < 0.1);
 * ```
 */
export function percentilesMs(h: Histogram): Percentiles {
  const us = percentilesUs(h);
  const ms = (v: number) => Math.round(v) / 1000;
  return { p50: ms(us.p50), p90: ms(us.p90), p99: ms(us.p99), max: ms(us.max) };
}

/**
 * Percentiles of a µs histogram, in µs (never above the max); zeros when empty.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const h = newHistogram();
 * h.recordValue(7);
 * assert.deepEqual(percentilesUs(h), { p50: 7, p90: 7, p99: 7, max: 7 });
 * ```
 */
export function percentilesUs(h: Histogram): Percentiles {
  if (h.totalCount === 0) return { p50: 0, p90: 0, p99: 0, max: 0 };
  // A percentile is its bucket's highest equivalent value, which can lie above the largest
  // value recorded: never report one above the max.
  const max = h.maxValue;
  const at = (p: number) => Math.min(h.getValueAtPercentile(p), max);
  return { p50: at(50), p90: at(90), p99: at(99), max };
}

/**
 * A latency histogram (µs) as the summary reports it: percentiles, p999 and mean in ms, none
 * above the max; zeros when empty.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const h = newHistogram();
 * h.recordValue(48_275);
 * const s = latencySummary(h);
 * assert.ok(s.p999 <= s.max && s.p99 <= s.max);
 * ```
 */
export function latencySummary(h: Histogram): Percentiles & { p999: number; mean: number } {
  const p = percentilesMs(h);
  const empty = h.totalCount === 0;
  return {
    ...p,
    p999: empty ? 0 : Math.round(Math.min(h.getValueAtPercentile(99.9), h.maxValue)) / 1000,
    mean: empty ? 0 : Math.round(h.mean) / 1000,
  };
}

/**
 * Encodes a histogram (HdrHistogram's compressed base64; mergeable).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const h = newHistogram();
 * h.recordValue(1234);
 * const back = decodeHistogram(encodeHistogram(h));
 * assert.equal(back.totalCount, 1);
 * assert.equal(back.getValueAtPercentile(50), h.getValueAtPercentile(50));
 * ```
 */
export function encodeHistogram(h: Histogram): string {
  return h.encodeIntoCompressedBase64();
}

/** Decodes a histogram written by {@linkcode encodeHistogram}. */
export function decodeHistogram(text: string): Histogram {
  const bytes = Uint8Array.from(atob(text.trim()), (c) => c.charCodeAt(0));
  return doDecode(decompress(bytes)) as Histogram;
}

/** The HDR percentile plot's points: percentile levels and the latency at each, ms. */
export interface PercentileCurve {
  /** Percentiles (0 to 100). */
  p: number[];
  /** Latency at each, ms. */
  ms: number[];
}

/**
 * The latency distribution as an HDR percentile curve: levels that halve the distance to 100%
 * (50, 75, 87.5, … with 5 steps per halving), up to the largest recorded value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const h = newHistogram();
 * for (let v = 1; v <= 1000; v++) h.recordValue(v * 1000); // 1 to 1000 ms
 * const c = percentileCurve(h);
 * assert.equal(c.p[0], 0);
 * assert.ok(Math.abs(c.ms[c.p.indexOf(50)]! - 500) < 1);
 * assert.equal(c.ms.at(-1), 1000);
 * ```
 */
export function percentileCurve(h: Histogram): PercentileCurve {
  const out: PercentileCurve = { p: [], ms: [] };
  if (h.totalCount === 0) return out;
  const max = h.maxValue;
  const push = (p: number) => {
    out.p.push(Math.round(p * 1e6) / 1e6);
    out.ms.push(Math.min(h.getValueAtPercentile(p), max) / 1000);
  };
  // Up to the percentile of one request: beyond it, every level is the max.
  const last = 100 * (1 - 1 / h.totalCount);
  for (let k = 0; k < 40; k++) {
    const from = 100 - 100 / 2 ** k, to = 100 - 100 / 2 ** (k + 1);
    if (from >= last) break;
    for (let s = 0; s < 5; s++) {
      const p = from + ((to - from) * s) / 5;
      if (p >= last) break;
      push(p);
    }
  }
  out.p.push(Math.round(last * 1e6) / 1e6);
  out.ms.push(max / 1000);
  return out;
}
