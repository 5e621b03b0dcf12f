/**
 * Whole runs on virtual time, for the tests: a fake connection whose latency is virtual, a run
 * config with small defaults, and a driver that advances a ManualClock until the run ends.
 *
 * @module
 */

import { assertEquals } from "./_assert.ts";
import { ManualClock } from "../lib/clock.ts";
import type { Connector, HttpConnection, SendOutcome } from "../lib/client/http/connection.ts";
import { startAsyncPacer } from "../lib/client/pace/async.ts";

import { type RunConfig, type RunDeps, type RunOutcome, startRun } from "../lib/client/run.ts";
import { type Accounting, type IntervalSnapshot } from "../lib/results/mod.ts";

/** A connection answering after `latency(n)` virtual ms with `status(n)` (n: its n-th send). */
export function fakeConnector(
  clock: ManualClock,
  latency: (n: number) => number,
  status: (n: number) => number = () => 200,
): Connector {
  let n = 0;
  return (): HttpConnection => {
    let cancel = new AbortController();
    return {
      connect: () => Promise.resolve(),
      async send<R extends SendOutcome>(into: R): Promise<R> {
        const i = n++;
        cancel = new AbortController();
        into.sentAt = clock.now();
        await clock.sleep(latency(i), cancel.signal);
        into.doneAt = clock.now();
        if (cancel.signal.aborted) {
          into.status = 0;
          into.error = "cancelled";
        } else {
          into.status = status(i);
          into.bytes = 10;
        }
        return into;
      },
      abort: () => cancel.abort(),
      close() {},
    };
  };
}

export const config = (over: Partial<RunConfig> = {}): RunConfig => ({
  request: { url: new URL("http://127.0.0.1:1/api/work"), method: "GET", headers: [] },
  rate: 100,
  burst: 1,
  consumers: 4,
  queueSize: 10,
  workers: 1,
  workTimeMs: 0,
  workKind: "cpu",
  durationMs: 2000,
  intervalMs: 500,
  timeoutMs: 5000,
  adaptive: false,
  engine: "raw",
  ...over,
});

/** Runs on virtual time until the run resolves (at most `limitMs` of virtual time). */
export async function runVirtual(
  clock: ManualClock,
  cfg: RunConfig,
  deps: RunDeps,
  limitMs = 60_000,
): Promise<{ outcome: RunOutcome; intervals: IntervalSnapshot[] }> {
  const intervals: IntervalSnapshot[] = [];
  let outcome: RunOutcome | undefined;
  const done = startRun(cfg, {
    clock,
    pacer: (o) => startAsyncPacer(o, clock),
    onInterval: (s) => intervals.push(s),
    ...deps,
  }).then((o) => outcome = o);
  for (let t = 0; t < limitMs && outcome === undefined; t += 10) await clock.advance(10);
  await done;
  return { outcome: outcome!, intervals };
}

export function assertComplete(a: Accounting) {
  const notSent = a.not_sent.stopped + a.not_sent.queue_full;
  assertEquals(a.scheduled, a.sent + a.queued + notSent, "scheduled = sent + queued + not sent");
  assertEquals(
    a.sent,
    a.ok + a.http_error + a.failed + a.timed_out + a.cancelled,
    "every sent request ended as exactly one result",
  );
  assertEquals([a.in_flight, a.queued], [0, 0], "nothing left in flight or queued");
}
