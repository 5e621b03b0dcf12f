/**
 * Virtual users, the closed model: the plan (its syntax, its count over time), the gate that
 * starts and stops VUs, and whole runs of VUs on virtual time against a fake target whose latency
 * is known, so the throughput the VUs make is known too (VUs / latency). The verdict and the
 * summary of such a run, as the CLI would print them.
 */
import { assertBetween, assertEquals, assertOk } from "./_assert.ts";
import { assertComplete, config, fakeConnector, runVirtual } from "./_virtual.ts";
import { ManualClock } from "../lib/clock.ts";
import { VirtualUsers, VuPlan } from "../lib/client/dispatch/mod.ts";
import type { VuStage } from "../lib/client/dispatch/mod.ts";
import { parsePlan, StagesError } from "../lib/cli/stages_flag.ts";
import { summarize } from "../lib/cli/run_summary.ts";
import { summaryTable } from "../lib/results/mod.ts";
import { columnsOf } from "../lib/report/series.ts";
import { chartSpecs } from "../lib/report/specs.ts";

const vuPlan = (text: string): VuStage[] => {
  const plan = parsePlan(text);
  if (plan.unit !== "vu") throw new Error(`${text}: not a plan of VUs`);
  return plan.stages;
};

Deno.test("vu plan: the syntax, both shapes; one unit a plan", () => {
  assertEquals(vuPlan("0s:10vu,5s:10vu,0s:20vu,5s:20vu"), [
    { durationMs: 0, vus: 10 },
    { durationMs: 5000, vus: 10 },
    { durationMs: 0, vus: 20 },
    { durationMs: 5000, vus: 20 },
  ]);
  // The step shorthand: a vu on any of its numbers makes the entry one of VUs.
  const steps = [0, 5000, 0, 5000, 0, 5000].map((durationMs, i) => ({
    durationMs,
    vus: 10 + 20 * Math.floor(i / 2),
  }));
  assertEquals(vuPlan("10..50vu/20@5s"), steps);
  assertEquals(vuPlan("10vu..50vu/20vu@5s"), steps);
  assertEquals(vuPlan("30s:50vus,10s:0VU").map((s) => s.vus), [50, 0]);
  assertEquals(parsePlan("30s:100,0s:500").unit, "rate");
  const bad: [string, string][] = [
    ["5s:10vu,5s:100", "a plan is all rates or all virtual users"],
    ["5s:1.5vu", "whole number"],
    ["5s:-2vu", "whole number"],
    ["5s:20000vu", "from 0 to 10000"],
    ["0s:0vu,5s:0vu", "never has a VU"],
    ["0s:10vu", "last no time"],
    ["30vu", "expected DURATION:VUS"],
  ];
  for (const [text, why] of bad) {
    let message = "";
    try {
      parsePlan(text);
    } catch (err) {
      assertOk(err instanceof StagesError, text);
      message = (err as Error).message;
    }
    assertOk(message.includes(why), `${text}: ${message}`);
  }
});

Deno.test("vu plan: ramps interpolate (a VU at each whole number), jumps, holds, the end", () => {
  // 0 → 4 over 4 s, hold, down to 1 over 3 s, then a jump to 6 for 1 s.
  const plan = new VuPlan(vuPlan("4s:4vu,2s:4vu,3s:1vu,0s:6vu,1s:6vu"));
  assertEquals([plan.durationMs, plan.peak], [10_000, 6]);
  const at = (t: number) => plan.vusAt(t);
  // Up: a VU starts when the line reaches it; down: one stops when the line reaches the one below.
  assertEquals([0, 999, 1000, 2500, 3999, 4000, 5999].map(at), [0, 0, 1, 2, 3, 4, 4]);
  assertEquals([6000, 6999, 7000, 8000, 8999].map(at), [4, 4, 3, 2, 2]);
  assertEquals([9000, 9999, 10_000, 20_000].map(at), [6, 6, 0, 0]);
  // Every change, in order, from the start: each where the count moves, the plan's end last.
  const changes: [number, number][] = [];
  for (let t = 0; t < Infinity; t = plan.nextChange(t)) changes.push([t, at(t)]);
  assertEquals(changes, [
    [0, 0],
    [1000, 1],
    [2000, 2],
    [3000, 3],
    [4000, 4],
    [7000, 3],
    [8000, 2],
    [9000, 6],
    [10_000, 0],
  ]);
});

Deno.test("VirtualUsers: a VU that must stop ends its request first; one added starts at once", async () => {
  const vus = new VirtualUsers(2);
  const taken: number[] = [];
  const next = (i: number) => () => (taken.push(i), i);
  assertEquals([vus.take(0, next(0)), vus.take(1, next(1))], [0, 1]);
  vus.set(1); // VU 1's request is in flight: it is not cut, its next waits
  const waiting = vus.take(1, next(1));
  assertOk(waiting instanceof Promise);
  assertEquals(taken, [0, 1]);
  vus.set(3);
  assertEquals(await waiting, 1);
  const third = vus.take(3, next(3)); // VU 3 is not active (0, 1, 2 are)
  vus.end();
  assertEquals([await third, vus.take(0, next(0))], [undefined, undefined]);
  assertEquals(taken, [0, 1, 1]);
});

Deno.test("run of VUs on virtual time: a ramp 2 → 8 carries vus, its throughput follows", async () => {
  const clock = new ManualClock();
  const { outcome, intervals } = await runVirtual(
    clock,
    config({
      rate: 0,
      vus: vuPlan("0s:2vu,2s:2vu,0s:8vu,2s:8vu"),
      durationMs: undefined,
      intervalMs: 1000,
    }),
    { connect: fakeConnector(clock, () => 20) },
  );
  assertEquals(outcome.stoppedBy, "stages");
  assertEquals(outcome.durationMs, 4000);
  assertEquals(outcome.consumers, 8, "a connection for each VU at the plan's peak");
  assertComplete(outcome.totals.accounting);
  assertOk(intervals.every((i) => typeof i.vus === "number"), "every interval has vus");
  const full = intervals.filter((i) => !i.drain && i.interval_s === 1);
  // Active at each interval's end: the jump to 8 is at 2 s, the second interval's end.
  assertEquals(full.map((i) => i.vus), [2, 8, 8, 8]);
  // 2 VUs at 20 ms a request make 100/s, 8 make 400/s (Little's law, exact on virtual time);
  // the 6 added at 2 s send their first request at that instant, the second interval's end.
  const sent = full.map((i) => i.api_per_s);
  assertBetween(sent[0]!, 99, 101, "2 VUs");
  assertBetween(sent[1]!, 99, 107, "2 VUs, and the first requests of the 6 added at its end");
  assertBetween(sent[2]!, 390, 401, "8 VUs");
  assertBetween(sent[3]!, 399, 401, "8 VUs");
  for (const i of full) assertBetween(i.latency_mean_ms!, 19.99, 20.01, "mean latency");
});

Deno.test("run of VUs on virtual time: a ramp down lets requests in flight end, never cancels", async () => {
  const clock = new ManualClock();
  // 4 VUs for 1 s, then 1: three stop after their request at 1 s (100 ms each).
  const { outcome, intervals } = await runVirtual(
    clock,
    config({
      rate: 0,
      vus: vuPlan("0s:4vu,1s:4vu,0s:1vu,1s:1vu"),
      durationMs: undefined,
      intervalMs: 1000,
    }),
    { connect: fakeConnector(clock, () => 100) },
  );
  const a = outcome.totals.accounting;
  assertComplete(a);
  assertEquals([a.cancelled, a.ok, a.sent], [0, 50, 50], "40 by 4 VUs, then 10 by one");
  const sent = intervals.map((i) => Math.round(i.api_per_s * i.interval_s));
  assertEquals(sent.slice(0, 2), [40, 10]);
  assertEquals(intervals.slice(0, 2).map((i) => i.vus), [4, 1]);
});

Deno.test("run of VUs on virtual time: --vus N is N at once; --requests ends it", async () => {
  const clock = new ManualClock();
  const { outcome, intervals } = await runVirtual(
    clock,
    config({ rate: 0, vus: 3, requests: 60, durationMs: undefined, intervalMs: 1000 }),
    { connect: fakeConnector(clock, () => 50) },
  );
  assertEquals(outcome.stoppedBy, "requests");
  assertEquals(outcome.totals.accounting.ok, 60);
  assertBetween(outcome.durationMs, 990, 1020, "20 rounds of 3 at 50 ms (and a start-up step)");
  assertOk(intervals.every((i) => i.vus === 3));
});

Deno.test("run of VUs: the summary says the model; latency is not corrected; the verdict", async () => {
  const clock = new ManualClock();
  const cfg = config({ rate: 0, vus: 4, consumers: 4, durationMs: 2000, intervalMs: 1000 });
  const { outcome } = await runVirtual(clock, cfg, { connect: fakeConnector(clock, () => 20) });
  const s = summarize(cfg, outcome);
  assertEquals([s.config?.vus, s.target_rate, s.asked], [4, 0, null]);
  assertEquals(s.bottleneck?.stage, "consumers");
  assertEquals(s.bottleneck?.flag, "--vus");
  assertEquals(
    s.bottleneck?.advice,
    "the virtual users, by design (a closed model): 4 VUs at 20 ms a request make 200/s",
  );
  const table = summaryTable(s);
  assertOk(table.includes("200/s sent (closed: 4 VUs)"), table);
  assertOk(/latency +p50 20\.0ms .* mean 20\.0ms/.test(table), table);
  assertOk(/corrected +none: not corrected for coordinated omission/.test(table), table);

  const plan = config({ rate: 0, vus: vuPlan("0s:2vu,1s:2vu,1s:4vu"), durationMs: undefined });
  const clock2 = new ManualClock();
  const ramp = await runVirtual(clock2, plan, { connect: fakeConnector(clock2, () => 20) });
  const r = summarize({ ...plan, consumers: 4 }, ramp.outcome, "0s:2vu,1s:2vu,1s:4vu");
  assertEquals(r.bottleneck?.flag, "--stages");
  assertOk(r.bottleneck!.advice.includes("the plan's VUs (at most 4;"), r.bottleneck!.advice);
  assertOk(summaryTable(r).includes("(closed: VUs 0s:2vu,1s:2vu,1s:4vu, at most 4)"));
});

Deno.test("report of VUs: columns carry the VUs and the mean; a VUs chart after the rate", () => {
  const p = { p50: 20, p90: 21, p99: 22, max: 23 };
  const rec = (t: number, vus: number, mean: number, secs = 1) => ({
    type: "interval" as const,
    t,
    interval_s: secs,
    api_per_s: vus * 50,
    done_per_s: vus * 50,
    queue: 0,
    rate: 0,
    in_flight: vus,
    consumers: 8,
    jobs_queued: null,
    latency_ms: p,
    corrected_ms: p,
    pacer_lateness_us: p,
    send_lateness_us: p,
    errors: 0,
    status: { "200": vus * 50 * secs },
    error_kinds: {},
    accounting: {} as never,
    vus,
    latency_mean_ms: mean,
  });
  const columns = columnsOf([rec(1, 2, 20), rec(2, 8, 30), rec(2.1, 8, 10, 0.1)]);
  assertEquals(columns.vus, [2, 8]);
  // The stop's short interval joins the one before: its mean weighs each by its responses.
  assertEquals(columns.mean, [20, 28.182]); // (30 x 400 + 10 x 40) / 440
  const none = { p: [], ms: [] };
  const specs = chartSpecs({ columns, curves: { corrected: none, latency: none } }, false);
  assertEquals(specs.map((s) => s.id).slice(0, 3), ["rate", "vus", "latency"]);
  const latency = specs[2]!;
  assertEquals(latency.series.map((s) => s[0]), ["p50", "p90", "p99", "max", "mean"]);
  assertOk(latency.title.includes("not corrected for coordinated omission"), latency.title);
  // A paced run has neither.
  const paced = columnsOf([{ ...rec(1, 2, 20), vus: undefined, latency_mean_ms: undefined }]);
  assertEquals([paced.vus, paced.mean], [undefined, undefined]);
});
