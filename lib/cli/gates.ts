/**
 * `--threshold` and `--junit` for `run`: thresholds read up front (a bad one exits 2 naming it),
 * judged over sliding windows while the run goes (an `abort` one stops it), and over the whole
 * run at the end (a failed one: exit 99, k6's convention).
 *
 * @module
 */

import { decodeHistogram } from "../histogram.ts";

import type { Summary } from "../results/mod.ts";
import {
  judgeRun,
  junitXml,
  type Measured,
  parseThreshold,
  type Threshold,
  ThresholdError,
  type ThresholdResult,
  WindowJudge,
} from "../results/mod.ts";
import { UsageError } from "./flags.ts";
import { type IntervalSnapshot } from "../results/mod.ts";

/** Exit code of a run whose thresholds failed. */
export const THRESHOLDS_FAILED = 99;

/** The thresholds of a run, and how they are judged as it goes and at its end. */
export class Gates {
  readonly thresholds: Threshold[];
  #windows: WindowJudge;
  #targetRate: number;

  /** Reads `texts`; a bad one is a {@linkcode UsageError} naming it (for `command`). */
  constructor(texts: string[], targetRate: number, command = "run") {
    this.thresholds = texts.map((text) => {
      try {
        return parseThreshold(text);
      } catch (err) {
        if (!(err instanceof ThresholdError)) throw err;
        throw new UsageError(`Cannot start ${command}: '--threshold' ${err.message}`, {
          flag: "--threshold",
          value: text,
          allowed: "a threshold expression",
        });
      }
    });
    const achieved = this.thresholds.find((t) => t.metric === "achieved");
    if (achieved && targetRate === 0) {
      throw UsageError.invalid(
        command,
        "--threshold",
        achieved.text,
        "about p50-p999, max, mean, errors or rps in closed loop (achieved needs --rate above 0)",
      );
    }
    this.#targetRate = targetRate;
    this.#windows = new WindowJudge(this.thresholds, targetRate);
  }

  /** Whether the run must hand over each interval's histogram (a windowed threshold). */
  get windowed(): boolean {
    return this.thresholds.some((t) => t.windowMs !== undefined);
  }

  /**
   * One interval's figures (its corrected latency encoded, as results files hold it); returns
   * the `abort` thresholds that fail over their window now.
   */
  interval(s: IntervalSnapshot, corrected: string | undefined): Threshold[] {
    if (corrected === undefined || !this.windowed) return [];
    return this.#windows.add({
      latency: decodeHistogram(corrected),
      sent: Math.round(s.api_per_s * s.interval_s),
      errors: s.errors,
      seconds: s.interval_s,
      targetRate: this.#targetRate,
      ...(s.asked_per_s != null ? { asked: s.asked_per_s * s.interval_s } : {}),
    });
  }

  /** One span of a merged report (a wall-clock second); returns the failing abort thresholds. */
  span(m: Measured): Threshold[] {
    return this.#windows.add(m);
  }

  /** Every threshold over the whole run (and a windowed one over its worst window). */
  judge(summary: Summary): ThresholdResult[] {
    return judgeRun(this.thresholds, {
      latency: decodeHistogram(summary.histograms.corrected_latency_us),
      sent: summary.requests.sent,
      errors: summary.errors,
      seconds: summary.duration_s,
      targetRate: this.#targetRate,
      ...(summary.asked ? { asked: summary.asked.requests } : {}),
    }, this.#windows);
  }

  /** The usage error of `--junit FILE` without a threshold (it would have nothing to write). */
  static junitAlone(command: string, file: string): UsageError {
    return new UsageError(
      `Cannot start ${command}: '--junit ${file}' writes the thresholds' outcomes, and none was ` +
        "given: add --threshold EXPR (e.g. 'p99<200ms'), or drop --junit",
      { flag: "--junit", value: file, allowed: "with at least one --threshold" },
    );
  }

  /** Writes the outcomes as JUnit XML to `path`. */
  static writeJunit(path: string, results: ThresholdResult[], seconds: number): void {
    Deno.writeTextFileSync(path, junitXml(results, seconds));
  }
}
