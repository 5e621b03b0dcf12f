/**
 * The CPU-job stage of a run: each response's job goes to the pool; a consumer waits only while
 * the pool's backlog is a queue's worth (backpressure); the job's outcome completes the
 * {@linkcode Result}, which is then recorded.
 *
 * @module
 */

import type { ErrorKind, Live, Result, RunRecord } from "../record/mod.ts";
import type { JobPool } from "./pool.ts";

/** The stage's handle. */
export interface JobStage {
  /** Hands `r`'s job to the pool; resolves once it was accepted (not when it ends). */
  submit(r: Result): Promise<void>;
  /** Jobs accepted and not yet ended. */
  readonly running: number;
  /** Resolves when every accepted job has ended. */
  settled(): Promise<void>;
}

/**
 * Creates the stage over `pool`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { newLive } from "../record/mod.ts";
 * import { newResult, type RunRecord } from "../record/mod.ts";
 * const recorded: RunRecord[] = [];
 * const pool = {
 *   pending: 0,
 *   submit: () => Promise.resolve({ ok: true as const, ms: 1 }),
 *   whenPendingBelow: () => Promise.resolve(),
 *   cancelPending: () => 0,
 *   close() {},
 * };
 * const live = newLive();
 * const stage = createJobStage(pool, { queueSize: 10, workTimeMs: 1, live, record: (r) => recorded.push(r) });
 * await stage.submit(newResult(0, 0, 0));
 * await stage.settled();
 * assert.equal(recorded.length, 1);
 * assert.equal((recorded[0] as { job: string }).job, "done");
 * assert.deepEqual([live.jobsSubmitted, live.jobsRunning], [1, 0]);
 * ```
 */
export function createJobStage(
  pool: JobPool,
  options: { queueSize: number; workTimeMs: number; live: Live; record(r: RunRecord): void },
): JobStage {
  const { queueSize, workTimeMs, live, record } = options;
  const jobs = new Set<Promise<void>>();
  return {
    async submit(r) {
      await pool.whenPendingBelow(queueSize);
      live.jobsSubmitted++;
      live.jobsRunning++;
      const job = pool.submit(workTimeMs, { seed: r.status ^ r.bytes }).then((o) => {
        r.job = o.ok ? "done" : o.error;
        live.jobsRunning--;
        record(r);
        jobs.delete(job);
      });
      jobs.add(job);
    },
    get running() {
      return jobs.size;
    },
    async settled() {
      await Promise.all([...jobs]);
    },
  };
}

/**
 * Where a request goes once it ended: a failure is noticed (once per kind) and recorded, a
 * response goes to the CPU-job stage when the run has one (the consumer waits only while the
 * backlog is a queue's worth), and is recorded otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { newResult, type RunRecord } from "../record/mod.ts";
 * const recorded: RunRecord[] = [];
 * const noticed: string[] = [];
 * const finish = handOn({ record: (r) => recorded.push(r), notice: (k) => noticed.push(k) });
 * const failed = Object.assign(newResult(0, 0, 0), { error: "refused" as const });
 * finish(failed);
 * finish(newResult(1, 0, 0));
 * assert.equal(recorded.length, 2);
 * assert.deepEqual(noticed, ["refused"]);
 * ```
 */
export function handOn(o: {
  jobStage?: JobStage;
  record(r: Result): void;
  notice(kind: ErrorKind, message: string | undefined): void;
  /** The workload's verdict on a response (its target's expected statuses and checks). */
  judge?(target: number, status: number, body: Uint8Array | undefined): Result["judged"];
}): (r: Result) => void | Promise<void> {
  const { jobStage, record, notice, judge } = o;
  return (r) => {
    if (r.error !== undefined && r.error !== "cancelled") notice(r.error, r.message);
    if (judge && r.error === undefined) {
      r.judged = judge(r.target, r.status, r.body);
      r.body = undefined; // a view into the connection's buffer: gone with its next response
    }
    if (r.error === undefined && jobStage) return jobStage.submit(r);
    record(r);
    return undefined;
  };
}
