/**
 * The capacity search on the simulator, where the answer is known: a service with a capacity
 * (token bucket, backlog, log-normal latency) whose p99 crosses the objective at a rate found by
 * a sweep of the same steps at 1/s resolution. The search must land within 5% of it on every
 * one of 10 seeds (and capacities). Also the search's own logic: bracketing, bisection,
 * confirmation of a flaky answer, and a ceiling reached. Every failing step says why, with the
 * value measured (`tests/capacity_e2e_test.ts` has the same against real processes), and the
 * steps as real runs on virtual time: 503s, no response at all, too few consumers, Ctrl-C.
 *
 * @module
 */

import { assertEquals, assertOk } from "./_assert.ts";
import { config, fakeConnector } from "./_virtual.ts";
import { ManualClock } from "../lib/clock.ts";
import { startAsyncPacer } from "../lib/client/pace/async.ts";
import type { Connector } from "../lib/client/http/connection.ts";
import { realStep } from "../lib/capacity/find.ts";
import { judgeStep } from "../lib/capacity/judge.ts";
import { capacityTable } from "../lib/capacity/text.ts";
import type { StepRow } from "../lib/results/mod.ts";
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

/** Every failing step names what it missed, each with the value measured; a pass names nothing. */
function assertReasons(steps: StepRow[]) {
  for (const s of steps) {
    if (s.pass) {
      assertEquals(s.failed, [], `${s.rate}/s passed`);
      continue;
    }
    assertOk(s.failed.length > 0, `${s.rate}/s failed without a reason`);
    assertEquals(s.failures?.length, s.failed.length, `${s.rate}/s: a failure record per reason`);
    for (const f of s.failed) assertOk(/\(.*measured/.test(f), `${s.rate}/s: "${f}"`);
  }
}

/** A synthetic step: `n` requests at `latencyMs` each, `errors` of them 503s. */
function step(
  rate: number,
  o: { latencyMs?: number; sent?: number; errors?: number; over?: Partial<StepResult> } = {},
): StepResult {
  const sent = o.sent ?? rate, errors = o.errors ?? 0;
  const latency = newHistogram();
  for (let i = 0; i < sent; i++) latency.recordValue((o.latencyMs ?? 10) * 1000);
  return {
    rate,
    seconds: 1,
    sent,
    ok: sent - errors,
    errors,
    latency,
    inFlight: 1,
    sendLatenessP99Us: 100,
    clientCpuPct: 5,
    ...(errors > 0 ? { errorKinds: { "503": errors } } : {}),
    ...o.over,
  };
}

Deno.test("judgeStep: every way a step fails names the objective and the value measured", () => {
  const slos = ["p99<50ms", "errors<1%"].map(parseThreshold);
  const service = newHistogram();
  service.recordValue(5000);
  const cases: [string, StepResult, RegExp[]][] = [
    ["latency", step(100, { latencyMs: 212 }), [/^p99<50ms \(measured 212ms\)$/]],
    ["errors, by kind", step(100, { errors: 4 }), [/^errors<1% \(measured 4%; 503: 4\)$/]],
    [
      "no response at all",
      step(100, {
        sent: 100,
        errors: 100,
        over: { latency: newHistogram(), responses: 0, errorKinds: { refused: 100 } },
      }),
      [
        /^answered>0% \(measured 0% of 100 sent; refused: 100\): no response came back$/,
        /^errors<1% \(measured 100%; refused: 100\)$/,
      ],
    ],
    [
      "short of the rate: the client's CPU",
      step(100, { sent: 60, over: { clientCpuPct: 99 } }),
      [/^achieved>=95% \(measured 60%: sent 60\/s of 100\/s\): the client could not .*CPU at 99%/],
    ],
    [
      "short of the rate: behind the target's answers",
      step(100, { sent: 60, latencyMs: 900, over: { consumers: 54, inFlight: 54 } }),
      [/^p99<50ms \(measured 900ms\)$/, /measured 60%.*waited on the target's answers/],
    ],
    [
      "too few fixed consumers: the latency was the client's queue",
      step(100, {
        sent: 40,
        latencyMs: 400,
        over: { consumers: 2, inFlight: 2, fixedConsumers: true, serviceLatency: service },
      }),
      [
        /^p99<50ms \(measured 400ms from the schedule; the target answered in 5ms: the wait was in the client/,
        /measured 40%.*its 2 consumers, fixed by --consumers, were all waiting.*raise --consumers/,
      ],
    ],
    [
      "short of the rate, consumers free",
      step(100, { sent: 90, over: { consumers: 10, inFlight: 1 } }),
      [/measured 90%.*the client could not send the rate.*while the target met every objective/],
    ],
    [
      "nothing sent",
      step(100, { sent: 0, over: { latency: newHistogram(), responses: 0 } }),
      [/^p99<50ms \(nothing measured/, /^achieved>=95% \(measured 0%.*nothing was sent/],
    ],
  ];
  for (const [name, s, want] of cases) {
    const row = judgeStep(s, slos);
    assertEquals(row.pass, false, name);
    assertReasons([row]);
    assertEquals(row.failed.length, want.length, `${name}: ${row.failed.join(" | ")}`);
    want.forEach((re, i) => assertOk(re.test(row.failed[i]!), `${name}: ${row.failed[i]}`));
  }
  const client = judgeStep(cases[5]![1], slos);
  assertEquals(client.client_limited, true, "the consumers were the client's");
  assertEquals(client.failures!.map((f) => f.limit), ["client", "client"]);
  assertEquals(judgeStep(cases[0]![1], slos).failures, [
    { objective: "p99<50ms", measured: 212, unit: "ms", limit: "target" },
  ]);
});

Deno.test("capacity: a rate that passed, then failed its confirmation, still says why (was '()')", async () => {
  // Passes up to 1550/s, but 1550/s only the first time: the old report found the first row at
  // the lowest failing rate, the pass, and printed "1550/s did not ()".
  const runs = new Map<number, number>();
  const report = await findCapacity((rate) => {
    runs.set(rate, (runs.get(rate) ?? 0) + 1);
    const slow = rate > 1550 || (rate === 1550 && runs.get(rate)! > 1);
    return Promise.resolve(step(rate, { latencyMs: slow ? 212 : 10 }));
  }, { slos: [parseThreshold("p99<50ms")], start: 50, precision: 0.05 });
  assertEquals([report.max_rate, report.lowest_failing_rate], [1500, 1550]);
  assertEquals(report.lowest_failing_reasons, ["p99<50ms (measured 212ms)"]);
  assertEquals(report.lowest_failing_runs, [1, 2]);
  assertEquals(
    report.answer,
    "1500/s meets every objective; 1550/s did not on 1 of its 2 runs: p99<50ms (measured 212ms)",
  );
  assertOk(capacityTable(report).includes(`max rate        ${report.answer}`));
  assertOk(!capacityTable(report).includes("()"));
  assertReasons(report.steps);
});

Deno.test("capacity on the simulator: every failing step says why, errors and latency measured", async () => {
  for (let seed = 1; seed <= 3; seed++) {
    const report = await findCapacity(simStep(seed, 300 + 100 * seed), {
      slos: [SLO, parseThreshold("errors<0.1%")],
      start: 50,
    });
    assertReasons(report.steps);
    assertOk(report.steps.some((s) => !s.pass), "the search went past the capacity");
    assertOk(/; \d+\/s did not: .*\(measured [\d.]+(ms|%)/.test(report.answer), report.answer);
  }
});

/** Resolves `p` while moving `clock` on. */
async function virtually<T>(clock: ManualClock, p: Promise<T>): Promise<T> {
  let settled = false;
  const done = p.finally(() => settled = true);
  for (let t = 0; !settled && t < 600_000; t += 10) await clock.advance(10);
  return await done;
}

/** Steps as real runs on virtual time, through a connector made for each rate. */
function virtualSteps(
  clock: ManualClock,
  connect: (rate: number) => Connector,
  o: { consumers?: number; stop?: AbortSignal } = {},
) {
  return (rate: number) =>
    virtually(
      clock,
      realStep({
        config: config({ consumers: o.consumers ?? 32, queueSize: 100 }),
        warmMs: 500,
        stepMs: 2000,
        measureCpu: false,
        deps: {
          clock,
          pacer: (p) => startAsyncPacer(p, clock),
          connect: connect(rate),
          stop: o.stop,
        },
      })(rate),
    );
}

/** A connector that is refused every time. */
const refusing = (clock: ManualClock): Connector => () => ({
  connect: () => Promise.resolve(),
  send(into) {
    into.sentAt = into.doneAt = clock.now();
    into.status = 0;
    into.error = "refused";
    return Promise.resolve(into);
  },
  abort() {},
  close() {},
});

Deno.test("capacity on virtual time: 503s past 300/s are the reason, counted by status", async () => {
  const clock = new ManualClock();
  const step = virtualSteps(
    clock,
    (rate) => fakeConnector(clock, () => 10, (n) => rate > 300 && n % 10 === 0 ? 503 : 200),
  );
  const report = await findCapacity(step, {
    slos: [parseThreshold("p99<50ms"), parseThreshold("errors<1%")],
    start: 100,
  });
  assertEquals(report.max_rate, 300);
  assertReasons(report.steps);
  const fail = report.steps.find((s) => s.rate === report.lowest_failing_rate)!;
  assertOk(
    /^errors<1% \(measured (9\.\d+|10|10\.\d+)%; 503: \d+\)$/.test(fail.failed[0]!),
    fail.failed[0],
  );
  assertOk(report.answer.includes(`did not: ${fail.failed[0]}`), report.answer);
});

Deno.test("capacity on virtual time: no response to the first step stops the search", async () => {
  const clock = new ManualClock();
  const report = await findCapacity(virtualSteps(clock, () => refusing(clock)), {
    slos: [parseThreshold("p99<50ms")],
    start: 100,
  });
  assertEquals([report.steps.length, report.no_response, report.max_rate], [1, true, null]);
  assertEquals(report.answer, "nothing measured: no response came back");
  assertReasons(report.steps);
  assertOk(/refused: \d+\): no response came back$/.test(report.steps[0]!.failed[0]!));
});

Deno.test("capacity on virtual time: too few consumers is the client's limit, and says so", async () => {
  const clock = new ManualClock();
  const row = judgeStep(
    await virtualSteps(clock, () => fakeConnector(clock, () => 50), { consumers: 2 })(100),
    [parseThreshold("p99<200ms")],
  );
  assertReasons([row]);
  assertEquals(row.client_limited, true, row.failed.join(" | "));
  assertOk(
    row.failed.some((f) =>
      /its 2 consumers, fixed by --consumers, were all waiting.*raise --consumers/.test(f)
    ),
  );
});

Deno.test("capacity on virtual time: Ctrl-C mid-step ends with the interval, no answer", async () => {
  const clock = new ManualClock();
  const ctrlC = new AbortController();
  let steps = 0;
  const run = virtualSteps(clock, (rate) => {
    // The third step is interrupted 1.2 s in (virtual time).
    if (++steps === 3) clock.sleep(1200).then(() => ctrlC.abort("signal"));
    return fakeConnector(clock, () => (rate > 150 ? 300 : 10));
  }, { stop: ctrlC.signal });
  const report = await findCapacity(run, {
    slos: [parseThreshold("p99<50ms")],
    start: 100,
    signal: ctrlC.signal,
  });
  assertEquals(report.steps.map((s) => [s.rate, s.pass]), [[100, true], [200, false]]);
  assertEquals([report.interrupted, report.interrupted_rate, report.interval], [true, 150, [
    100,
    200,
  ]]);
  assertEquals([report.max_rate, report.recommended_rate], [null, null]);
  assertOk(report.answer.startsWith("between 100/s and 200/s, not confirmed"), report.answer);
  const table = capacityTable(report);
  assertOk(table.includes("interrupted (Ctrl-C); the step at 150/s it cut short is not counted"));
  assertOk(table.includes("recommended     none: the search did not finish"), table);
});
