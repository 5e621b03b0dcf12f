/**
 * What the verdict reads besides the totals: the run's intervals before its stop, kept as a few
 * numbers each, and summed over the run's second half (its steady state: a ramp, a warm-up and a
 * queue that builds show up as the difference from the start). Pure: snapshots in, evidence out.
 *
 * @module
 */

import type { Evidence, IntervalSnapshot } from "../../results/mod.ts";

interface Point {
  /** End of the interval, s since the start. */
  t: number;
  seconds: number;
  asked: number | null;
  sent: number;
  answered: number;
  p50: number | null;
  busy: number;
  queue: number;
  pacerP99: number;
}

const median = (xs: number[]) => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
};

/**
 * The run's intervals up to its stop, summed into {@linkcode Evidence}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const trace = new RunTrace();
 * const snap = (t: number, sent: number, inFlight: number) => ({
 *   t, interval_s: 1, api_per_s: 10, asked_per_s: 10, latency_ms: { p50: t * 10, p90: 0, p99: 0, max: 1 },
 *   pacer_lateness_us: { p50: 0, p90: 0, p99: 100, max: 0 }, in_flight: inFlight, consumers: 4,
 *   queue: 0, accounting: { sent, in_flight: inFlight },
 * });
 * for (let t = 1; t <= 4; t++) trace.add(snap(t, t * 10, t) as never);
 * const e = trace.evidence(12);
 * assert.equal(e.early_latency_ms, 12);
 * assert.deepEqual([e.tail.seconds, e.tail.sent, e.tail.answered], [2, 20, 18]);
 * assert.equal(e.tail.latency_p50_ms, 30);
 * ```
 */
export class RunTrace {
  #points: Point[] = [];
  #sent = 0;
  #answered = 0;

  /** Adds one interval (before the stop; the drain's is not the run's steady state). */
  add(s: IntervalSnapshot): void {
    const answered = s.accounting.sent - s.accounting.in_flight;
    this.#points.push({
      t: s.t,
      seconds: s.interval_s,
      asked: s.asked_per_s == null ? null : s.asked_per_s * s.interval_s,
      sent: s.accounting.sent - this.#sent,
      answered: answered - this.#answered,
      p50: s.latency_ms.max > 0 ? s.latency_ms.p50 : null,
      busy: s.consumers > 0 ? Math.min(1, s.in_flight / s.consumers) : 0,
      queue: s.queue,
      pacerP99: s.pacer_lateness_us.p99,
    });
    this.#sent = s.accounting.sent;
    this.#answered = answered;
  }

  /** The evidence, with the median service time of the run's first responses (ms, or null). */
  evidence(earlyLatencyMs: number | null): Evidence {
    const last = this.#points.at(-1)?.t ?? 0;
    // The second half; at least the last interval.
    let tail = this.#points.filter((p) => p.t - p.seconds >= last / 2 - 1e-9);
    if (tail.length === 0) tail = this.#points.slice(-1);
    const sum = (f: (p: Point) => number) => tail.reduce((a, p) => a + f(p), 0);
    const asked = tail.some((p) => p.asked === null) ? null : sum((p) => p.asked ?? 0);
    const r = (x: number) => Math.round(x * 10) / 10;
    const p50 = median(tail.flatMap((p) => (p.p50 === null ? [] : [p.p50])));
    return {
      early_latency_ms: earlyLatencyMs === null ? null : r(earlyLatencyMs),
      tail: {
        seconds: r(sum((p) => p.seconds)),
        asked: asked === null ? null : r(asked),
        sent: sum((p) => p.sent),
        answered: sum((p) => p.answered),
        latency_p50_ms: p50 === null ? null : r(p50),
        busy_pct: tail.length ? Math.round((sum((p) => p.busy) / tail.length) * 100) : 0,
        queue: tail.length ? r(sum((p) => p.queue) / tail.length) : 0,
        pacer_lateness_p99_us: Math.max(0, ...tail.map((p) => p.pacerP99)),
      },
    };
  }
}
