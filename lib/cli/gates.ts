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
  /** A window judge per selector: the whole run (""), and each `{name=…}`. */
  #windows = new Map<string, WindowJudge>();
  #targetRate: number;
  #command: string;

  /** Reads `texts`; a bad one is a {@linkcode UsageError} naming it (for `command`). */
  constructor(texts: string[], targetRate: number, command = "run") {
    this.#command = command;
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
    for (const key of new Set(this.thresholds.map((t) => t.name ?? ""))) {
      this.#windows.set(
        key,
        new WindowJudge(this.thresholds.filter((t) => (t.name ?? "") === key), targetRate),
      );
    }
  }

  /** Checks that each `{name=…}` names a target of the run (`names`: none without targets). */
  checkNames(names: readonly string[]): void {
    for (const t of this.thresholds) {
      if (t.name === undefined || names.includes(t.name)) continue;
      throw UsageError.invalid(
        this.#command,
        "--threshold",
        t.text,
        names.length > 1
          ? `a {name=…} of the run's targets: ${names.join(", ")}`
          : "no {name=…}: the run has one target (give --targets with names)",
      );
    }
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
    const failing: Threshold[] = [];
    for (const [key, judge] of this.#windows) {
      const n = key === "" ? undefined : s.names?.[key];
      if (key !== "" && !n?.corrected_latency_us) continue;
      failing.push(...judge.add(
        n
          ? {
            latency: decodeHistogram(n.corrected_latency_us!),
            sent: n.sent,
            errors: n.errors,
            checkFailed: n.check_failed,
            seconds: s.interval_s,
            targetRate: 0,
            asked: n.scheduled,
          }
          : {
            latency: decodeHistogram(corrected),
            sent: Math.round(s.api_per_s * s.interval_s),
            errors: s.errors,
            checkFailed: s.accounting.check_failed ?? 0,
            seconds: s.interval_s,
            targetRate: this.#targetRate,
            ...(s.asked_per_s != null ? { asked: s.asked_per_s * s.interval_s } : {}),
          },
      ));
    }
    return failing;
  }

  /** One span of a merged report (a wall-clock second); returns the failing abort thresholds. */
  span(m: Measured): Threshold[] {
    return this.#windows.get("")?.add(m) ?? [];
  }

  /** Every threshold over the whole run (and a windowed one over its worst window). */
  judge(summary: Summary): ThresholdResult[] {
    const out = new Map<Threshold, ThresholdResult>();
    for (const [key, judge] of this.#windows) {
      const group = this.thresholds.filter((t) => (t.name ?? "") === key);
      const n = key === "" ? undefined : summary.names?.[key];
      const whole: Measured = n
        ? {
          latency: decodeHistogram(n.histograms.corrected_latency_us),
          sent: n.sent,
          errors: n.errors,
          checkFailed: n.check_failed,
          seconds: summary.duration_s,
          targetRate: 0,
          asked: n.scheduled,
        }
        : {
          latency: decodeHistogram(summary.histograms.corrected_latency_us),
          sent: summary.requests.sent,
          errors: summary.errors,
          checkFailed: summary.requests.check_failed ?? 0,
          seconds: summary.duration_s,
          targetRate: this.#targetRate,
          ...(summary.asked ? { asked: summary.asked.requests } : {}),
        };
      judgeRun(group, whole, judge).forEach((r, i) => out.set(group[i]!, r));
    }
    return this.thresholds.map((t) => out.get(t)!);
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
