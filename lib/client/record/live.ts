/**
 * The run's live gauges: what the pipeline's stages count as they go (ticks scheduled, requests
 * sent and in flight, the queue, the job backlog, the rate and what was asked), read by the
 * recorder at each snapshot.
 *
 * @module
 */

/** The run's live gauges, read at each snapshot. */
export interface Live {
  /** Ticks released by the pacer (or taken by closed-loop consumers). */
  scheduled: number;
  /** Requests written. */
  sent: number;
  /** Ticks waiting in the queue. */
  queued: number;
  /** Requests on the wire. */
  inFlight: number;
  /** Consumers (connections) now. */
  consumers?: number;
  /** CPU jobs handed to the pool. */
  jobsSubmitted: number;
  /** CPU jobs handed to the pool and not yet ended (waiting for a Worker, or running). */
  jobsRunning: number;
  /** CPU jobs waiting for a Worker: the job backlog (null when the run has no CPU jobs). */
  jobsQueued: number | null;
  /** The pacer's rate now (0 in closed loop). */
  rate: number;
  /** Ticks scheduled and requests sent by target, in a run of several. */
  byTarget?: { scheduled: number[]; sent: number[] };
  /**
   * Requests the run asked for since its first tick (the integral of the plan or the paced rate;
   * fractional); undefined in closed loop, which asks for no rate.
   */
  asked?: number;
}

/**
 * Live gauges at zero (closed loop, no CPU jobs), with `over` applied.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(newLive({ sent: 3 }).sent, 3);
 * assert.equal(newLive().jobsQueued, null);
 * ```
 */
export function newLive(over: Partial<Live> = {}): Live {
  return {
    scheduled: 0,
    sent: 0,
    queued: 0,
    inFlight: 0,
    jobsSubmitted: 0,
    jobsRunning: 0,
    jobsQueued: null,
    rate: 0,
    ...over,
  };
}
