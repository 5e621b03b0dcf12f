import { assertEquals, assertOk } from "./_assert.ts";
import { paceWait, Schedule } from "../lib/client/pace/schedule.ts";

/** Drives a schedule on virtual time: the pacer releases each tick at max(its slot, `at(i)`). */
function drive(s: Schedule, n: number, releaseAt: (i: number, due: number) => number) {
  const out = [];
  let now = 0;
  for (let i = 0; i < n; i++) {
    now = Math.max(now, releaseAt(i, now + s.wait(now)));
    assertEquals(s.wait(now), 0);
    out.push(s.take(now));
  }
  return out;
}

Deno.test("paceWait is vegeta's Pace: time until hit n", () => {
  const cases: [number, number, number, number][] = [
    // elapsed, hits, rate, want
    [0, 0, 100, 0],
    [0, 1, 100, 10],
    [5, 1, 100, 5],
    [10, 1, 100, 0],
    [25, 2, 100, 0],
    [999, 1000, 1000, 1],
  ];
  for (const [elapsed, hits, rate, want] of cases) {
    assertEquals(paceWait(elapsed, hits, rate), want, `${elapsed} ${hits} ${rate}`);
  }
});

Deno.test("constant rate: ticks on an absolute grid, no drift whatever the lateness", () => {
  const s = new Schedule({ rate: 1000 });
  // Every release is 0.3 ms late: scheduled times stay on the 1 ms grid.
  const ticks = drive(s, 1000, (_i, due) => due + 0.3);
  ticks.forEach((t, i) => assertEquals(t.scheduledAt, i));
  assertEquals(s.nextDue(), 1000);
});

Deno.test("when late, the next tick is due at once and keeps its scheduled time", () => {
  const s = new Schedule({ rate: 100 }); // 10 ms
  s.take(0);
  assertEquals(s.wait(5), 5);
  // Stalled until 35 ms: ticks 1, 2, 3 are owed and due at once, each with its own slot.
  const late = [s.take(35), s.take(35), s.take(35)];
  assertEquals(late.map((t) => t.scheduledAt), [10, 20, 30]);
  assertEquals(s.wait(35), 5);
});

Deno.test("maxDebt: missed slots past it are skipped, not sent in a burst", () => {
  const s = new Schedule({ rate: 100, maxDebt: 1 });
  s.take(0);
  // At 55 ms slots 10..50 are owed; one may be caught up, the rest are skipped.
  const t = s.take(55);
  assertEquals(t.skipped, 3);
  assertEquals(t.scheduledAt, 40);
  const next = s.take(55);
  assertEquals(next.scheduledAt, 50);
  assertEquals(s.wait(55), 5); // back on a grid, no burst
  assertEquals(s.skipped, 3);
});

Deno.test("rate change re-anchors: no burst, no drift", () => {
  const cases: [number, number, number, number][] = [
    // old rate, new rate, change at, want next due
    [100, 200, 3, 5], // faster: one new interval after the last tick (0)
    [100, 50, 3, 20], // slower: one new interval after the last tick
    [100, 1000, 7, 7], // much faster: the new slot has passed, so now (not a burst)
  ];
  for (const [from, to, at, want] of cases) {
    const s = new Schedule({ rate: from });
    s.take(0);
    s.setRate(to, at);
    assertEquals(s.nextDue(), want, `${from}→${to}`);
    const ticks = drive(s, 5, (_i, due) => due);
    const gaps = ticks.slice(1).map((t, i) => t.scheduledAt - ticks[i]!.scheduledAt);
    gaps.forEach((g) => assertOk(Math.abs(g - 1000 / to) < 1e-9, `${from}→${to}: gap ${g}`));
  }
});

Deno.test("burst: that many go back to back, then the rate holds", () => {
  const s = new Schedule({ rate: 100, burst: 3 });
  const at0 = [s.wait(0), (s.take(0), s.wait(0)), (s.take(0), s.wait(0))];
  assertEquals(at0, [0, 0, 0]);
  s.take(0);
  assertEquals(s.wait(0), 10); // the bucket is empty: the next one waits a full interval
  // Early ticks carry their release time as scheduled time (latency is measured from it).
  const t = s.take(10);
  assertEquals(t.scheduledAt, 10);
});

Deno.test("a bad rate is refused", () => {
  let threw = false;
  try {
    new Schedule({ rate: 0 });
  } catch (e) {
    threw = e instanceof RangeError;
  }
  assertOk(threw);
});
