/**
 * The records every stage of `tpsdemo run` shares (vegeta's model): each released tick becomes
 * one {@linkcode Result} that the stages fill in as it flows (pacer: scheduled and release
 * times; consumer and connection: send, end, status or error; the CPU-job pool: the job's
 * outcome) and that is recorded once when it ends; a tick that is never sent becomes one
 * {@linkcode NotSent} record with its reason. Stages depend on these types, never on each
 * other's. Times are ms on the run's clock.
 *
 * @module
 */

import type { ErrorKind, NotSentReason } from "../../results/mod.ts";

export type { ErrorKind, NotSentReason };

/** What became of a response's CPU job: `none` when the run does no job (or the request failed). */
export type JobState = "none" | "done" | "failed" | "cancelled";

/** One request, from its tick to its end. */
export interface Result {
  type: "result";
  /** 0-based sequence number of the tick. */
  seq: number;
  /** When the schedule said it was due. */
  scheduledAt: number;
  /** When the pacer released it. */
  releasedAt: number;
  /** When the request was written (NaN until then). */
  sentAt: number;
  /** When the response was complete or the failure known (NaN until then). */
  doneAt: number;
  /** HTTP status; 0 when the request failed. */
  status: number;
  /** Response bytes on the wire. */
  bytes: number;
  /** Why it failed, when it did. */
  error: ErrorKind | undefined;
  /** The failure's message, when it failed. */
  message: string | undefined;
  /** The CPU job's outcome. */
  job: JobState;
  /** The target's index in the run's workload (0 with one target). */
  target: number;
  /**
   * What the response says, when its target decides it (expected statuses, body checks);
   * undefined: a status below 400 is ok.
   */
  judged: "ok" | "http_error" | "check_failed" | undefined;
  /** The response's body, kept for a check until the check ran (a view into the parser's). */
  body: Uint8Array | undefined;
  /** Whether the request went on a connection opened for it (or the first on one opened ahead). */
  newConnection: boolean;
  /** On a new connection: its TCP connect and TLS handshake, ms (NaN when reused or plain). */
  connectMs: number;
  tlsMs: number;
  /** From the write to the response's first byte, ms (NaN until then). */
  ttfbMs: number;
}

/** A tick that was never sent. */
export interface NotSent {
  type: "not_sent";
  seq: number;
  target: number;
  scheduledAt: number;
  reason: NotSentReason;
}

/** What the recorder takes. */
export type RunRecord = Result | NotSent;

/**
 * A fresh result for a released tick; the later stages fill in the rest.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const r = newResult(0, 10, 10.002);
 * assert.equal(r.type, "result");
 * assert.ok(Number.isNaN(r.sentAt));
 * assert.equal(r.job, "none");
 * ```
 */
export function newResult(seq: number, scheduledAt: number, releasedAt: number): Result {
  return {
    type: "result",
    seq,
    scheduledAt,
    releasedAt,
    sentAt: NaN,
    doneAt: NaN,
    status: 0,
    bytes: 0,
    error: undefined,
    message: undefined,
    job: "none",
    target: 0,
    judged: undefined,
    body: undefined,
    newConnection: false,
    connectMs: NaN,
    tlsMs: NaN,
    ttfbMs: NaN,
  };
}

/**
 * Results recycled once recorded (the recorder reads a result and keeps nothing of it), so the
 * steady state allocates no record per request.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const pool = new ResultPool();
 * const a = pool.get(0, 1, 1);
 * a.status = 200;
 * pool.put(a);
 * const b = pool.get(1, 2, 2);
 * assert.equal(b, a);
 * assert.deepEqual([b.seq, b.status, Number.isNaN(b.sentAt)], [1, 0, true]);
 * ```
 */
export class ResultPool {
  #free: Result[] = [];
  /** At most this many kept for reuse. */
  #max: number;

  constructor(max = 4096) {
    this.#max = max;
  }

  /** A fresh result for a released tick (a recycled one, reset, when there is one). */
  get(seq: number, scheduledAt: number, releasedAt: number): Result {
    const r = this.#free.pop();
    if (!r) return newResult(seq, scheduledAt, releasedAt);
    r.seq = seq;
    r.scheduledAt = scheduledAt;
    r.releasedAt = releasedAt;
    r.sentAt =
      r.doneAt =
      r.connectMs =
      r.tlsMs =
      r.ttfbMs =
        NaN;
    r.status = r.bytes = r.target = 0;
    r.newConnection = false;
    r.error =
      r.message =
      r.judged =
      r.body =
        undefined;
    r.job = "none";
    return r;
  }

  /** Takes back a result nobody holds any more. */
  put(r: Result): void {
    if (this.#free.length < this.#max) this.#free.push(r);
  }
}

/**
 * The record of a tick that will not be sent.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const n = notSent(newResult(3, 30, 30), "queue_full");
 * assert.deepEqual(n, { type: "not_sent", seq: 3, target: 0, scheduledAt: 30, reason: "queue_full" });
 * ```
 */
export function notSent(
  tick: Pick<Result, "seq" | "scheduledAt"> & { target?: number },
  reason: NotSentReason,
): NotSent {
  return {
    type: "not_sent",
    seq: tick.seq,
    target: tick.target ?? 0,
    scheduledAt: tick.scheduledAt,
    reason,
  };
}

/** Statuses and errors that mean the target is overloaded (what the adaptive controller reads). */
export const OVERLOAD_STATUS: ReadonlySet<number> = new Set([429, 503]);
/** Transport errors that mean the target is overloaded. */
export const OVERLOAD_ERRORS: ReadonlySet<ErrorKind> = new Set<ErrorKind>([
  "timeout",
  "refused",
  "reset",
]);
