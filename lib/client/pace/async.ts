/**
 * A pacer on the consumers' own thread, on an injected {@linkcode Clock}: the same
 * {@linkcode Pacer} contract as the Worker (schedule, credits for backpressure, batches through a
 * ring), with a plain sleep and no spin. It runs a whole `run` on virtual time in tests.
 *
 * @module
 */

import type { Clock } from "../../clock.ts";
import { type Pacer, type PacerEnd, type PacerOptions, TickBatch } from "./thread.ts";
import { scheduleFor } from "./stages.ts";

/**
 * Starts an in-process pacer on `clock`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ManualClock } from "../../clock.ts";
 * const clock = new ManualClock();
 * const due: number[] = [];
 * const pacer = startAsyncPacer({
 *   rate: 100,
 *   maxTicks: 3,
 *   onTicks: (b) => { for (let i = 0; i < b.count; i++) due.push(b.scheduledAt(i)); },
 * }, clock);
 * await clock.advance(100);
 * assert.deepEqual(due, [0, 10, 20]);
 * assert.equal((await pacer.done).ticks, 3);
 * ```
 */
export function startAsyncPacer(options: PacerOptions, clock: Clock): Pacer {
  const schedule = scheduleFor({
    rate: options.rate,
    burst: options.burst,
    maxDebt: options.maxDebt,
    start: options.startAt ?? clock.now(),
    stages: options.stages,
    shard: options.shard,
  });
  const started = clock.now();
  let credits = Math.max(1, options.credits ?? 65_536);
  let size = 1024;
  while (size < credits) size *= 2;
  const ring = new Float64Array(size * 2);
  const batch = new TickBatch(ring, size - 1);
  const maxBatch = Math.max(1, options.batch ?? 64);
  const maxTicks = options.maxTicks ?? Infinity;
  let stopped = false;
  let wake = new AbortController();
  let creditWaiter: (() => void) | undefined;
  const interrupt = () => {
    wake.abort();
    creditWaiter?.();
  };

  const loop = async (): Promise<PacerEnd> => {
    while (!stopped && schedule.taken < maxTicks && !schedule.done) {
      const wait = schedule.wait(clock.now());
      if (wait > 0) {
        wake = new AbortController();
        await clock.sleep(wait, wake.signal);
        continue;
      }
      if (credits <= 0) {
        await new Promise<void>((r) => creditWaiter = r);
        creditWaiter = undefined;
        continue;
      }
      // Every tick due now (up to a batch and the credits) goes in one batch.
      batch.first = schedule.taken;
      batch.count = 0;
      const at = clock.now();
      while (
        batch.count < maxBatch && credits > 0 && schedule.taken < maxTicks &&
        schedule.wait(at) === 0
      ) {
        const tick = schedule.take(at);
        const slot = 2 * (tick.seq & (size - 1));
        ring[slot] = tick.scheduledAt;
        ring[slot + 1] = at;
        credits--;
        batch.count++;
      }
      options.onTicks(batch);
    }
    return {
      ticks: schedule.taken,
      spinMs: 0,
      batchedTicks: 0,
      busyMs: 0,
      elapsedMs: clock.now() - started,
    };
  };
  const done = loop();
  return {
    setRate(rate) {
      schedule.setRate(rate, clock.now());
      interrupt();
    },
    setScale(scale) {
      schedule.setScale(scale);
      interrupt();
    },
    pause() {
      schedule.pause(clock.now());
      interrupt();
    },
    resume() {
      schedule.resume(clock.now());
      interrupt();
    },
    leadMs: 0,
    credit(n = 1) {
      credits += n;
      creditWaiter?.();
    },
    stop() {
      stopped = true;
      interrupt();
      return done;
    },
    done,
  };
}
