/**
 * The end of a run, after it stopped: the pacer stops (every tick it released has been delivered
 * once it reports done), what is still queued is recorded as not sent, in-flight requests finish
 * within the timeout (then whatever is left is cancelled), CPU jobs not started are dropped and
 * running ones may finish within the timeout. A killed run cancels everything at once.
 *
 * @module
 */

import { type Clock, settlesWithin } from "../clock.ts";
import type { ConsumerSet } from "./dispatch/mod.ts";
import type { Watchdog } from "./http/mod.ts";
import type { JobPool, JobStage } from "./jobs/mod.ts";
import type { Lifecycle } from "./lifecycle.ts";
import type { Pacer, PacerEnd } from "./pace/mod.ts";

/** What the drain stops, waits for and cancels. */
export interface DrainParts {
  pacer?: Pacer;
  /** Closes the queue and records what it held as not sent. */
  closeQueue(): void;
  consumers: ConsumerSet;
  pool?: JobPool;
  jobStage?: JobStage;
  watchdog: Watchdog;
  /** Cancels everything in flight. */
  cancel(): void;
  life: Lifecycle;
  config: { timeoutMs: number };
  clock: Clock;
}

/** Drains a stopped run; resolves with the pacer's last report (none in closed loop). */
export async function drain(p: DrainParts): Promise<PacerEnd | undefined> {
  const pacerEnd = p.pacer ? await p.pacer.stop().catch(() => undefined) : undefined;
  p.closeQueue();
  const timeoutMs = p.config.timeoutMs;
  if (!p.life.killed) {
    if (!(await settlesWithin(p.consumers.done, timeoutMs + 200, p.clock))) p.cancel();
    await p.consumers.done;
    p.pool?.cancelPending();
    const jobs = p.jobStage;
    if (jobs && jobs.running > 0 && !(await settlesWithin(jobs.settled(), timeoutMs, p.clock))) {
      p.pool?.close();
    }
  } else {
    p.cancel();
    await p.consumers.done;
  }
  await p.jobStage?.settled();
  p.pool?.close();
  p.watchdog.close();
  return pacerEnd;
}
