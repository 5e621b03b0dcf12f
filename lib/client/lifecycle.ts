/**
 * A run's lifecycle: stop (the first reason wins: a signal, the duration, `--requests`, the plan's
 * end, an error) and kill (stop, then cancel everything at once), as plain flags for the
 * per-request checks (an AbortSignal's getter costs more) and as a signal for the timers; and
 * where a start on the wall clock (shards start together) falls on the run's clock.
 *
 * @module
 */

import type { Clock } from "../clock.ts";

const reasonOf = (signal: AbortSignal, fallback: string) =>
  typeof signal.reason === "string" ? signal.reason : fallback;

/**
 * Stop and kill for one run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * let cancelled = 0;
 * const life = new Lifecycle(() => cancelled++);
 * life.stop("duration");
 * life.kill("kill");
 * assert.equal(life.reason, "duration");
 * assert.ok(life.stopped && life.killed && life.signal.aborted);
 * assert.equal(cancelled, 1);
 * ```
 */
export class Lifecycle {
  /** Whether the run stopped (no new tick is sent), and whether it was killed. */
  stopped = false;
  killed = false;
  /** Why it stopped: the first reason given. */
  reason: string | undefined;
  /** The error that stopped it, when one did. */
  failure: string | undefined;
  #stopping = new AbortController();
  #cancel: () => void;

  /** `cancel` aborts everything in flight when the run is killed. */
  constructor(cancel: () => void) {
    this.#cancel = cancel;
  }

  /** Aborted when the run stops: every timer of the run ends with it. */
  get signal(): AbortSignal {
    return this.#stopping.signal;
  }

  /** Stops the run: no new tick is sent; what is in flight may finish. */
  stop(reason: string): void {
    this.reason ??= reason;
    this.stopped = true;
    this.#stopping.abort();
  }

  /** Stops the run and cancels everything in flight. */
  kill(reason: string): void {
    this.stop(reason);
    this.killed = true;
    this.#cancel();
  }

  /** Stops the run on an error, which the outcome reports. */
  fail(message: string): void {
    this.failure = message;
    this.stop("error");
  }

  /** Follows the caller's stop and kill signals (their reason, when a string, is the run's). */
  follow(signals: { stop?: AbortSignal; kill?: AbortSignal }): void {
    const { stop, kill } = signals;
    if (stop?.aborted) this.stop(reasonOf(stop, "stop"));
    else stop?.addEventListener("abort", () => this.stop(reasonOf(stop, "stop")));
    if (kill?.aborted) this.kill(reasonOf(kill, "kill"));
    else kill?.addEventListener("abort", () => this.kill(reasonOf(kill, "kill")));
  }

  /** Stops the run `durationMs` after `from` (on `clock`); nothing when there is no duration. */
  armDuration(clock: Clock, durationMs: number | undefined, from: number): void {
    if (durationMs === undefined) return;
    const left = Math.max(0, durationMs - (clock.now() - from));
    clock.sleep(left, this.signal).then(() => this.stop("duration"));
  }

  /** Resolves when the run stops. */
  stoppedNow(): Promise<void> {
    return new Promise<void>((r) => {
      if (this.stopped) r();
      else this.signal.addEventListener("abort", () => r(), { once: true });
    });
  }
}

/**
 * A start on the wall clock (`--start-at`), on the run's clock: `intended` is when it was asked
 * for, `startAt` when the pacer starts (a start already past starts at once: a burst of the ticks
 * owed would help no one).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(wallClockStart(5_000, 100, () => 1_000), { intended: 4_100, startAt: 4_100 });
 * assert.deepEqual(wallClockStart(500, 100, () => 1_000), { intended: -400, startAt: 100 });
 * assert.deepEqual(wallClockStart(undefined, 100, () => 1_000), {});
 * ```
 */
export function wallClockStart(
  startAtUnixMs: number | undefined,
  now: number,
  epochNow: () => number,
): { intended?: number; startAt?: number } {
  if (startAtUnixMs === undefined) return {};
  const intended = now + (startAtUnixMs - epochNow());
  return { intended, startAt: Math.max(now, intended) };
}
