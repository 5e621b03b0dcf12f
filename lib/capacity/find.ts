/**
 * `tpsdemo capacity`'s engine: drives the search ({@linkcode CapacitySearch}) with steps at fixed
 * rates, and runs a step as a real run (`startRun`, the same pipeline as `tpsdemo run`), measured
 * after its warm-up from the intervals' exact histograms and cumulative accounting.
 *
 * @module
 */

import { cpuUsage } from "node:process";
import { decodeHistogram, newHistogram } from "../histogram.ts";

import { type RunConfig, type RunDeps, startRun } from "../client/run.ts";
import { percentilesUs } from "../histogram.ts";
import type { Threshold } from "../results/mod.ts";
import { type CapacityReport, capacityReport } from "./report.ts";
import { CapacitySearch, judgeStep, type SearchOptions, type StepResult } from "./search.ts";
import { type IntervalSnapshot, type StepRow } from "../results/mod.ts";

/** Options of {@linkcode findCapacity}. */
export interface FindOptions extends SearchOptions {
  slos: Threshold[];
  /** Share of the maximum recommended as the operating point (default 0.8). */
  operatingPoint?: number;
  /** Each step as it ends. */
  onStep?(row: StepRow): void;
  /**
   * Aborted (Ctrl-C): no more steps, and the step it ended early is not counted; the report is
   * marked interrupted and holds the interval found so far. The step runner should stop its step
   * on the same signal.
   */
  signal?: AbortSignal;
}

/**
 * Searches for the highest rate that meets every objective, running `step(rate)` for each rate
 * the search asks for. When no response came back to the first step, the search stops there (the
 * report says `no_response`): there is nothing to measure.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { newHistogram } from "../histogram.ts";
 * import { parseThreshold } from "../results/mod.ts";
 * // A service whose latency is 10 ms up to 600/s and 200 ms above.
 * const step = (rate: number) => {
 *   const latency = newHistogram();
 *   for (let i = 0; i < rate; i++) latency.recordValue(rate <= 600 ? 10_000 : 200_000);
 *   return Promise.resolve({ rate, seconds: 1, sent: rate, ok: rate, errors: 0, latency,
 *     inFlight: rate / 100, sendLatenessP99Us: 50, clientCpuPct: 5 });
 * };
 * const r = await findCapacity(step, { slos: [parseThreshold("p99<50ms")], start: 100 });
 * assert.ok(r.max_rate! <= 600 && r.max_rate! >= 600 / 1.05);
 * ```
 */
export async function findCapacity(
  step: (rate: number) => Promise<StepResult>,
  o: FindOptions,
): Promise<CapacityReport> {
  const search = new CapacitySearch(o);
  const rows: StepRow[] = [];
  let interruptedRate: number | undefined, interrupted = false;
  let answered = false, noResponse = false;
  for (let rate = search.next(); rate !== undefined; rate = search.next()) {
    if (o.signal?.aborted) {
      interrupted = true;
      break;
    }
    const result = await step(rate);
    if (o.signal?.aborted) {
      [interrupted, interruptedRate] = [true, rate]; // cut short: not a measure of the rate
      break;
    }
    const row = judgeStep(result, o.slos);
    rows.push(row);
    o.onStep?.(row);
    answered ||= (row.responses ?? 1) > 0;
    if (!answered) {
      noResponse = true;
      break;
    }
    search.record(rate, row.pass);
  }
  return capacityReport(rows, {
    slos: o.slos.map((s) => s.text),
    maxRate: search.answer,
    lowestFail: search.lowestFail,
    precision: o.precision ?? 0.05,
    operatingPoint: o.operatingPoint,
    interrupted,
    interruptedRate,
    noResponse,
  });
}

/** A step of a real run: `warmMs` of warm-up, then `stepMs` measured. */
export interface RealStepOptions {
  config: RunConfig;
  warmMs: number;
  stepMs: number;
  /** The run's effects (stop and kill signals, notices, the pacer and connector in tests). */
  deps?: RunDeps;
  /** Measure this process's CPU as the client's (default true; on virtual time it is not). */
  measureCpu?: boolean;
}

/**
 * A step runner over real runs: each step is a run at the rate, its first `warmMs` not counted.
 */
export function realStep(o: RealStepOptions): (rate: number) => Promise<StepResult> {
  return async (rate) => {
    const warmS = o.warmMs / 1000;
    const latency = newHistogram(), service = newHistogram();
    let before: IntervalSnapshot | undefined, last: IntervalSnapshot | undefined;
    const inFlight: number[] = [], consumers: number[] = [];
    const errorKinds: Record<string, number> = {};
    let lateP99 = -1; // the worst interval's, after the warm-up
    const count = (k: string, n: number) => (errorKinds[k] = (errorKinds[k] ?? 0) + n);
    // From the step's start, or (the usual case) from the warm-up's end.
    let cpuFrom: NodeJS.CpuUsage | undefined = cpuUsage();
    let wallFrom = performance.now(), wallTo = 0;
    let cpuTo: NodeJS.CpuUsage | undefined;
    const outcome = await startRun(
      { ...o.config, rate, durationMs: o.warmMs + o.stepMs, stages: undefined, adaptive: false },
      {
        ...o.deps,
        intervalHistograms: true,
        onInterval(snap, extra) {
          // Intervals end on a grid from the run's start: those ending by the warm-up's end
          // (within half an interval) are not counted.
          if (snap.t < warmS + o.config.intervalMs / 2000) {
            before = snap;
            cpuFrom = cpuUsage();
            wallFrom = performance.now();
            return;
          }
          last = snap;
          inFlight.push(snap.in_flight);
          lateP99 = Math.max(lateP99, snap.send_lateness_us.p99);
          consumers.push(snap.consumers);
          for (const [status, n] of Object.entries(snap.status)) {
            if (+status >= 400) count(status, n);
          }
          for (const [kind, n] of Object.entries(snap.error_kinds)) count(kind, n ?? 0);
          if (extra.histograms) {
            latency.add(decodeHistogram(extra.histograms.corrected_latency_us));
            service.add(decodeHistogram(extra.histograms.latency_us));
          }
          cpuTo = cpuUsage();
          wallTo = performance.now();
        },
      },
    );
    const a0 = before?.accounting, a1 = last?.accounting ?? outcome.totals.accounting;
    const failed = (a: typeof a1) => a.http_error + a.failed + a.timed_out + a.cancelled;
    const answered = (a: typeof a1) => a.ok + a.http_error;
    const mean = (xs: number[]) => xs.length > 0 ? xs.reduce((x, y) => x + y, 0) / xs.length : 0;
    const seconds = last && before ? last.t - before.t : outcome.durationMs / 1000;
    const cpu = o.measureCpu !== false && cpuFrom && cpuTo && wallTo > wallFrom
      ? ((cpuTo.user - cpuFrom.user + cpuTo.system - cpuFrom.system) / 1000 / (wallTo - wallFrom)) *
        100
      : NaN;
    return {
      rate,
      seconds,
      sent: a1.sent - (a0?.sent ?? 0),
      ok: a1.ok - (a0?.ok ?? 0),
      errors: failed(a1) - (a0 ? failed(a0) : 0),
      latency,
      serviceLatency: service,
      inFlight: mean(inFlight),
      sendLatenessP99Us: lateP99 >= 0
        ? lateP99
        : percentilesUs(outcome.totals.total.sendLateness).p99,
      clientCpuPct: cpu,
      responses: answered(a1) - (a0 ? answered(a0) : 0),
      errorKinds,
      ...(consumers.length > 0 ? { consumers: mean(consumers) } : {}),
      fixedConsumers: o.config.maxConsumers === undefined,
    };
  };
}
