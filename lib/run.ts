/**
 * `run(config, events)`: wires the load pipeline and never prints.
 *
 * pacer Worker ─ticks→ bounded queue (credits = backpressure) → N consumers (one keep-alive
 * connection each) → HTTP request → CPU job on the Worker pool → recorder → interval snapshots
 * (and the adaptive controller's windows) → summary.
 *
 * With rate 0 there is no pacer: each consumer sends its next request as soon as the last ends
 * (closed loop). Stopping: {@linkcode RunHandle.stop} stops the pacer, drops what is still queued
 * (counted as not sent), lets in-flight requests and jobs finish within the timeout, then
 * summarises; {@linkcode RunHandle.kill} cancels everything at once and summarises.
 *
 * @module
 */

import {
  type Controller,
  createController,
  MAX_WINDOW_MS,
  MIN_WINDOW_COMPLETIONS,
} from "./adaptive.ts";
import { settlesWithin } from "./clock.ts";
import { calibrateCpu } from "./cpu_work.ts";
import { type HttpConnection, openConnection, type RequestSpec, Watchdog } from "./http_client.ts";
import { type PacerThread, startPacerThread } from "./pacer_thread.ts";
import { SpinCalibrator } from "./precise_wait.ts";
import { BoundedQueue } from "./queue.ts";
import { type IntervalSnapshot, Recorder, type TickRecord } from "./recorder.ts";
import { buildSummary, intervalJson, statsLine, type Summary, summaryJson } from "./reporters.ts";
import { ResponseParser } from "./http_parser.ts";
import { WorkerPool } from "./worker_pool.ts";

/** Everything a run needs; `run_command.ts` builds it from the flags. */
export interface RunConfig {
  request: RequestSpec;
  /** Target requests/s; 0 = closed loop (as fast as the consumers go). */
  rate: number;
  /** Token bucket size of the pacer (1 = uniform). */
  burst: number;
  consumers: number;
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
}

/** Callbacks; all optional. */
export interface RunEvents {
  /** Every `intervalMs`. */
  onInterval?(snapshot: IntervalSnapshot, extra: { adaptive?: string }): void;
  /** A one-line notice, the first time something goes wrong in a given way. */
  onNotice?(message: string): void;
}

/** A run in progress. */
export interface RunHandle {
  /** Graceful stop (first Ctrl-C). */
  stop(reason?: string): void;
  /** Immediate stop (second Ctrl-C): cancels in-flight work. */
  kill(reason?: string): void;
  /** Resolves with the summary. */
  done: Promise<Summary>;
}

/**
 * Most of the main thread the send spin may take: the pacer's lead is capped at this fraction of
 * the tick interval (0.25 at 1,000/s: a 250 µs lead at most, about half of it spun on average).
 */
export const SEND_SPIN_BUDGET = 0.25;

const NOTICES: Record<string, string> = {
  refused: "target unreachable: connection refused by",
  reset: "connection reset by",
  timeout: "requests time out at",
  bad_response: "malformed HTTP response from",
};

/**
 * Starts a run.
 *
 * @example
 * ```ts
 * const handle = startRun(config, { onInterval: (s) => console.log(s.api_per_s) });
 * const summary = await handle.done;
 * ```
 */
export function startRun(config: RunConfig, events: RunEvents = {}): RunHandle {
  let stopReason: string | undefined;
  let killed = false;
  let wake: () => void = () => {};
  const stopped = new Promise<void>((r) => wake = r);
  const handle: RunHandle = {
    stop(reason = "stop") {
      stopReason ??= reason;
      wake();
    },
    kill(reason = "kill") {
      stopReason ??= reason;
      killed = true;
      wake();
      killNow();
    },
    done: undefined as unknown as Promise<Summary>,
  };
  let killNow: () => void = () => {};
  handle.done = execute(config, events, {
    stopped,
    isKilled: () => killed,
    stopReason: () => stopReason ?? "end",
    setKill: (f) => killNow = f,
    requestStop: (r) => handle.stop(r),
  });
  return handle;
}

interface Control {
  stopped: Promise<void>;
  isKilled(): boolean;
  stopReason(): string;
  setKill(f: () => void): void;
  requestStop(reason: string): void;
}

/**
 * Runs the per-request and per-interval code on throwaway data before the first tick, so the JIT
 * compiles it then and not while the first ticks wait (measured: the first interval's report
 * stalled the main thread ~6 ms, a burst of late writes).
 */
function warmUp(): void {
  const r = new Recorder(0);
  const parser = new ResponseParser();
  const canned = new TextEncoder().encode("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  for (let i = 0; i < 2000; i++) {
    const t = { seq: i, scheduledAt: i, releasedAt: i };
    r.tick(t);
    r.sending();
    r.result(t, { status: i % 10 ? 200 : 503, bytes: 2, sentAt: i, doneAt: i + 1 });
    r.doneWithoutJob();
    parser.reset();
    parser.feed(canned);
  }
  r.takeWindow(2000, { rate: 1, queue: 0 });
  const snap = r.takeInterval(2000, { queue: 0, rate: 1 });
  statsLine(snap);
  intervalJson(snap);
  summaryJson(
    buildSummary(r.totals(), {
      url: "",
      durationMs: 1,
      drainMs: 0,
      targetRate: 1,
      finalRate: 1,
      adaptive: false,
      stoppedBy: "",
    }),
  );
}

async function execute(config: RunConfig, events: RunEvents, ctl: Control): Promise<Summary> {
  const now = () => performance.now();
  const noticed = new Set<string>();
  const notice = (kind: string, message?: string) => {
    if (noticed.has(kind)) return;
    noticed.add(kind);
    const url = config.request.url.href;
    const what = NOTICES[kind] ? `${NOTICES[kind]} ${url}` : `requests to ${url} fail: ${message}`;
    events.onNotice?.(`${what} (counted as '${kind}' errors; the run goes on)`);
  };

  // CPU jobs: calibrated on this (idle) thread, so a job is a fixed amount of work.
  const pool = config.workTimeMs > 0
    ? await WorkerPool.create({
      size: config.workers,
      kind: config.workKind,
      itersPerMs: config.workKind === "cpu" ? calibrateCpu() : 0,
    })
    : undefined;

  const controller: Controller | undefined = config.adaptive && config.rate > 0
    ? createController(config.adaptive, { target: config.rate })
    : undefined;
  let rate = controller ? controller.initialRate : config.rate;
  let lastReason: string | undefined;

  const start = now();
  let activeFrom: number | undefined;
  const recorder = new Recorder(start, { windows: controller !== undefined });
  const queue = new BoundedQueue<TickRecord>(config.queueSize);
  const conns: HttpConnection[] = [];
  const watchdog = new Watchdog(Math.min(50, Math.max(5, config.timeoutMs / 10)), now);
  const closedLoop = config.rate === 0;
  let pacer: PacerThread | undefined;
  let closedLoopSeq = 0;

  // Connections are opened before the first tick, so the first sends are not late by a connect.
  for (let i = 0; i < config.consumers; i++) {
    conns.push(openConnection(config.request, {
      engine: config.engine,
      timeoutMs: config.timeoutMs,
      now,
      watchdog,
    }));
  }
  await settlesWithin(Promise.all(conns.map((c) => c.connect())), config.timeoutMs);
  warmUp();

  // The hand-off from the pacer Worker takes tens to hundreds of µs: measure it, and have the
  // pacer release each tick that much early (the consumer spins the rest, within a budget).
  const handoff = new SpinCalibrator({ quantile: 0.95, initialMs: 0.1, minMs: 0, maxMs: 1 });
  let lead = 0;
  if (!closedLoop) {
    pacer = startPacerThread({
      rate,
      burst: config.burst,
      maxDebt: controller ? config.burst : Infinity,
      maxTicks: config.requests ?? Infinity,
      credits: config.queueSize,
      onTicks(batch) {
        if (activeFrom === undefined) {
          // The run's clock starts with the first tick, not with the pacer Worker's start-up.
          activeFrom = batch.scheduledAt(0);
          armDuration(activeFrom);
        }
        const receipt = now();
        for (let i = 0; i < batch.count; i++) {
          const t = {
            seq: batch.first + i,
            scheduledAt: batch.scheduledAt(i),
            releasedAt: batch.releasedAt(i),
          };
          handoff.observe(receipt - (t.releasedAt - lead));
          recorder.tick(t);
          if (!queue.push(t)) recorder.notSent(queue.closed ? "stopped" : "queue_full");
        }
        const next = Math.min(handoff.thresholdMs(), (1000 * SEND_SPIN_BUDGET) / rate);
        if (Math.abs(next - lead) > 0.005) {
          lead = next;
          pacer!.setLead(lead);
        }
      },
    });
    // --requests N: the pacer ends by itself; the queue then drains and the consumers finish.
    pacer.done.then(() => {
      if (config.requests !== undefined) queue.close();
    });
  }

  // Jobs in flight, so the stop can wait for them.
  const jobs = new Set<Promise<unknown>>();
  const submitJob = async (pool: WorkerPool, status: number, bytes: number) => {
    // Backpressure: a consumer waits while the pool's backlog is a queue's worth.
    await pool.whenPendingBelow(config.queueSize);
    recorder.jobSubmitted();
    const p = pool.submit(config.workTimeMs, { seed: status ^ bytes }).then((o) => {
      recorder.jobEnded(o);
      jobs.delete(p);
    });
    jobs.add(p);
  };

  const consumer = async (index: number) => {
    const conn = conns[index];
    for (;;) {
      let tick: TickRecord | undefined;
      if (closedLoop) {
        if (stopping || (config.requests !== undefined && closedLoopSeq >= config.requests)) break;
        const t = now();
        tick = { seq: closedLoopSeq++, scheduledAt: t, releasedAt: t };
        recorder.tick(tick);
      } else {
        tick = await queue.take();
        if (!tick) break;
        pacer!.credit(1);
        // Released early by the lead: spin the rest, so the write lands on the slot.
        const due = tick.scheduledAt;
        if (due - now() <= lead + 0.05) { while (now() < due) { /* spin */ } }
      }
      recorder.sending();
      const res = await conn.send();
      recorder.result(tick, res);
      if (res.error && res.error !== "cancelled") {
        notice(res.error, res.message);
      }
      if (!res.error) {
        // Only a CPU job is awaited: without one the hot path makes no extra promise.
        if (pool) await submitJob(pool, res.status, res.bytes);
        else recorder.doneWithoutJob();
      }
      if (ctl.isKilled()) break;
    }
    conn.close();
  };

  let stopping = false;
  let durationTimer: ReturnType<typeof setTimeout> | undefined;
  function armDuration(from: number) {
    if (config.durationMs === undefined) return;
    const left = Math.max(0, config.durationMs - (now() - from));
    durationTimer = setTimeout(() => ctl.requestStop("duration"), left);
  }
  const consumers = Array.from({ length: config.consumers }, (_, i) => consumer(i));

  // Intervals.
  const interval = setInterval(() => {
    const snap = recorder.takeInterval(now(), { queue: queue.size, rate: closedLoop ? 0 : rate });
    events.onInterval?.(snap, lastReason ? { adaptive: lastReason } : {});
  }, config.intervalMs);

  // Adaptive windows: at least MIN_WINDOW_COMPLETIONS completions each.
  let windowTimer: ReturnType<typeof setTimeout> | undefined;
  const windowStart = { at: start };
  const scheduleWindow = (ms: number) => {
    windowTimer = setTimeout(() => {
      const t = now();
      if (recorder.windowCompleted < MIN_WINDOW_COMPLETIONS && t - windowStart.at < MAX_WINDOW_MS) {
        return scheduleWindow(50);
      }
      const stats = recorder.takeWindow(t, { rate, queue: queue.size });
      windowStart.at = t;
      const d = controller!.next(stats);
      lastReason = d.reason;
      if (d.rate !== rate) {
        rate = d.rate;
        pacer?.setRate(rate);
      }
      scheduleWindow(d.windowMs);
    }, ms);
  };
  if (controller) scheduleWindow(250);

  if (closedLoop) {
    activeFrom = start;
    armDuration(start);
  }

  const abortAll = () => {
    for (const c of conns) c?.abort();
    pool?.close();
    queue.close();
    recorder.notSent("stopped", queue.drain().length);
  };
  ctl.setKill(abortAll);

  // Run until stopped, or until every consumer ended (--requests reached).
  const allDone = Promise.all(consumers);
  const stoppedBy = await Promise.race([
    ctl.stopped.then(() => ctl.stopReason()),
    allDone.then(() => "requests"),
  ]);
  stopping = true;
  const stoppedAt = now();
  clearInterval(interval);
  // The last, partial interval, so the intervals add up to the totals.
  if (recorder.sinceInterval(stoppedAt) >= config.intervalMs * 0.1) {
    const snap = recorder.takeInterval(stoppedAt, {
      queue: queue.size,
      rate: closedLoop ? 0 : rate,
    });
    events.onInterval?.(snap, lastReason ? { adaptive: lastReason } : {});
  }
  clearTimeout(windowTimer);
  clearTimeout(durationTimer);

  // Stop the pacer; every tick it released has been delivered once it reports done.
  if (pacer) await pacer.stop();
  queue.close();
  recorder.notSent("stopped", queue.drain().length);
  if (!ctl.isKilled()) {
    // In-flight requests finish within the timeout, then whatever is left is cancelled.
    if (!(await settlesWithin(allDone, config.timeoutMs + 200))) abortAll();
    await allDone;
    // Jobs not started are dropped; running ones may finish within the timeout.
    pool?.cancelPending();
    if (jobs.size > 0 && !(await settlesWithin(Promise.all([...jobs]), config.timeoutMs))) {
      pool?.close();
    }
  } else {
    abortAll();
    await allDone;
  }
  await Promise.all([...jobs]);
  pool?.close();
  watchdog.close();
  return buildSummary(recorder.totals(), {
    url: config.request.url.href,
    durationMs: stoppedAt - (activeFrom ?? stoppedAt),
    drainMs: now() - stoppedAt,
    targetRate: config.rate,
    finalRate: closedLoop ? 0 : rate,
    adaptive: controller ? config.adaptive : false,
    stoppedBy,
  });
}
