import { assertBetween, assertEquals, assertOk } from "./_assert.ts";
import type { Controller, Decision } from "../lib/client/steer/controller.ts";
import type { WindowStats } from "../lib/client/record/window.ts";
import { seededRandom } from "../lib/sim/random.ts";
import { simulate } from "../lib/sim/simulator.ts";

/** A controller that never changes the rate, recording what it was shown. */
function fixed(rate: number): Controller & { seen: WindowStats[] } {
  const seen: WindowStats[] = [];
  return {
    name: "fixed",
    initialRate: rate,
    cuts: 0,
    seen,
    next(s: WindowStats): Decision {
      seen.push(s);
      return { rate, windowMs: 250, reason: "hold" };
    },
    setTarget() {},
  };
}

Deno.test("simulator is deterministic for a seed", () => {
  const sc = {
    name: "x",
    seed: 7,
    seconds: 5,
    target: 800,
    capacity: [[0, 500]] as [number, number][],
  };
  const a = simulate(sc, fixed(800));
  const b = simulate(sc, fixed(800));
  assertEquals(a.seconds, b.seconds);
  const c = simulate({ ...sc, seed: 8 }, fixed(800));
  assertOk(JSON.stringify(a.seconds) !== JSON.stringify(c.seconds));
  assertEquals(seededRandom(1)(), seededRandom(1)());
});

Deno.test("simulator: under capacity everything succeeds at the unloaded latency", () => {
  const r = simulate(
    { name: "under", seed: 1, seconds: 10, target: 200, capacity: [[0, 500]] },
    fixed(200),
  );
  for (const s of r.seconds.slice(1)) {
    assertBetween(s.sent, 199, 201, `sent at ${s.t}`);
    assertEquals(s.errors, 0);
    assertBetween(s.p50, 17, 23, `p50 at ${s.t}`);
  }
});

Deno.test("simulator: over capacity the service delivers its capacity, queues, then 503s", () => {
  const r = simulate(
    { name: "over", seed: 1, seconds: 10, target: 1000, capacity: [[0, 500]], backlog: 100 },
    fixed(1000),
  );
  const late = r.seconds.slice(2);
  for (const s of late) {
    assertBetween(s.ok, 490, 510, `ok/s at ${s.t}`);
    assertBetween(s.errors, 480, 520, `503/s at ${s.t}`);
    assertOk(s.p50 > 200, `queueing delay at ${s.t}: ${s.p50}`);
  }
});

Deno.test("simulator: a dispatch ceiling shows as lag and a full client queue", () => {
  const ctl = fixed(1000);
  const r = simulate(
    {
      name: "ceiling",
      seed: 1,
      seconds: 5,
      target: 1000,
      capacity: [[0, 100_000]],
      dispatchCeiling: 300,
      queueSize: 50,
    },
    ctl,
  );
  for (const s of r.seconds) assertBetween(s.sent, 295, 305, `sent at ${s.t}`);
  const last = ctl.seen[ctl.seen.length - 1];
  assertEquals(last!.queueEnd, 50);
  assertOk(last!.lagP90 > 100, `lag ${last!.lagP90}`);
});

Deno.test("simulator: capacity steps take effect at their time", () => {
  const r = simulate(
    { name: "step", seed: 1, seconds: 10, target: 2000, capacity: [[0, 500], [5, 1000]] },
    fixed(2000),
  );
  assertBetween(r.seconds[3]!.ok, 490, 510);
  assertBetween(r.seconds[8]!.ok, 990, 1010);
});

Deno.test("simulator: a limiter with a burst lets it through at once, then refuses at once", () => {
  // 100 sent at once against 10/s with a burst of 20: the first 21 pass (the slot's own and the
  // burst), the rest are refused; nothing waits.
  const controller = {
    name: "fixed",
    initialRate: 100_000,
    cuts: 0,
    next: () => ({ rate: 100_000, windowMs: 250, reason: "hold" }),
    setTarget() {},
  };
  const r = simulate({
    name: "burst",
    seed: 1,
    seconds: 0.001,
    target: 100_000,
    capacity: [[0, 10]],
    burst: 20,
    latencyMs: 1,
    keepCompletions: true,
  }, controller);
  const done = r.completions!;
  assertEquals(done.filter((c) => c.ok).length, 21);
  assertOk(done.slice(0, 21).every((c) => c.ok));
  assertOk(done.every((c) => c.doneAt - c.sentAt < 5));
});
