/**
 * The main thread's handle on the pacer Worker (`workers/pacer.ts`, whose loop is
 * `pacer_loop.ts`), and the protocol between them. The Worker owns the clock
 * and the busy-wait, so the spin never blocks the event loop that carries the HTTP I/O; it hands
 * ticks over: their times in a shared ring, and a counter this thread waits on. Control flows the
 * other way through a small SharedArrayBuffer: the rate, the lead, a stop flag, and the credits of
 * the bounded queue (backpressure: with no credit the Worker blocks, and the wait shows as
 * lateness). Credits also bound the ring: no more than `credits` ticks are ever unread.
 *
 * @module
 */

import {
  BATCH_WINDOW_MS,
  CONTROL,
  MAX_SEND_SPIN_MS,
  type PacerIn,
  type PacerOut,
  type Precision,
  SEND_SPIN_BUDGET,
} from "./protocol.ts";
import { SpinCalibrator } from "./precise_wait.ts";
import type { Shard, Stage } from "./stages.ts";

export type { Precision };

/** How a pacer ended. */
export interface PacerEnd {
  /** Ticks released. */
  ticks: number;
  /** The spin threshold at the end, ms. */
  spinMs: number;
  /** Ticks released in batches, without a spin. */
  batchedTicks: number;
  /** The pacer's own CPU (time not blocked), and its whole life, ms. */
  busyMs: number;
  elapsedMs: number;
}

/** Options of a pacer ({@linkcode startPacerThread}, or the in-process `startAsyncPacer`). */
export interface PacerOptions {
  rate: number;
  burst?: number;
  maxDebt?: number;
  maxTicks?: number;
  /** Initial credits: the bounded queue's capacity (default 65,536); return them with credit(). */
  credits?: number;
  /** Fixed spin threshold in ms (default: self-calibrating). */
  spinMs?: number;
  /** How it waits (default `auto`). */
  precision?: Precision;
  /** Shortest time between two batch wake-ups, ms (default `BATCH_WINDOW_MS`). */
  batchWindowMs?: number;
  /** Most ticks published at once when behind (default 64). */
  batch?: number;
  /** Receives each batch of ticks; read them during the call (the ring is reused). */
  onTicks: (batch: TickBatch) => void;
  /** A rate plan (`--stages`) instead of the constant `rate`; the pacer ends with it. */
  stages?: Stage[];
  /** This pacer's share of a sharded schedule (`rate` is the share). */
  shard?: Shard;
  /** When the schedule starts, on the run's clock (default: at once). */
  startAt?: number;
}

/**
 * A batch of released ticks, read from the shared ring. Times are in this thread's
 * `performance.now()`; `releasedAt` is the release time plus the lead in force (what the
 * schedule saw). One object, reused for every batch.
 */
export class TickBatch {
  first = 0;
  count = 0;
  #ring: Float64Array;
  #mask: number;
  constructor(ring: Float64Array, mask: number) {
    this.#ring = ring;
    this.#mask = mask;
  }
  /** Scheduled time of the batch's `i`-th tick. */
  scheduledAt(i: number): number {
    return this.#ring[2 * ((this.first + i) & this.#mask)]!;
  }
  /** Release time of the batch's `i`-th tick. */
  releasedAt(i: number): number {
    return this.#ring[2 * ((this.first + i) & this.#mask) + 1]!;
  }
}

/** A running pacer, as the run drives it. */
export interface Pacer {
  /** Changes the rate (re-anchored at the pacer's next step). */
  setRate(rate: number): void;
  /** Scales a rate plan (`stages`) from the next tick on. */
  setScale(scale: number): void;
  /** Stops releasing ticks (a plan's clock stops too) until `resume()`. */
  pause(): void;
  resume(): void;
  /**
   * How early ticks are released ahead of their scheduled time (ms): the consumer spins the rest
   * so the write lands on the slot. 0 for a pacer on the consumers' own thread.
   */
  readonly leadMs: number;
  /** Returns `n` credits (queue slots freed). */
  credit(n?: number): void;
  /** Stops the pacer; resolves with the ticks it released and its final spin threshold. */
  stop(): Promise<PacerEnd>;
  /**
   * Resolves when the pacer ends by itself (`maxTicks`) or after `stop()`; rejects if it crashed
   * (a Worker error), which the run reports.
   */
  done: Promise<PacerEnd>;
}

/** Starts a pacer; what the run is given (the Worker by default). */
export type PacerFactory = (options: PacerOptions) => Pacer;

/**
 * Starts the pacer Worker (`workers/pacer.ts`). Its hand-off to this thread takes tens to
 * hundreds of µs: the handle measures it on every batch and has the Worker release each tick
 * that much early (at most {@linkcode SEND_SPIN_BUDGET} of the interval); the consumer spins the
 * rest.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * let seen = 0;
 * const pacer = startPacerThread({ rate: 1000, maxTicks: 5, onTicks: (b) => seen += b.count });
 * const end = await pacer.done;
 * assert.equal(end.ticks, 5);
 * assert.equal(seen, 5);
 * ```
 */
export const startPacerThread: PacerFactory = (options) => {
  const control = new SharedArrayBuffer(CONTROL.BYTES);
  const i32 = new Int32Array(control, 0, CONTROL.INT32_SLOTS);
  const rate = new Float64Array(control, CONTROL.RATE_OFFSET, 1);
  const scale = new Float64Array(control, CONTROL.SCALE_OFFSET, 1);
  scale[0] = 1;
  const leadCell = new Float64Array(control, CONTROL.LEAD_OFFSET, 1);
  const credits = Math.max(1, Math.min(options.credits ?? 65_536, 2 ** 24));
  i32[CONTROL.CREDITS] = credits;
  let size = 1024;
  while (size < credits) size *= 2;
  const ring = new SharedArrayBuffer(size * 16);
  const batch = new TickBatch(new Float64Array(ring), size - 1);
  rate[0] = options.rate;
  const worker = new Worker(new URL("../../../workers/pacer.ts", import.meta.url), {
    type: "module",
  });
  let resolveDone!: (v: PacerEnd) => void;
  let rejectDone!: (err: Error) => void;
  const done = new Promise<PacerEnd>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  // The hand-off lead: measured per tick, applied when it moves by more than 5 µs.
  const handoff = new SpinCalibrator({
    quantile: 0.95,
    initialMs: 0.1,
    minMs: 0,
    maxMs: MAX_SEND_SPIN_MS,
  });
  let lead = 0;
  let currentRate = options.rate;
  const onTicks = (b: TickBatch) => {
    // Batched ticks are not early: no lead, nothing to calibrate.
    const batching = Atomics.load(i32, CONTROL.BATCHING) === 1;
    if (!batching) {
      const receipt = performance.now();
      for (let i = 0; i < b.count; i++) handoff.observe(receipt - (b.releasedAt(i) - lead));
    }
    options.onTicks(b);
    const next = batching
      ? 0
      : Math.min(handoff.thresholdMs(), (1000 * SEND_SPIN_BUDGET) / currentRate);
    if (Math.abs(next - lead) > 0.005) {
      lead = next;
      leadCell[0] = lead;
    }
  };
  // Ticks arrive through the ring; the Worker bumps PUBLISHED and notifies, and this thread
  // waits on it with Atomics.waitAsync (cheaper per wake than a message; BENCHMARKS.md).
  let seen = 0;
  let finished = false;
  const pump = () => {
    const published = Atomics.load(i32, CONTROL.PUBLISHED);
    const count = (published - seen) | 0;
    if (count > 0) {
      batch.first = seen;
      batch.count = count;
      seen += count;
      onTicks(batch);
    }
    if (finished) return;
    const w = Atomics.waitAsync(i32, CONTROL.PUBLISHED, published);
    if (w.async) w.value.then(pump);
    else queueMicrotask(pump);
  };
  pump();
  worker.onmessage = (e: MessageEvent<PacerOut>) => {
    const m = e.data;
    finished = true;
    pump(); // the last ticks, published before the Worker said it is done
    worker.terminate();
    const { ticks, spinMs, batchedTicks, busyMs, elapsedMs } = m;
    resolveDone({ ticks, spinMs, batchedTicks, busyMs, elapsedMs });
  };
  worker.onerror = (e) => {
    e.preventDefault();
    finished = true;
    pump(); // what it released before it crashed
    worker.terminate();
    rejectDone(new Error(`the pacer Worker crashed: ${e.message}`));
  };
  worker.postMessage(
    {
      type: "start",
      control,
      ring,
      mask: size - 1,
      timeOrigin: performance.timeOrigin,
      rate: options.rate,
      burst: options.burst ?? 1,
      maxDebt: options.maxDebt ?? Infinity,
      maxTicks: options.maxTicks ?? Infinity,
      spinMs: options.spinMs,
      precision: options.precision ?? "auto",
      batchWindowMs: options.batchWindowMs ?? BATCH_WINDOW_MS,
      batch: options.batch ?? 64,
      stages: options.stages,
      shard: options.shard,
      startAt: options.startAt,
    } satisfies PacerIn,
  );
  const wake = () => {
    Atomics.add(i32, CONTROL.WAKE, 1);
    Atomics.notify(i32, CONTROL.WAKE);
  };
  return {
    setRate(r) {
      rate[0] = r;
      currentRate = r;
      Atomics.add(i32, CONTROL.RATE_VERSION, 1);
      wake();
    },
    setScale(s) {
      scale[0] = s;
      Atomics.add(i32, CONTROL.RATE_VERSION, 1);
      wake();
    },
    pause() {
      Atomics.store(i32, CONTROL.PAUSED, 1);
      wake();
    },
    resume() {
      Atomics.store(i32, CONTROL.PAUSED, 0);
      wake();
    },
    get leadMs() {
      return lead;
    },
    credit(n = 1) {
      if (Atomics.add(i32, CONTROL.CREDITS, n) <= 0) Atomics.notify(i32, CONTROL.CREDITS);
    },
    stop() {
      Atomics.store(i32, CONTROL.STOP, 1);
      wake();
      Atomics.add(i32, CONTROL.CREDITS, 1);
      Atomics.notify(i32, CONTROL.CREDITS);
      return done;
    },
    done,
  };
};
