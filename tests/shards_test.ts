/**
 * Shards: on virtual time, 3 shards of a schedule are the schedule of one client at the full
 * rate (their ticks interleave into it), and their merged results are that client's, on a
 * deterministic target; also through `--stages`. The flags and the Kubernetes variables that
 * pick a shard.
 *
 * @module
 */

import { assertEquals, assertOk } from "./_assert.ts";
import { config, runVirtual } from "./_virtual.ts";
import { ManualClock } from "../lib/clock.ts";
import type { Connector, HttpConnection, SendOutcome } from "../lib/client/http/connection.ts";
import { parseStages } from "../lib/cli/stages_flag.ts";
import type { RunConfig } from "../lib/client/run.ts";
import { newHistogram, percentilesUs } from "../lib/histogram.ts";
import { assertUsageErrors } from "./_helpers.ts";

/**
 * A target whose latency is a function of the moment a request is sent (so a request scheduled
 * at a given time takes as long in any process): 5 to 11 ms.
 */
function deterministic(clock: ManualClock, sentTimes: number[]): Connector {
  const start = clock.now();
  return (): HttpConnection => ({
    connect: () => Promise.resolve(),
    async send<R extends SendOutcome>(into: R): Promise<R> {
      const t = clock.now() - start;
      sentTimes.push(t);
      into.sentAt = clock.now();
      await clock.sleep(5 + (Math.floor(t / 10) % 7));
      into.doneAt = clock.now();
      into.status = 200;
      into.bytes = 10;
      return into;
    },
    abort() {},
    close() {},
  });
}

async function shardRuns(base: Partial<RunConfig>, count: number) {
  const run = async (over: Partial<RunConfig>) => {
    const clock = new ManualClock();
    const sent: number[] = [];
    const { outcome } = await runVirtual(
      clock,
      config({ queueSize: 100, consumers: 16, ...base, ...over }),
      { connect: deterministic(clock, sent) },
    );
    return { outcome, sent };
  };
  const whole = await run({});
  const shards = [];
  for (let i = 0; i < count; i++) {
    shards.push(
      await run({
        rate: (base.rate ?? 100) / count,
        shard: { index: i, count },
      }),
    );
  }
  return { whole, shards };
}

Deno.test("shards on virtual time: 3 shards are one client at the full rate", async () => {
  const { whole, shards } = await shardRuns({ rate: 300, durationMs: 2000 }, 3);
  // Their ticks interleave into the full rate's evenly spaced schedule.
  const union = shards.flatMap((s) => s.sent).sort((a, b) => a - b);
  const gaps = union.slice(1).map((t, i) => t - union[i]!);
  assertOk(gaps.every((g) => Math.abs(g - 10 / 3) < 1e-6), "every 3.33 ms, one shard's turn");
  const a = whole.outcome.totals.accounting;
  const scheduled = shards.reduce((n, s) => n + s.outcome.totals.accounting.scheduled, 0);
  assertOk(Math.abs(scheduled - a.scheduled) <= 3, `${scheduled} vs ${a.scheduled}`);
  // Their merged histograms are the one client's, to the bucket.
  const merged = newHistogram();
  for (const s of shards) merged.add(s.outcome.totals.total.corrected);
  assertEquals(
    percentilesUs(merged),
    percentilesUs(whole.outcome.totals.total.corrected),
    "the same percentiles",
  );
});

Deno.test("shards through --stages: each takes every third tick of the plan", async () => {
  const stages = parseStages("0s:100,1s:100,1s:400,0s:0");
  const { whole, shards } = await shardRuns({ rate: 400, stages, durationMs: undefined }, 3);
  const union = shards.flatMap((s) => s.sent).sort((a, b) => a - b);
  assertEquals(union.length, whole.sent.length);
  union.forEach((t, i) => assertOk(Math.abs(t - whole.sent[i]!) < 1e-6, `tick ${i}`));
  assertEquals(shards.map((s) => s.outcome.stoppedBy), ["stages", "stages", "stages"]);
});

Deno.test("--shard, --shards and JOB_COMPLETION_INDEX pick a shard; bad ones exit 2", async () => {
  const cases: [string[], string][] = [
    [["--shard", "3/3"], "'--shard' must be I/N with 0 <= I < N <= 10000"],
    [["--shards", "3"], "$JOB_COMPLETION_INDEX from 0 to 2 (got none)"],
    [["--shard", "0/2", "--adaptive"], "'--adaptive' cannot be sharded"],
    [["--start-at", "tomorrow"], "'--start-at' must be an RFC 3339 time"],
  ];
  await assertUsageErrors(
    cases.map(([args, want]): [string[], string] => [["run", ...args], want]),
  );
});
