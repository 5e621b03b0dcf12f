/**
 * The pacer Worker's loop (run by the thin entry `workers/pacer.ts`): a synchronous loop that
 * owns the clock and releases ticks into a shared ring, in the main thread's time frame, then
 * bumps the published counter the main thread waits on. Each tick takes a queue credit
 * (backpressure: without one it waits). The protocol is {@linkcode PacerIn} /
 * {@linkcode PacerOut}. How it waits ({@linkcode Precision}):
 *
 * - per tick, with a spin: `Atomics.wait` until shortly before the tick, then a
 *   `performance.now()` busy-wait to the slot. `strict` leaves the spin the 99th percentile of the
 *   observed wake-up overshoot plus 40 µs (every wake-up lands before the slot); `auto` the median
 *   plus 10 µs (most do; the others are late by the overshoot's spread, tens of µs), a fraction of
 *   the spin.
 * - in batches, without a spin: sleep until the next tick is due, but at most one wake-up per
 *   {@linkcode BATCH_WINDOW_MS}, and release every tick due by then at once, each with its exact
 *   scheduled time (so latency stays corrected and lateness honest). `coarse` always does this;
 *   `auto` does it above the rate where spinning per tick would take more than
 *   {@linkcode SPIN_BUDGET} of a core (about 1,000 to 1,500/s here).
 *
 * @module
 */

import { CONTROL, type PacerIn, type PacerOut } from "./protocol.ts";
import { preciseWaitSync, SpinCalibrator } from "./precise_wait.ts";
import { scheduleFor } from "./stages.ts";

/** Most of a core `auto` lets per-tick spinning take before it batches. */
export const SPIN_BUDGET = 0.1;

/**
 * Whether `auto` batches at `rate`/s when each tick's spin is `spinMs`: it does when spinning
 * every tick would take more than {@linkcode SPIN_BUDGET} of a core.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(autoBatches(1000, 0.08), false); // 8% of a core
 * assert.equal(autoBatches(5000, 0.08), true); // 40%
 * ```
 */
export function autoBatches(rate: number, spinMs: number): boolean {
  return (rate * spinMs) / 1000 > SPIN_BUDGET;
}

/**
 * Runs the pacer until it is stopped or has released `maxTicks`; returns the `done` message.
 * Blocks its thread: call it only in a Worker.
 */
export function runPacerLoop(msg: PacerIn): PacerOut {
  const i32 = new Int32Array(msg.control, 0, CONTROL.INT32_SLOTS);
  const rateCell = new Float64Array(msg.control, CONTROL.RATE_OFFSET, 1);
  const scaleCell = new Float64Array(msg.control, CONTROL.SCALE_OFFSET, 1);
  const leadCell = new Float64Array(msg.control, CONTROL.LEAD_OFFSET, 1);
  // Times are reported in the main thread's performance.now() frame.
  const offset = performance.timeOrigin - msg.timeOrigin;
  const now = () => performance.now() + offset;
  const fixed = msg.spinMs;
  const calibrator = new SpinCalibrator(
    fixed !== undefined
      ? { initialMs: fixed, minMs: fixed, maxMs: fixed }
      : msg.precision === "strict"
      ? {}
      : { quantile: 0.5, marginMs: 0.01, initialMs: 0.08 },
  );
  const loopStart = now();
  const started = msg.startAt ?? loopStart;
  const schedule = scheduleFor({
    rate: msg.rate,
    burst: msg.burst,
    maxDebt: msg.maxDebt,
    start: started,
    stages: msg.stages,
    shard: msg.shard,
  });
  let paused = false;
  let wakeSeen = Atomics.load(i32, CONTROL.WAKE);
  let rateVersion = Atomics.load(i32, CONTROL.RATE_VERSION);
  // Time spent blocked in Atomics.wait: the rest of the loop's life is its CPU.
  let blockedMs = 0;
  const block = (ms: number, index: number, value: number): string => {
    const t0 = performance.now();
    const r = Atomics.wait(i32, index, value, ms);
    blockedMs += performance.now() - t0;
    return r;
  };
  const deps = {
    now,
    sleep(ms: number): boolean {
      const r = block(ms, CONTROL.WAKE, wakeSeen);
      return r === "not-equal" || r === "ok";
    },
  };
  const batch = Math.max(1, msg.batch);
  const ring = new Float64Array(msg.ring);
  const mask = msg.mask;
  let n = 0;
  let firstSeq = 0;
  // Publishes the ticks written to the ring: the main thread waits on the counter.
  const flush = () => {
    if (n === 0) return;
    Atomics.store(i32, CONTROL.PUBLISHED, (firstSeq + n) | 0);
    Atomics.notify(i32, CONTROL.PUBLISHED);
    n = 0;
  };
  const batching = () =>
    msg.precision === "coarse" ||
    (msg.precision === "auto" && autoBatches(schedule.rate, calibrator.thresholdMs()));
  let batched = batching();
  Atomics.store(i32, CONTROL.BATCHING, batched ? 1 : 0);
  let batchedTicks = 0;
  let lastWake = -Infinity;

  while (
    Atomics.load(i32, CONTROL.STOP) === 0 && schedule.taken < msg.maxTicks && !schedule.done
  ) {
    if ((Atomics.load(i32, CONTROL.PAUSED) === 1) !== paused) {
      paused = !paused;
      if (paused) schedule.pause(now());
      else schedule.resume(now());
    }
    // The schedule runs `lead` ms ahead of the clock: ticks go out that much early, so they
    // reach the main thread in time (see Pacer.leadMs; 0 while batching).
    const lead = batched ? 0 : leadCell[0]!;
    const version = Atomics.load(i32, CONTROL.RATE_VERSION);
    if (version !== rateVersion) {
      rateVersion = version;
      schedule.setRate(rateCell[0]!, now() + lead);
      schedule.setScale(scaleCell[0]!);
      batched = batching();
      Atomics.store(i32, CONTROL.BATCHING, batched ? 1 : 0);
    }
    const t = now();
    let wait = schedule.wait(t + lead);
    if (batched) {
      // Nothing due: sleep to the next tick, but wake at most once per window; no spin. What is
      // due at the wake-up goes out at once.
      if (wait > 0) {
        wait = Math.max(wait, lastWake + msg.batchWindowMs - t);
        flush();
        wakeSeen = Atomics.load(i32, CONTROL.WAKE);
        if (!deps.sleep(wait)) lastWake = now();
        // A rate plan may slow down: see whether spinning is cheap again.
        if (msg.precision === "auto" && msg.stages && !batching()) {
          batched = false;
          Atomics.store(i32, CONTROL.BATCHING, 0);
        }
        continue;
      }
    } else if (wait > 0) {
      flush();
      wakeSeen = Atomics.load(i32, CONTROL.WAKE);
      if (!preciseWaitSync(t + wait, deps, calibrator)) continue; // woken: re-plan
      // Every 64 ticks, see whether the calibrated spin still fits auto's budget.
      if (msg.precision === "auto" && (schedule.taken & 63) === 0 && batching()) {
        batched = true;
        Atomics.store(i32, CONTROL.BATCHING, 1);
      }
    }
    // The release time is read first: the atomics below cost microseconds after a long sleep.
    let at = now() + lead;
    if (Atomics.sub(i32, CONTROL.CREDITS, 1) <= 0) {
      // No queue space (backpressure): wait for a credit; the tick is released when it comes.
      flush();
      while (Atomics.load(i32, CONTROL.CREDITS) < 0 && Atomics.load(i32, CONTROL.STOP) === 0) {
        block(50, CONTROL.CREDITS, Atomics.load(i32, CONTROL.CREDITS));
      }
      if (Atomics.load(i32, CONTROL.STOP) !== 0) break;
      at = now() + lead;
    }
    const tick = schedule.take(at);
    if (batched) batchedTicks++;
    if (n === 0) firstSeq = tick.seq;
    const slot = 2 * (tick.seq & mask);
    ring[slot] = tick.scheduledAt;
    ring[slot + 1] = at;
    n++;
    // Flush at once unless the next tick is already due (then batch while behind).
    if (n === batch || schedule.wait(now() + lead) > 0) flush();
  }
  flush();
  const elapsedMs = now() - loopStart;
  return {
    type: "done",
    ticks: schedule.taken,
    spinMs: calibrator.thresholdMs(),
    batchedTicks,
    busyMs: Math.max(0, elapsedMs - blockedMs),
    elapsedMs,
  };
}
