/**
 * The verdict at the end of a run: which stage limited it, from what was measured, with the flag
 * to change and the figure behind it (the source demo's tuning guide, automated). Pure: data in,
 * data out; the reporters print it.
 *
 * Checked in order: the target (errors, or the rate `--adaptive` settled at), the CPU-job pool
 * (Workers ÷ work time, and the cores), the consumers (Little's law: consumers ÷ latency), the
 * client itself (it could not issue the rate), or none (the target rate was met).
 *
 * @module
 */

import type { Bottleneck } from "./records.ts";

/** What a verdict reads: the run's settings and what it measured. */
export interface VerdictInput {
  /** Target rate (0: closed loop). */
  targetRate: number;
  achievedRate: number;
  /** Requests whose work completed per second (the CPU job's, or the response's). */
  donePerS: number;
  sent: number;
  /** Requests that failed, of every kind. */
  errors: number;
  /** The failures by status or kind, for the figure (`503: 40, refused: 2`). */
  errorDetail: string;
  /** Mean service time of the responses, ms (0 when none). */
  latencyMeanMs: number;
  /** Consumers at the end. */
  consumers: number;
  /** Whether the consumers could still grow (no `--consumers`). */
  consumersFixed: boolean;
  workers: number;
  workTimeMs: number;
  workKind: "cpu" | "sleep";
  /** CPU cores of this machine. */
  cores: number;
  /** The adaptive controller's final rate, when one ran. */
  adaptiveRate?: number;
  /** Send lateness p99, µs. */
  sendLatenessP99Us: number;
}

const r1 = (x: number) => Math.round(x * 10) / 10;

/**
 * The verdict on a run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const v = verdict({
 *   targetRate: 60, achievedRate: 31, donePerS: 10, sent: 310, errors: 0, errorDetail: "",
 *   latencyMeanMs: 22, consumers: 8, consumersFixed: true, workers: 8, workTimeMs: 200,
 *   workKind: "cpu", cores: 2, sendLatenessP99Us: 2e6,
 * });
 * assert.equal(v.stage, "cpu_jobs");
 * assert.equal(v.flag, "--work-time");
 * ```
 */
export function verdict(m: VerdictInput): Bottleneck {
  const closedLoop = m.targetRate === 0;
  const rate = closedLoop ? m.achievedRate : m.targetRate;
  const errorShare = m.sent > 0 ? m.errors / m.sent : 0;
  if (errorShare > 0.01) {
    return {
      stage: "target",
      flag: "--rate",
      figure: `${r1(errorShare * 100)}% of requests failed (${m.errorDetail})`,
      advice: `the target: ${r1(errorShare * 100)}% of requests failed (${m.errorDetail}); ` +
        "lower --rate, or let --adaptive find what it sustains",
    };
  }
  if (m.adaptiveRate !== undefined && m.adaptiveRate < 0.95 * m.targetRate) {
    return {
      stage: "target",
      flag: "--rate",
      figure: `--adaptive settled at ${r1(m.adaptiveRate)}/s of ${m.targetRate}/s`,
      advice: `the target: it sustains about ${r1(m.adaptiveRate)}/s ` +
        `(--adaptive settled there, below ${m.targetRate}/s)`,
    };
  }
  // With --adaptive the controller shapes the schedule (its ramp from a low start included):
  // an average below the ceiling is its doing, not the client's, unless sends ran late.
  const adaptive = m.adaptiveRate !== undefined;
  const short = closedLoop
    ? false
    : m.achievedRate < 0.95 * m.targetRate && (!adaptive || m.sendLatenessP99Us > 10_000);
  if (m.workTimeMs > 0) {
    const parallel = m.workKind === "cpu" ? Math.min(m.workers, m.cores) : m.workers;
    const capacity = parallel / (m.workTimeMs / 1000);
    if (capacity < 0.95 * rate || m.donePerS < 0.9 * m.achievedRate) {
      const why = m.workKind === "cpu" && m.workers > m.cores
        ? ` (${m.workers} Workers on ${m.cores} cores do ${m.cores} cores' worth: more --workers ` +
          "will not help)"
        : "";
      return {
        stage: "cpu_jobs",
        flag: m.workKind === "cpu" && m.workers >= m.cores ? "--work-time" : "--workers",
        figure: `${m.workers} Workers x ${m.workTimeMs} ms of ${m.workKind} finish at most ` +
          `${r1(capacity)}/s; done ${r1(m.donePerS)}/s of ${r1(rate)}/s`,
        advice: `the CPU jobs: ${m.workers} Workers x ${m.workTimeMs} ms finish at most ` +
          `${r1(capacity)}/s, below ${r1(rate)}/s${why}; lower --work-time or --rate` +
          (m.workKind === "cpu" && m.workers >= m.cores ? "" : ", or add --workers"),
      };
    }
  }
  if (m.latencyMeanMs > 0) {
    const capacity = m.consumers / (m.latencyMeanMs / 1000);
    if (closedLoop || (short && capacity < 1.05 * m.targetRate)) {
      return {
        stage: "consumers",
        flag: "--consumers",
        figure: `${m.consumers} consumers at ${r1(m.latencyMeanMs)} ms a request carry at most ` +
          `${r1(capacity)}/s (Little's law)`,
        advice: closedLoop
          ? `the consumers, by design in closed loop: ${m.consumers} at ` +
            `${r1(m.latencyMeanMs)} ms a request make ${r1(m.achievedRate)}/s`
          : `the consumers: ${m.consumers} at ${r1(m.latencyMeanMs)} ms a request carry at ` +
            `most ${r1(capacity)}/s, below ${m.targetRate}/s; ` +
            (m.consumersFixed ? "raise --consumers (or leave it unset)" : "raise --consumers"),
      };
    }
  }
  if (short) {
    return {
      stage: "client",
      flag: "--precision",
      figure: `${r1(m.achievedRate)}/s of ${m.targetRate}/s; send lateness p99 ` +
        `${r1(m.sendLatenessP99Us / 1000)} ms`,
      advice: `the client itself: it sent ${r1(m.achievedRate)}/s of ${m.targetRate}/s ` +
        `(send lateness p99 ${r1(m.sendLatenessP99Us / 1000)} ms); give it a core ` +
        "(--precision coarse spends least), or split the load in shards",
    };
  }
  if (adaptive) {
    return {
      stage: "none",
      figure: `--adaptive reached ${r1(m.adaptiveRate!)}/s of ${m.targetRate}/s, ` +
        `${m.errors} errors`,
      advice: `none: --adaptive reached its ceiling, ${m.targetRate}/s (it sent ` +
        `${r1(m.achievedRate)}/s on average, its ramp included); raise --rate to look higher`,
    };
  }
  return {
    stage: "none",
    figure: `${r1(m.achievedRate)}/s of ${m.targetRate}/s, ${m.errors} errors`,
    advice: `none: the target rate was met (${r1(m.achievedRate)}/s of ${m.targetRate}/s, ` +
      `${m.errors === 0 ? "no errors" : `${m.errors} errors`})`,
  };
}
