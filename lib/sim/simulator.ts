/**
 * A deterministic load simulator on virtual time, seeded: the pacer ({@linkcode Schedule}) feeds a
 * bounded client queue drained by a client with a dispatch ceiling and a concurrency limit; the
 * service has a capacity (token bucket, as `serve --capacity`), a bounded wait queue (503 when
 * full), lognormal latency noise and capacity steps. A {@linkcode Controller} sets the rate once
 * per window from the same {@linkcode WindowStats} the real run gives it (tests and benches).
 *
 * @module
 */

import { type Controller, MAX_WINDOW_MS, MIN_WINDOW_COMPLETIONS } from "../client/steer/mod.ts";
import { Schedule } from "../client/pace/mod.ts";
import type { WindowStats } from "../client/record/mod.ts";
import { Heap } from "./heap.ts";
import { lognormal, seededRandom } from "./random.ts";
import { SimService } from "./service.ts";

/** One simulated setting. */
export interface Scenario {
  name: string;
  seed: number;
  /** Simulated seconds. */
  seconds: number;
  /** The rate asked for (the controller's ceiling). */
  target: number;
  /** Service capacity (requests/s) from each time on: `[[0, 500], [30, 1000]]`. */
  capacity: [number, number][];
  /** Requests that may wait for capacity (default 100). */
  backlog?: number;
  /**
   * A limiter with no wait queue instead (as nginx `limit_req burst=N nodelay`): up to this many
   * requests past the rate go through at once, the rest are refused (503) at once.
   */
  burst?: number;
  /** Unloaded median latency, ms (default 20). */
  latencyMs?: number;
  /** Coefficient of variation of the lognormal latency noise (default 0.2). */
  latencyCv?: number;
  /** Client's dispatch ceiling, sends/s (default Infinity). */
  dispatchCeiling?: number;
  /** Client's concurrency (consumers), default Infinity. */
  consumers?: number;
  /** Client queue size (default 200). */
  queueSize?: number;
  /** Client timeout, ms (default 5000). */
  timeoutMs?: number;
  /** Keep every request's times and outcome in the result (`completions`). */
  keepCompletions?: boolean;
}

/** One simulated second. */
export interface SimSecond {
  t: number;
  /** Pacer rate at the end of the second. */
  rate: number;
  sent: number;
  ok: number;
  errors: number;
  /** p50 service latency of ok completions, ms. */
  p50: number;
  /** p90 dispatch lag of the second's sends, ms. */
  lagP90: number;
  capacity: number;
}

/** What a run produced. */
export interface SimResult {
  scenario: Scenario;
  controller: string;
  seconds: SimSecond[];
  cuts: number;
  /** Times (s) and reasons of the decisions that lowered the rate. */
  cutLog: { t: number; reason: string }[];
  /** With `keepCompletions`: each request's scheduled, send and end times (ms), and ok. */
  completions?: { scheduledAt: number; sentAt: number; doneAt: number; ok: boolean }[];
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/**
 * Runs `scenario` under `controller`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CapacityController } from "../client/steer/mod.ts";
 * const r = simulate(
 *   { name: "x", seed: 1, seconds: 10, target: 2000, capacity: [[0, 500]] },
 *   new CapacityController({ target: 2000 }),
 * );
 * assert.equal(r.seconds.length, 10);
 * ```
 */
export function simulate(scenario: Scenario, controller: Controller): SimResult {
  const random = seededRandom(scenario.seed);
  const end = scenario.seconds * 1000;
  const backlog = scenario.backlog ?? 100;
  const median = scenario.latencyMs ?? 20;
  const cv = scenario.latencyCv ?? 0.2;
  const ceilingGap = 1000 / (scenario.dispatchCeiling ?? Infinity);
  const consumers = scenario.consumers ?? Infinity;
  const queueSize = scenario.queueSize ?? 200;
  const timeout = scenario.timeoutMs ?? 5000;
  const capAt = (t: number) =>
    scenario.capacity.reduce(
      (c, [from, cap]) => t >= from * 1000 ? cap : c,
      scenario.capacity[0]![1],
    );

  const schedule = new Schedule({ rate: controller.initialRate, maxDebt: 1 });
  // Per request, in send order.
  const scheduledAt: number[] = [];
  const sentAt: number[] = [];
  const doneAt: number[] = [];
  const okFlag: boolean[] = [];
  const done = new Heap(); // completion time → request index
  const free = new Heap(); // consumer free times
  const service = new SimService({ backlog, burst: scenario.burst });
  let lastSend = -Infinity;

  const seconds: SimSecond[] = [];
  const cutLog: { t: number; reason: string }[] = [];
  let windowEnd = 250;
  let windowStart = 0;
  let windowFirstSend = 0; // index of the first send of the window
  let windowScheduled = 0;
  let queueAtWindowStart = 0;
  let secondFirstSend = 0;
  const secondDone: number[] = [];
  let secondOk = 0;
  let secondErr = 0;
  const windowDone: number[] = [];
  let windowOk = 0;
  let windowOverload = 0;
  let windowCompleted = 0;
  let nextSecond = 1000;
  let released = 0;

  const queueAt = (t: number) => {
    // Released ticks minus sends at or before t.
    let sent = 0;
    for (let i = sentAt.length - 1; i >= 0 && sentAt[i]! > t; i--) sent++;
    return released - (sentAt.length - sent);
  };
  const drainCompletions = (t: number) => {
    while (done.size > 0 && done.peek() <= t) {
      const [, i] = done.pop();
      const latency = doneAt[i]! - sentAt[i]!;
      windowCompleted++;
      if (okFlag[i]) {
        windowOk++;
        secondOk++;
        windowDone.push(latency);
        secondDone.push(latency);
      } else {
        windowOverload++;
        secondErr++;
      }
    }
  };
  const closeSecond = (t: number) => {
    secondDone.sort((a, b) => a - b);
    const lags: number[] = [];
    for (let i = secondFirstSend; i < sentAt.length && sentAt[i]! <= t; i++) {
      lags.push(sentAt[i]! - scheduledAt[i]!);
      secondFirstSend = i + 1;
    }
    lags.sort((a, b) => a - b);
    seconds.push({
      t: t / 1000,
      rate: schedule.rate,
      sent: lags.length,
      ok: secondOk,
      errors: secondErr,
      p50: quantile(secondDone, 0.5),
      lagP90: quantile(lags, 0.9),
      capacity: capAt(t - 1),
    });
    secondDone.length = 0;
    secondOk = secondErr = 0;
  };
  const closeWindow = (t: number) => {
    drainCompletions(t);
    if (windowCompleted < MIN_WINDOW_COMPLETIONS && t - windowStart < MAX_WINDOW_MS) {
      windowEnd = t + 50; // too few completions to read: extend the window
      return;
    }
    windowDone.sort((a, b) => a - b);
    const lags: number[] = [];
    let i = windowFirstSend;
    for (; i < sentAt.length && sentAt[i]! <= t; i++) lags.push(sentAt[i]! - scheduledAt[i]!);
    lags.sort((a, b) => a - b);
    const queueEnd = queueAt(t);
    const stats: WindowStats = {
      now: t,
      durationMs: t - windowStart,
      rate: schedule.rate,
      scheduled: windowScheduled,
      sent: lags.length,
      completed: windowCompleted,
      ok: windowOk,
      overload: windowOverload,
      latencyP10: quantile(windowDone, 0.1),
      latencyP50: quantile(windowDone, 0.5),
      lagP90: quantile(lags, 0.9),
      queueStart: queueAtWindowStart,
      queueEnd,
      inFlight: done.size,
    };
    const d = controller.next(stats);
    if (d.rate < schedule.rate) cutLog.push({ t: t / 1000, reason: d.reason });
    schedule.setRate(d.rate, t);
    windowFirstSend = i;
    windowStart = t;
    windowEnd = t + d.windowMs;
    windowScheduled = 0;
    queueAtWindowStart = queueEnd;
    windowDone.length = 0;
    windowOk = windowOverload = windowCompleted = 0;
  };
  const advanceTo = (t: number) => {
    // Close every window and second boundary up to t, in time order.
    for (;;) {
      const next = Math.min(windowEnd, nextSecond);
      if (next > t || next > end) break;
      drainCompletions(next);
      if (next === nextSecond) {
        closeSecond(next);
        nextSecond += 1000;
      }
      if (next === windowEnd) closeWindow(next);
    }
    drainCompletions(t);
  };

  let pacerNow = 0;
  for (;;) {
    // When may the next tick go: its slot, and a free queue place (backpressure).
    let release = pacerNow + schedule.wait(pacerNow);
    const k = released;
    if (k >= queueSize) release = Math.max(release, sentAt[k - queueSize]!);
    if (release > end) break;
    // Boundaries before the release may change the rate: handle them, then re-plan.
    if (Math.min(windowEnd, nextSecond) <= release) {
      advanceTo(Math.min(windowEnd, nextSecond));
      pacerNow = Math.max(pacerNow, Math.min(release, windowStart));
      continue;
    }
    pacerNow = release;
    const tick = schedule.take(release);
    released++;
    windowScheduled++;
    // Dispatch: FIFO, at most `dispatchCeiling`/s, and only with a free consumer.
    let send = Math.max(release, lastSend + ceilingGap);
    if (free.size >= consumers) send = Math.max(send, free.pop()[0]);
    lastSend = send;
    const served = service.admit(send, capAt(send), () => lognormal(random, median, cv));
    let { finish, ok } = served;
    if (finish - send > timeout) {
      finish = send + timeout;
      ok = false;
    }
    const i = sentAt.length;
    scheduledAt.push(tick.scheduledAt);
    sentAt.push(send);
    doneAt.push(finish);
    okFlag.push(ok);
    done.push(finish, i);
    if (consumers !== Infinity) free.push(finish, i);
  }
  advanceTo(end);
  return {
    scenario,
    controller: controller.name,
    seconds,
    cuts: controller.cuts,
    cutLog,
    completions: scenario.keepCompletions
      ? sentAt.map((s, i) => ({
        scheduledAt: scheduledAt[i]!,
        sentAt: s,
        doneAt: doneAt[i]!,
        ok: okFlag[i]!,
      }))
      : undefined,
  };
}
