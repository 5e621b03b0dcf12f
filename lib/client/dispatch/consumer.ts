/**
 * One consumer of `tpsdemo run`: takes the next tick, spins the rest of the pacer's lead so the
 * write lands on the tick's slot, sends the request on its own keep-alive connection, and hands
 * the filled-in {@linkcode Result} on (to the CPU-job stage, or to the recorder). Failures are
 * data in the result; the loop ends when there is no next tick or the run is killed.
 *
 * @module
 */

import type { HttpConnection } from "../http/mod.ts";
import type { Result } from "../record/mod.ts";

/** What a consumer is given. */
export interface ConsumerStage {
  /** The next tick for consumer `index` to send; undefined once there are no more. */
  take(index: number): Result | undefined | Promise<Result | undefined>;
  /** This consumer's place in the set (0 first; a virtual user's number). */
  index?: number;
  /** Called when a tick was taken (the pacer gets its credit back). */
  taken?(): void;
  /** This consumer's connection (closed when the loop ends). */
  conn: HttpConnection;
  /** The run's clock. */
  now(): number;
  /**
   * How early the pacer releases ticks, ms (the consumer spins the rest); absent when ticks are
   * never early (closed loop).
   */
  leadMs?(): number;
  /** Gauges the consumer moves. */
  live: { sent: number; inFlight: number; byTarget?: { sent: number[] } };
  /** Takes the result once its response or failure is known; may ask the consumer to wait. */
  finish(r: Result): void | Promise<void>;
  /** Whether the run was killed (stop at once, even with ticks left). */
  killed(): boolean;
}

/**
 * Runs one consumer until its ticks end.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { newResult, type Result } from "../record/mod.ts";
 * const ticks = [newResult(0, 0, 0), newResult(1, 1, 1)];
 * const done: Result[] = [];
 * const conn = {
 *   connect: () => Promise.resolve(),
 *   send: <R extends Partial<Result>>(r: R) => Promise.resolve(Object.assign(r, { sentAt: 1, doneAt: 2, status: 200 })),
 *   abort() {},
 *   close() {},
 * };
 * const live = { sent: 0, inFlight: 0 };
 * await runConsumer({
 *   take: () => ticks.shift(),
 *   conn,
 *   now: () => 5,
 *   live,
 *   finish: (r) => { done.push(r); },
 *   killed: () => false,
 * });
 * assert.deepEqual(done.map((r) => r.status), [200, 200]);
 * assert.deepEqual(live, { sent: 2, inFlight: 0 });
 * ```
 */
export async function runConsumer(stage: ConsumerStage): Promise<void> {
  const { conn, now, live } = stage;
  const index = stage.index ?? 0;
  for (;;) {
    const next = stage.take(index);
    const r = next instanceof Promise ? await next : next;
    if (!r) break;
    stage.taken?.();
    // Released early by the lead: spin the rest, so the write lands on the slot.
    if (stage.leadMs) {
      const due = r.scheduledAt;
      if (due - now() <= stage.leadMs() + 0.05) { while (now() < due) { /* spin */ } }
    }
    live.sent++;
    if (live.byTarget) live.byTarget.sent[r.target]!++;
    live.inFlight++;
    await conn.send(r);
    live.inFlight--;
    // Only a CPU job makes the consumer wait (backpressure): the hot path makes no promise.
    const wait = stage.finish(r);
    if (wait) await wait;
    if (stage.killed()) break;
  }
  conn.close();
}
