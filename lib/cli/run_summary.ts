/**
 * The summary of a run as `run` prints it: built from the run's outcome and config, and the
 * reporters warmed up before the first tick.
 *
 * @module
 */

import { newLive, Recorder } from "../client/record/mod.ts";
import {
  buildSummary,
  intervalJson,
  statsLine,
  type Summary,
  summaryJson,
} from "../results/mod.ts";
import { newResult } from "../client/record/mod.ts";
import type { RunConfig, RunOutcome } from "../client/run.ts";

/** The summary of a run's outcome. */
export function summarize(config: RunConfig, outcome: RunOutcome, stages?: string): Summary {
  const summary = buildSummary(outcome.totals, {
    url: config.request.url.href,
    durationMs: outcome.durationMs,
    drainMs: outcome.drainMs,
    targetRate: config.rate,
    finalRate: outcome.finalRate,
    adaptive: outcome.adaptive,
    stoppedBy: outcome.stoppedBy,
    asked: outcome.asked,
    evidence: outcome.evidence,
    killed: outcome.killed,
    pacer: outcome.pacer,
    config: {
      rate: config.rate,
      ...(stages !== undefined ? { stages } : {}),
      ...(config.vus !== undefined ? { vus: config.consumers } : {}),
      consumers: outcome.consumers,
      consumers_fixed: config.maxConsumers === undefined,
      ...(config.maxConsumers !== undefined ? { max_consumers: config.maxConsumers } : {}),
      workers: config.workers,
      work_time_ms: config.workTimeMs,
      work_kind: config.workKind,
      queue_size: config.queueSize,
      cores: navigator.hardwareConcurrency,
    },
  });
  if (config.shard) {
    summary.shard = {
      ...config.shard,
      ...(outcome.startSkewMs !== undefined ? { start_skew_ms: outcome.startSkewMs } : {}),
    };
  }
  return summary;
}

/**
 * Runs the reporters on throwaway data before the first tick, so the JIT compiles them then and
 * not while the first ticks wait (a cold first report stalls the main thread: a burst of late
 * writes; BENCHMARKS.md, "Design notes").
 */
export function warmReporters(): void {
  const rec = new Recorder(0);
  for (let i = 0; i < 200; i++) {
    const r = newResult(i, i, i);
    Object.assign(r, { sentAt: i, doneAt: i + 1, status: i % 10 ? 200 : 503 });
    rec.record(r);
  }
  const live = newLive({ scheduled: 200, sent: 200, rate: 1 });
  for (let i = 0; i < 20; i++) {
    const snap = rec.takeInterval(i + 1, live);
    statsLine(snap);
    intervalJson(snap);
  }
  const run = {
    url: "",
    durationMs: 1,
    drainMs: 0,
    targetRate: 1,
    finalRate: 1,
    adaptive: false as const,
    stoppedBy: "",
  };
  summaryJson(buildSummary(rec.totals(live), run));
}
