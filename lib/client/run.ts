/**
 * `startRun(config, deps)`: wires the load pipeline, in data-flow order, and never prints.
 *
 * pacer ─ticks→ bounded queue (credits = backpressure) → N consumers (one keep-alive connection
 * each) → HTTP request → CPU job on the pool → {@linkcode Result} → recorder → interval
 * snapshots (and the adaptive controller's windows) → the run's totals.
 *
 * With rate 0 there is no pacer: each consumer sends its next request as soon as the last ends
 * (closed loop). Stopping (`deps.stop` aborted, the duration, or `--requests` reached) stops
 * the pacer, records what is still queued as not sent, lets in-flight requests and jobs finish
 * within the timeout, then resolves; `deps.kill` cancels everything at once. A pacer that
 * crashes stops the run, which reports it in `error`.
 *
 * Every effect is injected: the clock (all timers run on it), the connector, the pacer and the
 * job pool, so a whole run can be tested in-process on virtual time.
 *
 * @module
 */

import { settlesWithin, systemClock } from "../clock.ts";
import { encodeHistogram } from "../histogram.ts";
import { calibrateCpu } from "../cpu_work.ts";
import { type Controller, createController } from "./adaptive.ts";
import type { HttpConnection } from "./connection.ts";
import { Steering } from "./control.ts";
import { shardPhase } from "./stages.ts";
import { runLoops } from "./run_loops.ts";
import { growthCeiling, littlesLaw } from "./consumer_sizing.ts";
import { runConsumer } from "./consumer.ts";
import { openConnection } from "./fetch_connection.ts";
import { createJobStage } from "./job_stage.ts";
import { createNotifier } from "./notices.ts";
import { BATCH_WINDOW_MS } from "./pacer_protocol.ts";
import { type Pacer, startPacerThread } from "./pacer_thread.ts";
import { BoundedQueue } from "./queue.ts";
import { type IntervalSnapshot, newLive, Recorder } from "./recorder.ts";
import { newResult, notSent, type Result } from "./result.ts";
import type { RunConfig, RunDeps, RunOutcome } from "./run_config.ts";
import { warmUp } from "./warm_up.ts";
import { Watchdog } from "./watchdog.ts";
import type { Window } from "./window_stats.ts";
import { type JobPool, type PoolFactory, WorkerPool } from "./worker_pool.ts";

export type { RunConfig, RunDeps, RunOutcome };

const defaultPool: PoolFactory = (o) =>
  WorkerPool.create({ ...o, itersPerMs: o.kind === "cpu" ? calibrateCpu() : 0 });

function reasonOf(signal: AbortSignal, fallback: string): string {
  return typeof signal.reason === "string" ? signal.reason : fallback;
}

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
  const closedLoop = config.rate === 0;

  // Stop and kill: one internal signal each; the caller's signals feed them.
  // Plain flags for the per-request checks (an AbortSignal's getter costs more), and signals
  // for the timers.
  const stopping = new AbortController();
  let stopped = false;
  let killed = false;
  let stopReason: string | undefined;
  let failure: string | undefined;
  const stop = (reason: string) => {
    stopReason ??= reason;
    stopped = true;
    stopping.abort();
  };

  const notice = createNotifier(config.request.url.href, (line) => deps.onNotice?.(line));

  // CPU jobs: calibrated on this (idle) thread, so a job is a fixed amount of work.
  const pool: JobPool | undefined = config.workTimeMs > 0
    ? await (deps.pool ?? defaultPool)({ size: config.workers, kind: config.workKind })
    : undefined;

  const controller: Controller | undefined = config.adaptive && !closedLoop
    ? createController(config.adaptive, { target: config.rate })
    : undefined;
  let lastReason: string | undefined;

  const start = now();
  // The first tick starts the clock of the run's intervals (and of a plan), once.
  let began: number | undefined;
  let loopsReady = false;
  const begin = (t0: number) => {
    if (began !== undefined) return;
    began = t0;
    recorder.restart(t0);
    steering.begin(t0);
    if (loopsReady) startLoops(t0);
  };
  // The rate as the plan, the controller and the user's commands make it.
  const staged = config.stages !== undefined && !controller;
  const steering = new Steering({
    rate: closedLoop ? 0 : config.rate,
    stages: config.stages,
    shard: config.shard,
    controller,
    now,
    start,
    stop,
    onEvent: (e) => deps.onEvent?.(e),
  });
  let activeFrom: number | undefined;
  let firstRelease: number | undefined;
  const recorder = new Recorder(start, { controller: controller !== undefined });
  const queue = new BoundedQueue<Result>(config.queueSize);
  const live = newLive();
  const liveNow = () => {
    live.queued = queue.size;
    live.jobsQueued = pool ? pool.pending : null;
    live.consumers = conns.length;
    live.rate = steering.rate;
    return live;
  };
  const watchdog = new Watchdog(Math.min(50, Math.max(5, config.timeoutMs / 10)), clock);
  const connect = deps.connect ?? openConnection;
  const conns: HttpConnection[] = [];
  const recordNotSent = () => {
    for (const r of queue.drain()) recorder.record(notSent(r, "stopped"));
  };
  const abortAll = () => {
    for (const c of conns) c.abort();
    pool?.close();
    queue.close();
    recordNotSent();
  };
  const kill = (reason: string) => {
    stop(reason);
    killed = true;
    abortAll();
  };

  // Connections are opened before the first tick, so the first sends are not late by a connect.
  for (let i = 0; i < config.consumers; i++) {
    conns.push(connect(config.request, {
      engine: config.engine,
      timeoutMs: config.timeoutMs,
      now,
      watchdog,
    }));
  }
  await settlesWithin(Promise.all(conns.map((c) => c.connect())), config.timeoutMs, clock);
  if (clock === systemClock) warmUp();

  const { stop: stopSignal, kill: killSignal } = deps;
  if (stopSignal) {
    if (stopSignal.aborted) stop(reasonOf(stopSignal, "stop"));
    else stopSignal.addEventListener("abort", () => stop(reasonOf(stopSignal, "stop")));
  }
  if (killSignal) {
    if (killSignal.aborted) kill(reasonOf(killSignal, "kill"));
    else killSignal.addEventListener("abort", () => kill(reasonOf(killSignal, "kill")));
  }

  const armDuration = (from: number) => {
    if (config.durationMs === undefined) return;
    const left = Math.max(0, config.durationMs - (now() - from));
    clock.sleep(left, stopping.signal).then(() => stop("duration"));
  };

  // A start on the wall clock (shards start together): on the run's clock, and what the first
  // tick's time will say about it.
  const epochNow = deps.epochNow ?? Date.now;
  const intended = config.startAtUnixMs === undefined
    ? undefined
    : now() + (config.startAtUnixMs - epochNow());
  // A start already past starts at once (a burst of the ticks owed would not help anyone).
  const startAt = intended === undefined ? undefined : Math.max(now(), intended);
  const phase = config.shard && !config.stages ? shardPhase(config.rate, config.shard) : 0;
  let pacer: Pacer | undefined;
  if (!closedLoop && !stopped) {
    pacer = (deps.pacer ?? startPacerThread)({
      rate: staged ? Math.max(1, config.rate) : steering.rate,
      stages: staged ? config.stages : undefined,
      shard: config.shard,
      startAt: startAt,
      burst: config.burst,
      maxDebt: controller ? config.burst : Infinity,
      maxTicks: config.requests ?? Infinity,
      credits: config.queueSize,
      precision: config.precision ?? "auto",
      onTicks(batch) {
        if (activeFrom === undefined) {
          // The intervals' grid and a plan's clock start with the first tick (a plan that
          // starts at 0/s: where its first tick's stage starts).
          begin(batch.scheduledAt(0) - (staged ? steering.planOffset : 0));
          // The run's clock starts with the first tick, not with the pacer's start-up.
          activeFrom = batch.scheduledAt(0);
          firstRelease = batch.releasedAt(0);
          armDuration(activeFrom);
        }
        for (let i = 0; i < batch.count; i++) {
          const r = newResult(batch.first + i, batch.scheduledAt(i), batch.releasedAt(i));
          live.scheduled++;
          if (!queue.push(r)) recorder.record(notSent(r, queue.closed ? "stopped" : "queue_full"));
        }
        // Ticks wait and every consumer is on the wire: add one for each (as vegeta adds
        // workers), up to the ceiling. Not when consumers wait on something else (the CPU-job
        // backlog).
        if (queue.size > 0 && live.inFlight >= conns.length && conns.length < consumerCeiling) {
          addConsumers(Math.min(queue.size, consumerCeiling - conns.length));
        }
      },
    });
    steering.pacer = pacer;
    pacer.done.then(
      // --requests N: the pacer ends by itself; the queue then drains and the consumers finish.
      () => {
        if (staged && !stopped) stop("stages");
        if (config.requests !== undefined || staged) queue.close();
      },
      (err: Error) => {
        failure = err.message;
        stop("error");
      },
    );
  }

  // The CPU-job stage: a consumer waits only while the pool's backlog is a queue's worth.
  const jobStage = pool
    ? createJobStage(pool, {
      queueSize: config.queueSize,
      workTimeMs: config.workTimeMs,
      live,
      record: (r) => recorder.record(r),
    })
    : undefined;
  const finish = (r: Result): void | Promise<void> => {
    if (r.error !== undefined) {
      if (r.error !== "cancelled") notice(r.error, r.message);
      recorder.record(r);
    } else if (jobStage) return jobStage.submit(r);
    else recorder.record(r);
  };

  let closedSeq = 0;
  const take = closedLoop
    ? () => {
      if (stopped || (config.requests !== undefined && closedSeq >= config.requests)) {
        return undefined;
      }
      const t = now();
      live.scheduled++;
      return newResult(closedSeq++, t, t);
    }
    : () => queue.take();
  const startConsumer = (conn: HttpConnection) =>
    runConsumer({
      take,
      taken: pacer ? () => pacer.credit(1) : undefined,
      conn,
      now,
      leadMs: pacer ? () => pacer.leadMs : undefined,
      live,
      finish,
      killed: () => killed,
    });
  const consumers = conns.map(startConsumer);
  // How far consumers may grow (see fitConsumers); until the first interval, 32.
  let consumerCeiling = config.maxConsumers === undefined
    ? 0
    : Math.min(config.maxConsumers, Math.max(conns.length, 32));
  const addConsumers = (n: number) => {
    for (let i = 0; i < n && !stopped; i++) {
      const conn = connect(config.request, {
        engine: config.engine,
        timeoutMs: config.timeoutMs,
        now,
        watchdog,
      });
      conns.push(conn);
      consumers.push(startConsumer(conn));
    }
  };
  // Every consumer, those added during the run too.
  const allDone = (async () => {
    for (let n = -1; n !== consumers.length;) {
      n = consumers.length;
      await Promise.all(consumers);
    }
  })();
  // Little's law: reaching `rate` at a latency of W takes rate × W requests in flight. A fixed
  // --consumers that cannot is named in a notice. (Growing from it would feed back: a saturated
  // client measures longer latencies, asks for more consumers and saturates further. Consumers
  // grow only as ticks find them all on the wire, in onTicks.)
  let consumersNoticed = false;
  const fitConsumers = (snap: IntervalSnapshot) => {
    if (closedLoop || stopped || snap.latency_ms.max === 0) return;
    if (config.maxConsumers !== undefined) {
      consumerCeiling = growthCeiling({
        rate: steering.rate,
        p50Ms: snap.latency_ms.p50,
        batchMs: BATCH_WINDOW_MS,
        current: conns.length,
        max: config.maxConsumers,
      });
      return;
    }
    const rate = steering.rate;
    const needed = littlesLaw(rate, snap.latency_ms.p90, 1.25, 1);
    if (needed <= conns.length || (queue.size === 0 && live.inFlight < conns.length)) return;
    if (consumersNoticed) return;
    consumersNoticed = true;
    deps.onNotice?.(
      `--consumers ${conns.length} cannot reach ${Math.round(rate)}/s at ` +
        `${snap.latency_ms.p90}ms a request (p90); by Little's law about ${needed} are needed`,
    );
  };
  if (closedLoop) {
    activeFrom = start;
    armDuration(start);
    begin(start);
  }

  // Intervals, on an absolute grid.
  const emitInterval = (t: number) => {
    // Encoded before the interval's window is emptied: no copy of the histograms.
    let histograms: { latency_us: string; corrected_latency_us: string } | undefined;
    const keep = deps.intervalHistograms
      ? (w: Window) => {
        histograms = {
          latency_us: encodeHistogram(w.latency),
          corrected_latency_us: encodeHistogram(w.corrected),
        };
      }
      : undefined;
    const snap = recorder.takeInterval(t, liveNow(), keep);
    deps.onInterval?.(snap, {
      ...(lastReason ? { adaptive: lastReason } : {}),
      ...(histograms ? { histograms } : {}),
    });
    fitConsumers(snap);
  };
  const startLoops = (t0: number) =>
    runLoops({
      clock,
      signal: stopping.signal,
      start: t0,
      intervalMs: config.intervalMs,
      emitInterval,
      controller,
      recorder,
      steering,
      live: liveNow,
      decided: (reason) => lastReason = reason,
      planEnded: () => stop("stages"),
      stages: config.stages !== undefined,
    });
  loopsReady = true;
  if (began !== undefined) startLoops(began);
  deps.control?.attach((c, source) => steering.apply(c, source));

  // Run until stopped, or until every consumer ended (--requests reached).
  const stopSignalled = new Promise<void>((r) => {
    if (stopped) r();
    else stopping.signal.addEventListener("abort", () => r(), { once: true });
  });
  await Promise.race([stopSignalled, allDone]);
  stop("requests");
  deps.control?.detach();
  const stoppedAt = now();
  // The last, partial interval, so the intervals add up to the totals.
  if (
    recorder.intervalHasData(liveNow()) ||
    recorder.sinceInterval(stoppedAt) >= config.intervalMs * 0.1
  ) emitInterval(stoppedAt);

  // Stop the pacer; every tick it released has been delivered once it reports done.
  const pacerEnd = pacer ? await pacer.stop().catch(() => undefined) : undefined;
  queue.close();
  recordNotSent();
  if (!killed) {
    // In-flight requests finish within the timeout, then whatever is left is cancelled.
    if (!(await settlesWithin(allDone, config.timeoutMs + 200, clock))) abortAll();
    await allDone;
    // Jobs not started are dropped; running ones may finish within the timeout.
    pool?.cancelPending();
    if (
      jobStage && jobStage.running > 0 &&
      !(await settlesWithin(jobStage.settled(), config.timeoutMs, clock))
    ) pool?.close();
  } else {
    abortAll();
    await allDone;
  }
  await jobStage?.settled();
  pool?.close();
  watchdog.close();
  // What ended during the drain is one more (last) interval, so the intervals' records and
  // histograms add up to the totals exactly.
  if (recorder.intervalHasData(liveNow())) emitInterval(now());
  return {
    totals: recorder.totals(liveNow()),
    durationMs: stoppedAt - (activeFrom ?? stoppedAt),
    drainMs: now() - stoppedAt,
    finalRate: closedLoop ? 0 : steering.rate,
    consumers: conns.length,
    adaptive: controller ? config.adaptive : false,
    stoppedBy: stopReason ?? "requests",
    ...(failure ? { error: failure } : {}),
    ...(intended !== undefined && firstRelease !== undefined
      ? { startSkewMs: Math.round((firstRelease - intended - phase) * 1000) / 1000 }
      : {}),
    ...(pacerEnd ? { pacer: { ...pacerEnd, precision: config.precision ?? "auto" } } : {}),
  };
}
