import { assertBetween, assertEquals, assertOk } from "./_assert.ts";
import { preciseWaitSync, SpinCalibrator } from "../lib/client/pace/precise_wait.ts";

Deno.test("calibrator: starts at its initial threshold and learns the p99 overshoot", () => {
  const cal = new SpinCalibrator({ initialMs: 0.3, marginMs: 0.02 });
  assertEquals(cal.thresholdMs(), 0.3);
  // Overshoots 0.05..0.149 ms: p99 ≈ 0.148.
  for (let i = 0; i < 100; i++) cal.observe(0.05 + (i % 100) * 0.001);
  assertBetween(cal.thresholdMs(), 0.165, 0.171, "threshold");
});

Deno.test("calibrator: setTimeout-like overshoot raises the threshold, clamped", () => {
  const cal = new SpinCalibrator({ maxMs: 3 });
  for (let i = 0; i < 64; i++) cal.observe(1.1);
  assertBetween(cal.thresholdMs(), 1.13, 1.15); // 1.1 + the 0.04 margin
  for (let i = 0; i < 256; i++) cal.observe(10);
  assertEquals(cal.thresholdMs(), 3);
  const low = new SpinCalibrator({ minMs: 0.02, marginMs: 0 });
  for (let i = 0; i < 64; i++) low.observe(-1); // early wakes count as 0
  assertEquals(low.thresholdMs(), 0.02);
});

Deno.test("calibrator: rare millisecond outliers do not drag the threshold up", () => {
  const cal = new SpinCalibrator({ marginMs: 0.02 });
  for (let i = 0; i < 256; i++) cal.observe(i % 50 === 0 ? 3 : 0.08); // 2% of wakes 3 ms late
  assertBetween(cal.thresholdMs(), 0.25, 0.27, "3x the 0.08 ms median + margin");
});

Deno.test("calibrator: forgets old overshoots past its window", () => {
  const cal = new SpinCalibrator({ window: 64, marginMs: 0 });
  for (let i = 0; i < 64; i++) cal.observe(1);
  assertEquals(cal.thresholdMs(), 1);
  for (let i = 0; i < 64; i++) cal.observe(0.1);
  assertEquals(cal.thresholdMs(), 0.1);
});

Deno.test("preciseWaitSync: coarse sleep to the threshold, spin to the deadline, observe", () => {
  // Virtual time: sleep(ms) advances by ms + 0.07 (the overshoot); each now() costs 1 µs.
  let t = 0;
  const slept: number[] = [];
  const deps = {
    now: () => (t += 0.001),
    sleep: (ms: number) => {
      slept.push(ms);
      t += ms + 0.07;
      return false;
    },
  };
  const cal = new SpinCalibrator({ initialMs: 0.2 });
  assertOk(preciseWaitSync(10, deps, cal));
  assertEquals(slept.length, 1);
  assertBetween(slept[0]!, 9.79, 9.8);
  assertBetween(t, 10, 10.002, "woke at the deadline");
  assertEquals(cal.observed, 1);
});

Deno.test("preciseWaitSync: no coarse sleep inside the threshold; interrupted sleeps return false", () => {
  let t = 0;
  let sleeps = 0;
  const spinOnly = {
    now: () => (t += 0.01),
    sleep: () => {
      sleeps++;
      return false;
    },
  };
  assertOk(preciseWaitSync(0.1, spinOnly, new SpinCalibrator({ initialMs: 0.2 })));
  assertEquals(sleeps, 0);
  const interrupted = { now: () => 0, sleep: () => true };
  assertEquals(preciseWaitSync(5, interrupted, new SpinCalibrator()), false);
});
