/**
 * The pacer's side of the wiring: the pacer thread started for the run's rate (or plan), its
 * ticks turned into {@linkcode Result}s in the bounded queue (a tick the queue refuses is recorded
 * as not sent), consumers added while ticks wait, and the first tick starting the run's clock.
 *
 * @module
 */

import type { RunConfig, RunDeps } from "./config.ts";
import type { BoundedQueue, ConsumerSet } from "./dispatch/mod.ts";
import type { Lifecycle } from "./lifecycle.ts";
import { type Pacer, startPacerThread } from "./pace/mod.ts";
import { type Live, notSent, type Recorder, type Result, type ResultPool } from "./record/mod.ts";
import type { Steering } from "./steer/mod.ts";

/** What the pacer's ticks flow into. */
export interface PacingParts {
  config: RunConfig;
  deps: RunDeps;
  steering: Steering;
  /** The controller that sets the rate, when one does (ticks owed are capped at a burst). */
  controller?: unknown;
  /** The pacer's start on the run's clock (a start on the wall clock), if not at once. */
  startAt?: number;
  life: Lifecycle;
  queue: BoundedQueue<Result>;
  recorder: Recorder;
  live: Live;
  /** Where released ticks' results come from (recycled ones). */
  results: ResultPool;
  consumers: ConsumerSet;
  /** The first tick: its scheduled time (the run's start) and the plan's clock start. */
  begin(planStart: number, firstScheduled: number, firstReleased: number): void;
}

/** Starts the pacer; the run stops with the plan, and fails if the pacer does. */
export function startPacing(p: PacingParts): Pacer {
  const { config, steering, life, queue, recorder, live, consumers } = p;
  // Without a controller, the pacer follows a plan itself.
  const staged = config.stages !== undefined && !p.controller;
  let begun = false;
  const pacer = (p.deps.pacer ?? startPacerThread)({
    rate: staged ? Math.max(1, config.rate) : steering.rate,
    stages: staged ? config.stages : undefined,
    shard: config.shard,
    startAt: p.startAt,
    burst: config.burst,
    maxDebt: p.controller ? config.burst : Infinity,
    maxTicks: config.requests ?? Infinity,
    credits: config.queueSize,
    precision: config.precision ?? "auto",
    onTicks(batch) {
      if (!begun) {
        begun = true;
        // A plan that starts at 0/s starts where its first tick's stage starts.
        const first = batch.scheduledAt(0);
        p.begin(first - (staged ? steering.planOffset : 0), first, batch.releasedAt(0));
      }
      const workload = config.workload;
      for (let i = 0; i < batch.count; i++) {
        const r = p.results.get(batch.first + i, batch.scheduledAt(i), batch.releasedAt(i));
        if (workload) {
          // The data ran out (each row once): the run ends; what is released past it is not sent.
          if (workload.exhausted(r.seq)) {
            life.stop("data");
            queue.close();
          }
          r.target = workload.targetOf(r.seq);
          if (live.byTarget) live.byTarget.scheduled[r.target]!++;
        }
        live.scheduled++;
        if (!queue.push(r)) recorder.record(notSent(r, queue.closed ? "stopped" : "queue_full"));
      }
      if (!life.stopped) consumers.growFor(queue.size, live.inFlight);
    },
  });
  steering.pacer = pacer;
  pacer.done.then(() => {
    // --requests N, or the plan's end: the queue drains and the consumers finish.
    if (staged) life.stop("stages");
    if (config.requests !== undefined || staged) queue.close();
  }, (err: Error) => life.fail(err.message));
  return pacer;
}
