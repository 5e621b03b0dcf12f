import { assertEquals, assertOk } from "./_assert.ts";
import { ConsumerSet } from "../lib/client/dispatch/mod.ts";
import type { IntervalSnapshot } from "../lib/results/records.ts";
import type { Result } from "../lib/client/record/mod.ts";

const conn = () => ({
  connect: () => Promise.resolve(),
  send: <R extends Partial<Result>>(r: R) => Promise.resolve(r),
  abort() {},
  close() {},
});

/** Eight fixed consumers, all busy at 110 ms a request (p90), asked 60/s. */
function fitWith(jobsQueued: number | null): string | undefined {
  const set = new ConsumerSet({
    request: { url: new URL("http://127.0.0.1:1/"), method: "GET", headers: [] },
    connect: conn,
    connection: { engine: "raw", timeoutMs: 10, now: () => 0 },
    consumers: 8,
  });
  const snap = {
    latency_ms: { p50: 100, p90: 110, p99: 120, max: 130, mean: 100 },
    jobs_queued: jobsQueued,
  } as unknown as IntervalSnapshot;
  return set.fit({ snap, rate: 60, queued: 12, inFlight: 8, batchMs: 0 });
}

Deno.test("consumers notice: said when fixed consumers are the limit, not when CPU jobs hold them", () => {
  // 60/s at 110 ms needs about 9 in flight: 8 fixed consumers fall short.
  const notice = fitWith(0);
  assertOk(notice?.startsWith("--consumers 8 cannot reach 60/s at 110ms a request"), notice);
  // A backlog of CPU jobs is what holds them (backpressure): more consumers would not help.
  assertEquals(fitWith(200), undefined);
});
