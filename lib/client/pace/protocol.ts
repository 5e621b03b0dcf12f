/**
 * The pacer Worker's protocol: the start message ({@linkcode PacerIn}), the done message
 * ({@linkcode PacerOut}), the shared control block's layout ({@linkcode CONTROL}), and the
 * constants both sides pace by. Driven by `pacer_thread.ts`; run by `pacer_loop.ts`.
 *
 * @module
 */

import type { Shard, Stage } from "./stages.ts";

/**
 * How the pacer waits for a tick: `strict` sleeps, then spins to each tick's slot (microsecond
 * precision, a core's worth of spinning at high rates); `coarse` never spins and releases what is
 * due in batches, at most one wake-up per batch window; `auto` spins while that costs little and
 * batches above the rate where it would not.
 */
export type Precision = "auto" | "strict" | "coarse";

/** Main → pacer Worker. */
export type PacerIn = {
  type: "start";
  /** Control block: see {@linkcode CONTROL}. */
  control: SharedArrayBuffer;
  /** Tick ring: Float64 pairs (scheduled, released) at `2 * (seq & mask)`. */
  ring: SharedArrayBuffer;
  mask: number;
  /** Main thread's `performance.timeOrigin`, to report times in its frame. */
  timeOrigin: number;
  rate: number;
  burst: number;
  /** Missed slots kept as debt before the schedule re-anchors (Infinity = catch up fully). */
  maxDebt: number;
  /** Stop after this many ticks (Infinity = until stopped). */
  maxTicks: number;
  /** Spin threshold override in ms (undefined = self-calibrating). */
  spinMs?: number;
  precision: Precision;
  /** Shortest time between two batch wake-ups, ms. */
  batchWindowMs: number;
  /** Ticks published at once at most (batching when behind). */
  batch: number;
  /** A rate plan (`--stages`) instead of the constant `rate`. */
  stages?: Stage[];
  /** This pacer's share of a sharded schedule. */
  shard?: Shard;
  /** When the schedule starts (the main thread's `performance.now()`; default: at once). */
  startAt?: number;
};

/** Pacer Worker → main (ticks go through the ring and its PUBLISHED counter). */
export type PacerOut = {
  type: "done";
  ticks: number;
  spinMs: number;
  /** Ticks released in batches (no spin). */
  batchedTicks: number;
  /** The loop's time not blocked in `Atomics.wait` (its CPU), and its whole life, ms. */
  busyMs: number;
  elapsedMs: number;
};

/** Layout of the control block (Int32 slots, then Float64 cells). */
export const CONTROL = {
  STOP: 0,
  WAKE: 1,
  CREDITS: 2,
  /** Bumped when the rate or the plan's scale changes. */
  RATE_VERSION: 3,
  /** Ticks published to the ring so far (low 32 bits). */
  PUBLISHED: 4,
  /** 1 while the Worker releases ticks in batches (then the lead is 0). */
  BATCHING: 5,
  /** 1 while paused (no ticks; a plan's clock stops). */
  PAUSED: 6,
  INT32_SLOTS: 8,
  BYTES: 56,
  RATE_OFFSET: 32,
  LEAD_OFFSET: 40,
  /** The scale on a rate plan (`--stages`). */
  SCALE_OFFSET: 48,
} as const;

/**
 * Most of the main thread the send spin may take: the pacer's lead is capped at this fraction of
 * the tick interval (0.25 at 1,000/s: a 250 µs lead at most, about half of it spun on average).
 */
export const SEND_SPIN_BUDGET = 0.25;

/**
 * Shortest time between two batch wake-ups, ms: at most 1,250 wake-ups a second. Each wake-up
 * costs both threads about 40 µs of CPU here (the Worker's futex wait and notify, the main
 * thread's event-loop turn): at 0.5 ms, 10,000/s took 1.67 CPU-s in 8 s, at 0.8 ms 1.32, at 1 ms
 * 1.20; the send lateness p99 grows with the window (621, 889, 1,085 µs), and the goal is 1 ms.
 */
export const BATCH_WINDOW_MS = 0.8;

/**
 * The longest the main thread spins before a send, ms: it serves every connection's I/O, so a
 * response that arrives during a spin waits at most this long (the hand-off's 95th percentile is
 * 30 to 100 µs here; 200 µs covers it with room, and is under the 250 µs lateness goal).
 */
export const MAX_SEND_SPIN_MS = 0.2;
