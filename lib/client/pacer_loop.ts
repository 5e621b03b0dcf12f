/**
 * The pacer Worker's loop (run by the thin entry `workers/pacer.ts`): a synchronous loop that
 * owns the clock. It sleeps with `Atomics.wait` until shortly before each tick, busy-waits the
 * rest (threshold self-calibrated from the observed overshoot), takes a queue credit
 * (backpressure: without one it waits), and writes the tick's scheduled and release times, in
 * the main thread's time frame, into the shared ring; then it bumps the published counter the
 * main thread waits on. The protocol is {@linkcode PacerIn} / {@linkcode PacerOut}.
 *
 * @module
 */

import { CONTROL, type PacerIn, type PacerOut } from "./pacer_thread.ts";
import { preciseWaitSync, SpinCalibrator } from "./precise_wait.ts";
import { Schedule } from "./schedule.ts";

/**
 * Runs the pacer until it is stopped or has released `maxTicks`; returns the `done` message.
 * Blocks its thread: call it only in a Worker.
 */
export function runPacerLoop(msg: PacerIn): PacerOut {
  const i32 = new Int32Array(msg.control, 0, 6);
  const rateCell = new Float64Array(msg.control, CONTROL.RATE_OFFSET, 1);
  const leadCell = new Float64Array(msg.control, CONTROL.LEAD_OFFSET, 1);
  // Times are reported in the main thread's performance.now() frame.
  const offset = performance.timeOrigin - msg.timeOrigin;
  const now = () => performance.now() + offset;
  const calibrator = new SpinCalibrator(
    msg.spinMs === undefined ? {} : { initialMs: msg.spinMs, minMs: msg.spinMs, maxMs: msg.spinMs },
  );
  const schedule = new Schedule({
    rate: msg.rate,
    burst: msg.burst,
    maxDebt: msg.maxDebt,
    start: now(),
  });
  let wakeSeen = Atomics.load(i32, CONTROL.WAKE);
  let rateVersion = Atomics.load(i32, CONTROL.RATE_VERSION);
  const deps = {
    now,
    sleep(ms: number): boolean {
      const r = Atomics.wait(i32, CONTROL.WAKE, wakeSeen, ms);
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

  while (Atomics.load(i32, CONTROL.STOP) === 0 && schedule.taken < msg.maxTicks) {
    // The schedule runs `lead` ms ahead of the clock: ticks go out that much early, so they
    // reach the main thread in time (see Pacer.leadMs).
    const lead = leadCell[0];
    const version = Atomics.load(i32, CONTROL.RATE_VERSION);
    if (version !== rateVersion) {
      rateVersion = version;
      schedule.setRate(rateCell[0], now() + lead);
    }
    const t = now();
    const wait = schedule.wait(t + lead);
    if (wait > 0) {
      flush();
      wakeSeen = Atomics.load(i32, CONTROL.WAKE);
      if (!preciseWaitSync(t + wait, deps, calibrator)) continue; // woken: re-plan
    }
    // The release time is read first: the atomics below cost microseconds after a long sleep.
    let at = now() + lead;
    if (Atomics.sub(i32, CONTROL.CREDITS, 1) <= 0) {
      // No queue space (backpressure): wait for a credit; the tick is released when it comes.
      flush();
      while (Atomics.load(i32, CONTROL.CREDITS) < 0 && Atomics.load(i32, CONTROL.STOP) === 0) {
        Atomics.wait(i32, CONTROL.CREDITS, Atomics.load(i32, CONTROL.CREDITS), 50);
      }
      if (Atomics.load(i32, CONTROL.STOP) !== 0) break;
      at = now() + lead;
    }
    const tick = schedule.take(at);
    if (n === 0) firstSeq = tick.seq;
    const slot = 2 * (tick.seq & mask);
    ring[slot] = tick.scheduledAt;
    ring[slot + 1] = at;
    n++;
    // Flush at once unless the next tick is already due (then batch while behind).
    if (n === batch || schedule.wait(now() + lead) > 0) flush();
  }
  flush();
  return { type: "done", ticks: schedule.taken, spinMs: calibrator.thresholdMs() };
}
