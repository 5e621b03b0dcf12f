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

import { type Clock, settlesWithin, systemClock } from "../clock.ts";
import { type Histogram, newHistogram } from "../histogram.ts";
import { calibrateCpu } from "../cpu_work.ts";
import {
  type Controller,
  createController,
  MAX_WINDOW_MS,
  MIN_WINDOW_COMPLETIONS,
} from "./adaptive.ts";
import type { Connector, HttpConnection, RequestSpec } from "./connection.ts";
import { openConnection } from "./fetch_connection.ts";
import { Watchdog } from "./watchdog.ts";
import { runConsumer } from "./consumer.ts";
import { ResponseParser } from "./http_parser.ts";
import { BATCH_WINDOW_MS } from "./pacer_protocol.ts";
import {
  type Pacer,
  type PacerEnd,
  type PacerFactory,
  type Precision,
  startPacerThread,
} from "./pacer_thread.ts";
import { BoundedQueue } from "./queue.ts";
import { type IntervalSnapshot, newLive, Recorder, type Totals } from "./recorder.ts";
import { newResult, notSent, type Result } from "./result.ts";
import type { Window } from "./window_stats.ts";
import { type JobPool, type PoolFactory, WorkerPool } from "./worker_pool.ts";

/** Everything a run needs; the CLI builds it from the flags. */
export interface RunConfig {
  request: RequestSpec;
  /** Target requests/s; 0 = closed loop (as fast as the consumers go). */
  rate: number;
  /** Token bucket size of the pacer (1 = uniform). */
  burst: number;
  /** Consumers at the start. */
  consumers: number;
  /**
   * When set, consumers are added during the run, up to this many, while fewer than the rate
   * times the latency (Little's law) keep the queue waiting; when not, a notice says so.
   */
  maxConsumers?: number;
  queueSize: number;
  /** CPU-job Workers. */
  workers: number;
  /** Work per response, ms; 0 skips the job. */
  workTimeMs: number;
  workKind: "cpu" | "sleep";
  /** Stop after this long (undefined: until stopped). */
  durationMs?: number;
  /** Stop after this many requests (undefined: no limit). */
  requests?: number;
  intervalMs: number;
  timeoutMs: number;
  adaptive: false | "seed" | "capacity";
  engine: "raw" | "fetch";
  /** How the pacer waits: see {@linkcode Precision} (default `auto`). */
  precision?: Precision;
}

/** The effects a run uses, all optional (the real ones by default). */
export interface RunDeps {
  /** The clock every timer runs on (default the system clock). */
  clock?: Clock;
  /** Opens the consumers' connections (default the raw HTTP/1.1 client or fetch). */
  connect?: Connector;
  /** Starts the pacer (default the pacer Worker). */
  pacer?: PacerFactory;
  /** Creates the CPU-job pool (default Web Workers calibrated on this thread). */
  pool?: PoolFactory;
  /** Aborted: a graceful stop (its reason, a string, becomes `stoppedBy`). */
  stop?: AbortSignal;
  /** Aborted: stop at once, cancelling in-flight work. */
  kill?: AbortSignal;
  /**
   * Every interval's snapshot, with the adaptive controller's last decision, and (with
   * `intervalHistograms`) a copy of the interval's corrected-latency histogram.
   */
  onInterval?(
    snapshot: IntervalSnapshot,
    extra: { adaptive?: string; latency?: Histogram; corrected?: Histogram },
  ): void;
  /** Hand `onInterval` copies of each interval's latency histograms (default false). */
  intervalHistograms?: boolean;
  /** A one-line notice, the first time something goes wrong in a given way. */
  onNotice?(message: string): void;
}

/** How a run ended. */
export interface RunOutcome {
  totals: Totals;
  /** From the first tick to the stop (rates are over this). */
  durationMs: number;
  /** From the stop until in-flight requests and jobs ended. */
  drainMs: number;
  /** The pacer's rate at the end (0 in closed loop). */
  finalRate: number;
  /** Consumers at the end (they grow with `maxConsumers`). */
  consumers: number;
  /** The adaptive controller in use, or false. */
  adaptive: false | "seed" | "capacity";
  /** `duration`, `requests`, the stop signal's reason, or `error`. */
  stoppedBy: string;
  /** What went wrong, when the run could not go on (a crashed pacer). */
  error?: string;
  /** How the pacer ran (absent in closed loop or when it crashed). */
  pacer?: PacerEnd & { precision: Precision };
}

const NOTICES: Record<string, string> = {
  refused: "target unreachable: connection refused by",
  reset: "connection reset by",
  timeout: "requests time out at",
  bad_response: "malformed HTTP response from",
};

const defaultPool: PoolFactory = (o) =>
  WorkerPool.create({ ...o, itersPerMs: o.kind === "cpu" ? calibrateCpu() : 0 });

/**
 * Runs the per-request code on throwaway data before the first tick, so the JIT compiles it then
 * and not while the first ticks wait (measured: the first interval's report stalled the main
 * thread ~6 ms, a burst of late writes).
 */
function warmUp(): void {
  const rec = new Recorder(0, { controller: true });
  const parser = new ResponseParser();
  const canned = new TextEncoder().encode("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  for (let i = 0; i < 2000; i++) {
    const r = newResult(i, i, i);
    r.sentAt = i;
    r.doneAt = i + 1;
    r.status = i % 10 ? 200 : 503;
    r.bytes = 2;
    rec.record(r);
    parser.reset();
    parser.feed(canned);
  }
  const live = newLive({ scheduled: 2000, sent: 2000, rate: 1 });
  rec.takeWindow(2000, live);
  rec.takeInterval(2000, live);
}

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

  const noticed = new Set<string>();
  const notice = (kind: string, message?: string) => {
    if (noticed.has(kind)) return;
    noticed.add(kind);
    if (kind === "consumers") return deps.onNotice?.(message!);
    const url = config.request.url.href;
    const what = NOTICES[kind] ? `${NOTICES[kind]} ${url}` : `requests to ${url} fail: ${message}`;
    deps.onNotice?.(`${what} (counted as '${kind}' errors; the run goes on)`);
  };

  // CPU jobs: calibrated on this (idle) thread, so a job is a fixed amount of work.
  const pool: JobPool | undefined = config.workTimeMs > 0
    ? await (deps.pool ?? defaultPool)({ size: config.workers, kind: config.workKind })
    : undefined;

  const controller: Controller | undefined = config.adaptive && !closedLoop
    ? createController(config.adaptive, { target: config.rate })
    : undefined;
  let rate = controller ? controller.initialRate : config.rate;
  let lastReason: string | undefined;

  const start = now();
  let activeFrom: number | undefined;
  const recorder = new Recorder(start, { controller: controller !== undefined });
  const queue = new BoundedQueue<Result>(config.queueSize);
  const live = newLive();
  const liveNow = () => {
    live.queued = queue.size;
    live.jobsQueued = pool ? pool.pending : null;
    live.consumers = conns.length;
    live.rate = closedLoop ? 0 : rate;
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

  let pacer: Pacer | undefined;
  if (!closedLoop && !stopped) {
    pacer = (deps.pacer ?? startPacerThread)({
      rate,
      burst: config.burst,
      maxDebt: controller ? config.burst : Infinity,
      maxTicks: config.requests ?? Infinity,
      credits: config.queueSize,
      precision: config.precision ?? "auto",
      onTicks(batch) {
        if (activeFrom === undefined) {
          // The run's clock starts with the first tick, not with the pacer's start-up.
          activeFrom = batch.scheduledAt(0);
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
    pacer.done.then(
      // --requests N: the pacer ends by itself; the queue then drains and the consumers finish.
      () => {
        if (config.requests !== undefined) queue.close();
      },
      (err: Error) => {
        failure = err.message;
        stop("error");
      },
    );
  }

  // The CPU-job stage: a consumer waits only while the pool's backlog is a queue's worth.
  const jobs = new Set<Promise<void>>();
  const runJob = async (p: JobPool, r: Result) => {
    await p.whenPendingBelow(config.queueSize);
    live.jobsSubmitted++;
    live.jobsRunning++;
    const job = p.submit(config.workTimeMs, { seed: r.status ^ r.bytes }).then((o) => {
      r.job = o.ok ? "done" : o.error;
      live.jobsRunning--;
      recorder.record(r);
      jobs.delete(job);
    });
    jobs.add(job);
  };
  const finish = (r: Result): void | Promise<void> => {
    if (r.error !== undefined) {
      if (r.error !== "cancelled") notice(r.error, r.message);
      recorder.record(r);
    } else if (pool) return runJob(pool, r);
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
  const fitConsumers = (snap: IntervalSnapshot) => {
    if (closedLoop || stopped || snap.latency_ms.max === 0) return;
    if (config.maxConsumers !== undefined) {
      // The ceiling for growth: Little's law on the interval's median latency (a saturated
      // client inflates it far less than its p90), with half again as headroom, plus one batch
      // window of ticks.
      const inFlight = rate * (snap.latency_ms.p50 / 1000) * 1.5;
      const burst = rate * (BATCH_WINDOW_MS / 1000);
      consumerCeiling = Math.min(
        config.maxConsumers,
        Math.max(conns.length, Math.ceil(inFlight + burst) + 4),
      );
      return;
    }
    const needed = Math.ceil(rate * (snap.latency_ms.p90 / 1000) * 1.25) + 1;
    if (needed <= conns.length || (queue.size === 0 && live.inFlight < conns.length)) return;
    notice(
      "consumers",
      `--consumers ${conns.length} cannot reach ${Math.round(rate)}/s at ` +
        `${snap.latency_ms.p90}ms a request (p90); by Little's law about ${needed} are needed`,
    );
  };
  if (closedLoop) {
    activeFrom = start;
    armDuration(start);
  }

  // Intervals, on an absolute grid.
  const emitInterval = (t: number) => {
    let latency: Histogram | undefined;
    let corrected: Histogram | undefined;
    const keep = deps.intervalHistograms
      ? (w: Window) => {
        latency = newHistogram();
        latency.add(w.latency);
        corrected = newHistogram();
        corrected.add(w.corrected);
      }
      : undefined;
    const snap = recorder.takeInterval(t, liveNow(), keep);
    deps.onInterval?.(snap, {
      ...(lastReason ? { adaptive: lastReason } : {}),
      ...(corrected ? { latency, corrected } : {}),
    });
    fitConsumers(snap);
  };
  (async () => {
    let next = start + config.intervalMs;
    for (;;) {
      await clock.sleep(next - now(), stopping.signal);
      if (stopping.signal.aborted) return;
      emitInterval(now());
      next += config.intervalMs;
      if (next <= now()) next = now() + config.intervalMs; // stalled: no burst of intervals
    }
  })();

  // Adaptive windows: at least MIN_WINDOW_COMPLETIONS completions each.
  if (controller) {
    (async () => {
      let wait = 250;
      let windowStart = start;
      for (;;) {
        await clock.sleep(wait, stopping.signal);
        if (stopping.signal.aborted) return;
        const t = now();
        if (recorder.windowCompleted < MIN_WINDOW_COMPLETIONS && t - windowStart < MAX_WINDOW_MS) {
          wait = 50;
          continue;
        }
        const d = controller.next(recorder.takeWindow(t, liveNow()));
        windowStart = t;
        lastReason = d.reason;
        if (d.rate !== rate) {
          rate = d.rate;
          pacer?.setRate(rate);
        }
        wait = d.windowMs;
      }
    })();
  }

  // Run until stopped, or until every consumer ended (--requests reached).
  const stopSignalled = new Promise<void>((r) => {
    if (stopped) r();
    else stopping.signal.addEventListener("abort", () => r(), { once: true });
  });
  await Promise.race([stopSignalled, allDone]);
  stop("requests");
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
    if (jobs.size > 0 && !(await settlesWithin(Promise.all([...jobs]), config.timeoutMs, clock))) {
      pool?.close();
    }
  } else {
    abortAll();
    await allDone;
  }
  await Promise.all([...jobs]);
  pool?.close();
  watchdog.close();
  // What ended during the drain is one more (last) interval, so the intervals' records and
  // histograms add up to the totals exactly.
  if (recorder.intervalHasData(liveNow())) emitInterval(now());
  return {
    totals: recorder.totals(liveNow()),
    durationMs: stoppedAt - (activeFrom ?? stoppedAt),
    drainMs: now() - stoppedAt,
    finalRate: closedLoop ? 0 : rate,
    consumers: conns.length,
    adaptive: controller ? config.adaptive : false,
    stoppedBy: stopReason ?? "requests",
    ...(failure ? { error: failure } : {}),
    ...(pacerEnd ? { pacer: { ...pacerEnd, precision: config.precision ?? "auto" } } : {}),
  };
}
