/**
 * `startRun(config, deps)`: wires the load pipeline, in data-flow order, and never prints.
 *
 * pacer ─ticks→ bounded queue (credits = backpressure) → N consumers (one keep-alive connection
 * each) → HTTP request → CPU job on the pool → {@linkcode Result} → recorder → interval
 * snapshots (and the adaptive controller's windows) → the run's totals.
 *
 * With rate 0 there is no pacer: each consumer sends its next request as soon as the last ends
 * (closed loop); with virtual users (`vus`), consumer i does so while VU i is active, their count
 * following a plan (`closed_loop.ts`). Stopping (`deps.stop` aborted, the duration, or `--requests` reached) stops
 * the pacer, records what is still queued as not sent, lets in-flight requests and jobs finish
 * within the timeout, then resolves; `deps.kill` cancels everything at once. A pacer that
 * crashes stops the run, which reports it in `error`.
 *
 * Every effect is injected: the clock (all timers run on it), the connector, the pacer and the
 * job pool, so a whole run can be tested in-process on virtual time.
 *
 * @module
 */

import { systemClock } from "../clock.ts";
import { calibrateCpu } from "../cpu_work.ts";
import type { RunConfig, RunDeps, RunOutcome } from "./config.ts";
import { closedLoopTicks, ClosedModel } from "./closed_loop.ts";
import { BoundedQueue, ConsumerSet } from "./dispatch/mod.ts";
import { drain } from "./drain.ts";
import { openConnection, Watchdog } from "./http/mod.ts";
import { createJobStage, handOn, type JobPool, type PoolFactory, WorkerPool } from "./jobs/mod.ts";
import { Lifecycle, wallClockStart } from "./lifecycle.ts";
import { BATCH_WINDOW_MS, shardPhase } from "./pace/mod.ts";
import { startPacing } from "./pacing.ts";
import {
  createNotifier,
  type Live,
  newLive,
  notSent,
  Recorder,
  type Result,
  ResultPool,
  RunTrace,
} from "./record/mod.ts";
import { type Controller, createController, runLoops, Steering } from "./steer/mod.ts";
import { warmUp } from "./warm_up.ts";

export type { RunConfig, RunDeps, RunOutcome };

const defaultPool: PoolFactory = (o) =>
  WorkerPool.create({ ...o, itersPerMs: o.kind === "cpu" ? calibrateCpu() : 0 });

/**
 * Runs the load described by `config`; resolves when it has ended, with its totals.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const server = Deno.serve({ port: 0, onListen() {} }, () => new Response("ok"));
 * const outcome = await startRun({
 *   request: { url: new URL(`http://127.0.0.1:${server.addr.port}/`), method: "GET", headers: [] },
 *   rate: 200, burst: 1, consumers: 2, queueSize: 10, workers: 1, workTimeMs: 0,
 *   workKind: "cpu", requests: 20, intervalMs: 1000, timeoutMs: 1000, adaptive: false,
 *   engine: "raw",
 * });
 * assert.equal(outcome.stoppedBy, "requests");
 * assert.equal(outcome.totals.accounting.ok, 20);
 * await server.shutdown();
 * ```
 */
export async function startRun(config: RunConfig, deps: RunDeps = {}): Promise<RunOutcome> {
  const clock = deps.clock ?? systemClock;
  const now = () => clock.now();
  const closedLoop = config.rate === 0 || config.vus !== undefined;
  const life = new Lifecycle(() => cancel());
  config.workload?.nextRun(); // a workload run again (capacity's steps) goes on with {{seq}}
  const model = config.vus !== undefined ? new ClosedModel(config.vus, { clock, life }) : undefined;
  // CPU jobs: calibrated on this (idle) thread, so a job is a fixed amount of work.
  const pool: JobPool | undefined = config.workTimeMs > 0
    ? await (deps.pool ?? defaultPool)({ size: config.workers, kind: config.workKind })
    : undefined;
  const controller = config.adaptive && !closedLoop
    ? createController(config.adaptive, { target: config.rate })
    : undefined;
  const start = now();
  const steering = steer(config, deps, { controller, now, start, life });
  const names = (config.workload?.names.length ?? 0) > 1 ? config.workload!.names : undefined;
  const recorder = new Recorder(start, { controller: controller !== undefined, names });
  const queue = new BoundedQueue<Result>(config.queueSize);
  const live = newLive(names ? { byTarget: byTarget(names.length) } : {});
  // What the run asked for is the plan's (or the paced rate's) integral up to the stop.
  let stoppedAt = Infinity;
  const asked = () => closedLoop ? undefined : steering.askedBy(Math.min(now(), stoppedAt));
  const liveNow = () => liveGauges(live, { queue, pool, consumers, steering, asked });
  const trace = new RunTrace();
  // A result is recycled once recorded: the steady state allocates no record per request.
  const results = new ResultPool();
  const recordResult = (r: Result) => (model?.record(r), recorder.record(r), results.put(r));
  const watchdog = new Watchdog(Math.min(50, Math.max(5, config.timeoutMs / 10)), clock);
  // Connections are opened before the first tick, so the first sends are not late by a connect.
  const consumers = new ConsumerSet({
    ...config,
    // Virtual users: a connection each, for the plan's peak (k6 initialises its VUs before too).
    ...(model ? { consumers: model.peak, maxConsumers: undefined } : {}),
    connect: deps.connect ?? openConnection,
    connection: {
      ...config.connection,
      engine: config.engine,
      timeoutMs: config.timeoutMs,
      now,
      watchdog,
      ...(config.workload?.dynamic ? { workload: config.workload } : {}),
    },
  });
  const closeQueue = () => {
    queue.close();
    for (const r of queue.drain()) recorder.record(notSent(r, "stopped"));
  };
  const cancel = () => (consumers.abort(), pool?.close(), closeQueue());
  await consumers.connect(config.timeoutMs, clock);
  if (clock === systemClock) warmUp();
  life.follow(deps);

  // The first tick starts the run's clock, the intervals' grid and a plan's clock.
  let activeFrom: number | undefined, firstRelease: number | undefined, lastReason: string;
  // The controller's last cut, and why: the verdict trusts it over any guess.
  let lastCut: string | undefined;
  const parts = { config, deps, clock, life, controller, steering, recorder, queue, consumers };
  const begin = (planStart: number, active: number, released: number) => {
    [activeFrom, firstRelease] = [active, released];
    recorder.restart(planStart);
    steering.begin(planStart);
    life.armDuration(clock, config.durationMs, active);
    runLoops({
      ...parts,
      ...config,
      signal: life.signal,
      start: planStart,
      emitInterval,
      live: liveNow,
      decided: (reason) => {
        lastReason = reason;
        if (reason.startsWith("cut:")) lastCut = reason;
      },
      planEnded: () => life.stop("stages"),
      stages: config.stages !== undefined,
    });
  };
  const skew = wallClockStart(config.startAtUnixMs, now(), deps.epochNow ?? Date.now);
  const pacer = closedLoop || life.stopped
    ? undefined
    : startPacing({ ...parts, live, results, startAt: skew.startAt, begin });
  const jobStage = pool &&
    createJobStage(pool, { ...config, live, record: recordResult });
  const notice = createNotifier(config.request.url.href, (line) => deps.onNotice?.(line));
  const ticks = closedLoopTicks(config, life, live, now, results);
  consumers.start({
    take: pacer ? () => queue.take() : model ? (i) => model.take(i, ticks) : ticks,
    taken: pacer && (() => pacer.credit(1)),
    now,
    leadMs: pacer && (() => pacer.leadMs),
    live,
    finish: handOn({
      jobStage,
      record: recordResult,
      notice,
      ...(config.workload ? { judge: config.workload.judge.bind(config.workload) } : {}),
    }),
    killed: () => life.killed,
  });
  if (closedLoop) begin(start, start, start);
  model?.begin(start);

  function emitInterval(t: number, drained = false) {
    const { snap, histograms } = recorder.takeIntervalRecord(
      t,
      liveNow(),
      !!deps.intervalHistograms,
    );
    if (drained) snap.drain = true;
    else trace.add(snap);
    model?.stamp(snap);
    deps.onInterval?.(snap, {
      ...(lastReason ? { adaptive: lastReason } : {}),
      ...(histograms ? { histograms } : {}),
    });
    if (closedLoop || life.stopped) return;
    const f = { snap, rate: steering.rate, queued: queue.size, inFlight: live.inFlight };
    const line = consumers.fit({ ...f, batchMs: BATCH_WINDOW_MS });
    if (line) deps.onNotice?.(line);
  }
  deps.control?.attach((c, source) => steering.apply(c, source));

  // Run until stopped, or until every consumer ended (--requests reached).
  await Promise.race([life.stoppedNow(), consumers.done]);
  life.stop("requests");
  deps.control?.detach();
  stoppedAt = now();
  // The last, partial interval, and what ended during the drain as one more: the intervals'
  // records and histograms add up to the totals exactly.
  const partial = recorder.sinceInterval(stoppedAt) >= config.intervalMs * 0.1;
  if (recorder.intervalHasData(liveNow()) || partial) emitInterval(stoppedAt);
  const pacerEnd = await drain({ ...parts, pacer, closeQueue, pool, jobStage, watchdog, cancel });
  if (recorder.intervalHasData(liveNow())) emitInterval(now(), true);
  const phase = config.shard && !config.stages ? shardPhase(config.rate, config.shard) : 0;
  const skewMs = skew.intended !== undefined && firstRelease !== undefined
    ? Math.round((firstRelease - skew.intended - phase) * 1000) / 1000
    : undefined;
  return {
    totals: recorder.totals(liveNow()),
    durationMs: stoppedAt - (activeFrom ?? stoppedAt),
    // Tick n falls due when the integral passes n (tick 0 at the start): ticks due by the stop.
    asked: closedLoop
      ? null
      : Math.min(Math.ceil(steering.askedBy(stoppedAt) - 1e-6), dataRows(config)),
    evidence: {
      ...trace.evidence(recorder.earlyLatencyMs),
      ...(lastCut ? { last_cut: lastCut } : {}),
    },
    killed: life.killed,
    drainMs: now() - stoppedAt,
    finalRate: closedLoop ? 0 : steering.finalRate,
    consumers: consumers.size,
    adaptive: controller ? config.adaptive : false,
    stoppedBy: life.reason ?? "requests",
    ...(life.failure ? { error: life.failure } : {}),
    ...(skewMs !== undefined ? { startSkewMs: skewMs } : {}),
    ...(pacerEnd ? { pacer: { ...pacerEnd, precision: config.precision ?? "auto" } } : {}),
  };
}

/** The run's rate, as the plan, the controller and the user's commands make it. */
function steer(
  config: RunConfig,
  deps: RunDeps,
  o: { controller?: Controller; now(): number; start: number; life: Lifecycle },
): Steering {
  return new Steering({
    ...config,
    ...o,
    rate: config.rate,
    stop: (reason) => o.life.stop(reason),
    onEvent: (e) => deps.onEvent?.(e),
  });
}

/** The live gauges, read at each snapshot. */
function liveGauges(
  live: Live,
  o: {
    queue: BoundedQueue<Result>;
    pool?: JobPool;
    consumers: ConsumerSet;
    steering: Steering;
    asked(): number | undefined;
  },
): Live {
  live.asked = o.asked();
  live.queued = o.queue.size;
  live.jobsQueued = o.pool ? o.pool.pending : null;
  live.consumers = o.consumers.size;
  live.rate = o.steering.rate;
  return live;
}

/** Per-target counters of `n` targets, at zero. */
function byTarget(n: number): { scheduled: number[]; sent: number[] } {
  return { scheduled: new Array(n).fill(0), sent: new Array(n).fill(0) };
}

/** The requests a queue of rows can carry (each row once; this shard's share): no more is asked. */
function dataRows(config: RunConfig): number {
  const data = config.workload?.data;
  if (data?.order !== "queue") return Infinity;
  const { index = 0, count = 1 } = config.shard ?? {};
  return Math.max(0, Math.ceil((data.size - index) / count));
}
