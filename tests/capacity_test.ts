/**
 * The capacity search on the simulator, where the answer is known: a service with a capacity
 * (token bucket, backlog, log-normal latency) whose p99 crosses the objective at a rate found by
 * a sweep of the same steps at 1/s resolution. The search must land within 5% of it on every
 * one of 10 seeds (and capacities). Also the search's own logic: bracketing, bisection,
 * confirmation of a flaky answer, and a ceiling reached.
 *
 * @module
 */

import { assertEquals, assertOk } from "./_assert.ts";
import { assertUsageErrors, jsonLines, runCli } from "./_helpers.ts";
import type { Controller } from "../lib/client/steer/controller.ts";
import { findCapacity } from "../lib/capacity/find.ts";
import { CapacitySearch, type StepResult } from "../lib/capacity/search.ts";
import { newHistogram } from "../lib/histogram.ts";
import { parseThreshold } from "../lib/results/thresholds.ts";
import { simulate } from "../lib/sim/simulator.ts";

/** A controller that holds one rate. */
const hold = (rate: number): Controller => ({
  name: "fixed",
  initialRate: rate,
  cuts: 0,
  next: () => ({ rate, windowMs: 250, reason: "hold" }),
  setTarget() {},
});

const WARM_MS = 1000;
const STEP_S = 5;

/** A step on the simulator: `STEP_S` seconds at `rate`, the first second not counted. */
function simStep(seed: number, capacity: number) {
  return (rate: number): Promise<StepResult> => {
    const r = simulate({
      name: "step",
      seed,
      seconds: STEP_S,
      target: rate,
      capacity: [[0, capacity]],
      backlog: 100,
      latencyMs: 20,
      latencyCv: 0.2,
      keepCompletions: true,
    }, hold(rate));
    // Latency and errors of the requests scheduled after the warm-up; goodput of what ended
    // in the measured span; time in flight within it (Little's law).
    const latency = newHistogram();
    const end = STEP_S * 1000;
    let sent = 0, ok = 0, errors = 0, busy = 0;
    for (const c of r.completions!) {
      busy += Math.max(0, Math.min(c.doneAt, end) - Math.max(c.sentAt, WARM_MS));
      if (c.ok && c.doneAt >= WARM_MS && c.doneAt < end) ok++;
      if (c.scheduledAt < WARM_MS) continue;
      sent++;
      if (c.ok) {
        latency.recordValue(Math.max(1, Math.round((c.doneAt - c.scheduledAt) * 1000)));
      } else errors++;
    }
    const seconds = STEP_S - WARM_MS / 1000;
    return Promise.resolve({
      rate,
      seconds,
      sent,
      ok,
      errors,
      latency,
      inFlight: busy / (seconds * 1000),
      sendLatenessP99Us: 0,
      clientCpuPct: 0,
    });
  };
}

const SLO = parseThreshold("p99<100ms");

Deno.test("capacity on the simulator: within 5% of the known answer, worst of 10 seeds", async () => {
  const misses: string[] = [];
  let worst = 0;
  for (let seed = 1; seed <= 10; seed++) {
    const capacity = 200 + 100 * seed;
    const step = simStep(seed, capacity);
    // The known answer: the highest rate whose step meets the objective, swept at 1/s.
    let known = 0;
    for (let rate = Math.floor(capacity * 0.9); rate <= capacity * 1.2; rate++) {
      const p99 = (await step(rate)).latency.getValueAtPercentile(99) / 1000;
      if (p99 < 100) known = rate;
      else break;
    }
    const report = await findCapacity(step, { slos: [SLO], start: 50, precision: 0.02 });
    const found = report.max_rate ?? 0;
    const error = Math.abs(found - known) / known;
    worst = Math.max(worst, error);
    if (error > 0.05) misses.push(`seed ${seed}: found ${found}/s, known ${known}/s`);
    // The report's evidence: the steps, the knee and the recommendation.
    assertOk(report.steps.length >= 5, `seed ${seed}: ${report.steps.length} steps`);
    assertEquals(report.recommended_rate, Math.floor(found * 0.8));
    assertOk(report.saturation_goodput <= capacity * 1.02, "goodput never above the capacity");
    for (const s of report.steps.filter((s) => s.pass)) {
      // Little's law on the simulated steps: in flight = rate × mean time in flight.
      assertOk(Math.abs(s.in_flight - s.littles_law) <= 0.2 * s.littles_law + 0.5, `${s.rate}`);
    }
  }
  assertEquals(misses, [], `worst error ${(worst * 100).toFixed(1)}%`);
});

Deno.test("capacity search: brackets by doubling, bisects, confirms a flaky answer", () => {
  const asked: number[] = [];
  const s = new CapacitySearch({ start: 100, precision: 0.05 });
  for (let rate = s.next(); rate !== undefined; rate = s.next()) {
    // Passes up to 460/s, but 450 only the first time it runs.
    const pass = rate <= 460 && !(rate === 450 && asked.includes(450));
    asked.push(rate);
    s.record(rate, pass);
  }
  assertEquals(asked.slice(0, 6), [100, 200, 400, 800, 600, 500], "doubling, then bisection");
  assertEquals(asked.filter((r) => r === 450).length, 2, "450 was confirmed, and failed");
  assertOk(s.answer! < 450 && s.answer! >= 400, `a rate that failed once is not it: ${s.answer}`);
  // A service that passes everything: the search stops at its maximum.
  const up = new CapacitySearch({ start: 100, max: 1000 });
  for (let rate = up.next(); rate !== undefined; rate = up.next()) up.record(rate, true);
  assertEquals([up.answer, up.ceilingReached], [1000, true]);
  // One that fails everything: halving down to 1/s, no answer.
  const none = new CapacitySearch({ start: 100 });
  for (let rate = none.next(); rate !== undefined; rate = none.next()) none.record(rate, false);
  assertEquals(none.answer, undefined);
});

Deno.test("tpsdemo capacity: finds the embedded server's capacity; steps and report as JSON", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = await runCli([
      "capacity",
      "--server",
      "--capacity 200 --latency 5ms --jitter 0",
      "--slo",
      "p99<50ms",
      "--slo",
      "errors<1%",
      "--start",
      "50",
      "--step",
      "1s",
      "--warm",
      "500ms",
      "--resolution",
      "10",
      "--json",
      "--out",
      `${dir}/capacity.ndjson`,
    ]);
    assertEquals(r.code, 0, r.stderr);
    const records = jsonLines(r.stdout.trim().split("\n"));
    const steps = records.filter((x) => x.type === "step");
    const report = records.at(-1)!;
    assertEquals(report.type, "capacity");
    assertEquals(steps.length, (report.steps as unknown[]).length);
    // Past 200/s the server queues, then sheds: the answer is at or under it, within the
    // search's resolution (and the server's 1% burst).
    const max = report.max_rate as number;
    assertOk(max >= 150 && max <= 220, `max_rate ${max}`);
    assertOk((report.lowest_failing_rate as number) > max);
    assertEquals(report.recommended_rate, Math.floor(max * 0.8));
    assertOk(steps.some((s) => s.rate === max && s.pass), "the answer is a passing step");
    assertEquals(await Deno.readTextFile(`${dir}/capacity.ndjson`), r.stdout);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("tpsdemo capacity: bad input exits 2 with one line naming it", async () => {
  const cases: [string[], string][] = [
    [[], "give at least one objective"],
    [["--slo", "p42<1ms"], `unknown metric "p42"`],
    [["--slo", "p99<50ms over 10s"], "without 'over' or 'abort'"],
    [["--slo", "p99<50ms", "--start", "500", "--max", "100"], "'--start' must be at most --max"],
    [["--slo", "p99<50ms", "--rate", "5"], "unknown flag '--rate'"],
  ];
  await assertUsageErrors(
    cases.map(([args, want]): [string[], string] => [["capacity", ...args], want]),
  );
});
