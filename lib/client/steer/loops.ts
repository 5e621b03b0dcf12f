/**
 * The run's timers, on its clock: the intervals on an absolute grid, the adaptive controller's
 * windows (at least {@linkcode MIN_WINDOW_COMPLETIONS} completions each; none judged while
 * paused), and, when a `--stages` plan is a controller's ceiling, the plan followed every 100 ms
 * until it ends. Each ends when the run's stop signal aborts.
 *
 * @module
 */

import type { Clock } from "../../clock.ts";
import { type Controller, MAX_WINDOW_MS, MIN_WINDOW_COMPLETIONS } from "./controller.ts";
import type { Steering } from "./control.ts";
import type { Live, Recorder } from "../record/mod.ts";

/** What the loops drive. */
export interface LoopsOptions {
  clock: Clock;
  signal: AbortSignal;
  start: number;
  intervalMs: number;
  /** Closes an interval at the given time. */
  emitInterval: (t: number) => void;
  controller?: Controller;
  recorder: Recorder;
  steering: Steering;
  live: () => Live;
  /** The controller's last decision's reason. */
  decided: (reason: string) => void;
  /** A plan that was a controller's ceiling has ended. */
  planEnded: () => void;
  stages: boolean;
}

/** Starts the loops (they run until `signal` aborts). */
export function runLoops(o: LoopsOptions): void {
  const { clock, signal } = o;
  const now = () => clock.now();
  (async () => {
    let next = o.start + o.intervalMs;
    for (;;) {
      await clock.sleep(next - now(), signal);
      if (signal.aborted) return;
      o.emitInterval(now());
      next += o.intervalMs;
      if (next <= now()) next = now() + o.intervalMs; // stalled: no burst of intervals
    }
  })();
  const controller = o.controller;
  if (!controller) return;
  (async () => {
    let wait = 250;
    let windowStart = o.start;
    for (;;) {
      await clock.sleep(wait, signal);
      if (signal.aborted) return;
      const t = now();
      if (o.steering.paused) {
        o.recorder.takeWindow(t, o.live()); // nothing is sent: no window to judge
        windowStart = t;
        wait = 250;
        continue;
      }
      if (o.recorder.windowCompleted < MIN_WINDOW_COMPLETIONS && t - windowStart < MAX_WINDOW_MS) {
        wait = 50;
        continue;
      }
      const d = controller.next(o.recorder.takeWindow(t, o.live()));
      windowStart = t;
      o.decided(d.reason);
      o.steering.decide(d.rate);
      wait = d.windowMs;
    }
  })();
  if (!o.stages) return;
  (async () => {
    while (!signal.aborted) {
      o.steering.follow();
      if (o.steering.planEnded) o.planEnded();
      await clock.sleep(100, signal);
    }
  })();
}
