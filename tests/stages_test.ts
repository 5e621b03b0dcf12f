/**
 * Load shapes and run-time control, on virtual time: the rate plan's schedule (ramps counted
 * against their integral, jumps, zero-rate stages, ramp down to 0, scale, pause), whole runs
 * following `--stages`, and runs steered by commands (faster, a rate, pause, resume, stop).
 *
 * @module
 */

import { assertBetween, assertEquals, assertOk } from "./_assert.ts";
import { assertComplete, config, fakeConnector, runVirtual } from "./_virtual.ts";
import { ManualClock } from "../lib/clock.ts";
import { type ControlOutcome, RunControl } from "../lib/client/steer/run_control.ts";
import { RatePlan, type Stage, StagedSchedule } from "../lib/client/pace/stages.ts";
import { parseStages } from "../lib/cli/stages_flag.ts";
import { type ControlEvent } from "../lib/results/mod.ts";

/** Every tick's scheduled time, taken on a fine virtual grid from 0 to `untilMs`. */
function ticksOf(s: StagedSchedule, untilMs: number, stepMs = 0.1): number[] {
  const due: number[] = [];
  for (let t = 0; t <= untilMs; t += stepMs) {
    while (s.wait(t) === 0) due.push(s.take(t).scheduledAt);
  }
  return due;
}

/** Ticks per whole second of plan time. */
function perSecond(due: number[], seconds: number): number[] {
  const out = new Array(seconds).fill(0);
  for (const t of due) if (t < seconds * 1000) out[Math.floor(t / 1000)]++;
  return out;
}

Deno.test("stages: each second of a ramp sends its integral, within one tick", () => {
  const stages = parseStages("10s:1000,5s:1000,0s:200,5s:200,4s:0");
  const plan = new RatePlan(stages);
  const due = ticksOf(new StagedSchedule(plan), 25_000);
  // Drift-free: each tick is on the inverse of the integral, so every span's count is its
  // integral within one tick, at every second of the ramps, the jump and the ramp down.
  const counts = perSecond(due, 24);
  for (let s = 0; s < 24; s++) {
    const want = plan.ticksBy((s + 1) * 1000) - plan.ticksBy(s * 1000);
    assertBetween(counts[s]!, want - 1, want + 1, `second ${s}`);
  }
  // The whole plan: 5,000 (ramp) + 5,000 + 1,000 + 400 (down to 0).
  assertEquals(plan.total, 11_400);
  assertBetween(due.length, 11_399, 11_400, "all of it");
  // Scheduled times never go back.
  assertOk(due.every((t, i) => i === 0 || t >= due[i - 1]!));
  // The jump: at 15 s the rate is 200/s at once.
  assertEquals(counts[15], 200);
});

Deno.test("stages: a zero-rate stage sends nothing; the next starts on time", () => {
  const plan = new RatePlan([
    { durationMs: 0, rate: 100 },
    { durationMs: 1000, rate: 100 },
    { durationMs: 0, rate: 0 },
    { durationMs: 2000, rate: 0 },
    { durationMs: 0, rate: 50 },
    { durationMs: 2000, rate: 50 },
  ]);
  const due = ticksOf(new StagedSchedule(plan), 6000);
  assertEquals(perSecond(due, 5), [100, 0, 0, 50, 50]);
  assertEquals(due[100], 3000, "the first tick of the stage after the pause is at its start");
  // A plan that starts at 0/s: the first tick waits for the rate.
  const late = ticksOf(new StagedSchedule(new RatePlan(parseStages("1s:0,0s:10,1s:10"))), 3000);
  assertEquals(late[0], 1000);
  assertEquals(late.length, 10);
});

Deno.test("stages: scale keeps the shape; pause stops the plan's clock", () => {
  const s = new StagedSchedule(
    new RatePlan([{ durationMs: 0, rate: 100 }, {
      durationMs: 10_000,
      rate: 100,
    }]),
  );
  const due: number[] = [];
  const run = (from: number, to: number) => {
    for (let t = from; t <= to; t += 0.5) while (s.wait(t) === 0) due.push(s.take(t).scheduledAt);
  };
  run(0, 999.5);
  assertEquals(due.length, 100);
  s.setScale(2); // 200/s from the next tick on, no burst
  run(1000, 1999.5);
  assertEquals(due.length, 300);
  assertEquals(due[100]! - due[99]!, 10, "the first tick after the change keeps the old spacing");
  s.pause(2000);
  run(2000, 4999.5);
  assertEquals(due.length, 300, "nothing while paused");
  assertEquals(s.rateAt(3000), 0);
  s.resume(5000);
  run(5000, 5999.5);
  assertEquals(due.length, 500, "the plan goes on where it stopped");
  assertEquals(s.planTime(6000), 3000);
});

Deno.test("run --stages on virtual time: the sends follow the plan; the run ends with it", async () => {
  const clock = new ManualClock();
  const stages: Stage[] = parseStages("1s:100,1s:100,0s:300,1s:300,1s:0");
  const { outcome, intervals } = await runVirtual(
    clock,
    config({ rate: 300, stages, durationMs: undefined, queueSize: 100 }),
    { connect: fakeConnector(clock, () => 5) },
  );
  assertEquals(outcome.stoppedBy, "stages");
  const a = outcome.totals.accounting;
  // 50 + 100 + 300 + 150 ticks.
  assertBetween(a.scheduled, 599, 600, "the plan's integral");
  assertEquals(a.sent, a.scheduled);
  assertComplete(a);
  // Each interval reports the rate of its moment (500 ms intervals): mid-ramp, hold, after the
  // jump, ramping down.
  const rateAt = (t: number) => intervals.find((i) => Math.abs(i.t - t) < 0.02)!.rate;
  assertEquals([rateAt(0.5), rateAt(1.5), rateAt(2.5), rateAt(3.5)], [50, 100, 300, 150]);
});

/** A run at 100/s steered at given virtual times; returns its outcome, sends per second, events. */
async function steered(
  commands: [atMs: number, apply: (c: RunControl) => void][],
  over = {},
) {
  const clock = new ManualClock();
  const control = new RunControl();
  const events: ControlEvent[] = [];
  const sentAt: number[] = [];
  const connect = fakeConnector(clock, () => 5);
  // Times count from the first send (the run's start on virtual time).
  let started: number | undefined;
  const begin = () => {
    started = clock.now();
    for (const [at, apply] of commands) clock.sleep(at).then(() => apply(control));
  };
  const { outcome, intervals } = await runVirtual(
    clock,
    config({ durationMs: 5000, queueSize: 100, ...over }),
    {
      connect: (spec, o) => {
        const c = connect(spec, o);
        return {
          ...c,
          send: (into) => {
            if (started === undefined) begin();
            sentAt.push(clock.now() - started!);
            return c.send(into);
          },
        };
      },
      control,
      onEvent: (e) => events.push(e),
    },
  );
  const seconds = Math.ceil(Math.max(...sentAt, 0) / 1000);
  return { outcome, intervals, events, perSecond: perSecond(sentAt, seconds), control };
}

Deno.test("control on virtual time: faster, a rate, pause, resume and stop, each an event", async () => {
  const { outcome, perSecond: sends, events, intervals, control } = await steered([
    [1000, (c) => c.apply({ type: "faster" }, "key")],
    [2000, (c) => c.apply({ type: "rate", rate: 50 })],
    [3000, (c) => c.apply({ type: "toggle" }, "key")],
    [3500, (c) => c.apply({ type: "resume" })],
    [4000, (c) => c.apply({ type: "stop" })],
  ]);
  assertEquals(sends.slice(0, 4), [100, 110, 50, 25]);
  assertEquals(outcome.stoppedBy, "control");
  assertEquals(
    events.map((e) => [Math.round(e.t * 10) / 10, e.event, e.rate, e.source]),
    [
      [1, "rate", 110, "key"],
      [2, "rate", 50, "api"],
      [3, "pause", undefined, "key"],
      [3.5, "resume", 50, "api"],
      [4, "stop", undefined, "api"],
    ],
  );
  // The intervals report the rate of their moment: paused shows 0.
  assertOk(intervals.some((i) => i.rate === 0), "a paused interval reports rate 0");
  // After the run, the handle answers that no run is going on.
  assertEquals(control.apply({ type: "pause" }).ok, false);
});

Deno.test("control: what cannot apply is refused with a status, and changes nothing", async () => {
  const outcomes: ControlOutcome[] = [];
  const keep = (o: ControlOutcome) => outcomes.push(o);
  const { perSecond: sends } = await steered([
    [500, (c) => keep(c.apply({ type: "resume" }))],
    [600, (c) => keep(c.apply({ type: "rate", rate: 0 }))],
    [700, (c) => keep(c.apply({ type: "pause" }))],
    [800, (c) => keep(c.apply({ type: "pause" }))],
    [1000, (c) => keep(c.apply({ type: "resume" }))],
  ], { durationMs: 2000 });
  assertEquals(outcomes.map((o) => [o.ok, "status" in o ? o.status : 200]), [
    [false, 409],
    [false, 400],
    [true, 200],
    [false, 409],
    [true, 200],
  ]);
  assertEquals(sends, [70, 100]);
  // Closed loop has no rate to steer.
  const closed = await steered([[200, (c) => keep(c.apply({ type: "faster" }))]], {
    rate: 0,
    requests: 500,
    durationMs: undefined,
  });
  assertEquals(outcomes.at(-1), { ok: false, status: 409, message: closedMessage });
  assertEquals(closed.outcome.totals.accounting.sent, 500);
});

const closedMessage = "a closed-loop run has no rate to change";

Deno.test("control with --stages: + scales the plan, so the shape is kept", async () => {
  const { perSecond: sends, events } = await steered([
    [2000, (c) => c.apply({ type: "faster" })],
  ], { stages: parseStages("0s:100,2s:100,2s:300"), rate: 300, durationMs: undefined });
  // 100/s, then ×1.1 of a ramp from 100 to 300 over 2 s (400 ticks): 440.
  assertEquals(sends.slice(0, 2), [100, 100]);
  assertBetween(sends[2]! + sends[3]!, 439, 441, "the ramp, scaled");
  assertEquals(events[0]!.scale, 1.1);
});
