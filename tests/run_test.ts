/**
 * Whole runs in-process on virtual time: the in-process pacer, the queue, the consumers, a fake
 * connection whose latency is virtual, the recorder. Nothing sleeps for real.
 */
import { assertBetween, assertEquals, assertOk } from "./_assert.ts";
import { assertComplete, config, fakeConnector, runVirtual } from "./_virtual.ts";
import { ManualClock } from "../lib/clock.ts";
import { startAsyncPacer } from "../lib/client/pace/async.ts";
import { type Pacer, startPacerThread } from "../lib/client/pace/thread.ts";
import { percentilesMs } from "../lib/histogram.ts";

Deno.test("run on virtual time: every tick on its slot, every result recorded once", async () => {
  const clock = new ManualClock();
  const { outcome, intervals } = await runVirtual(clock, config(), {
    connect: fakeConnector(clock, () => 10),
  });
  const a = outcome.totals.accounting;
  assertEquals(outcome.stoppedBy, "duration");
  assertEquals(outcome.durationMs, 2000);
  // 100/s for 2 s: 200 ticks (one less or more with the start-up's phase on the 10 ms steps).
  assertBetween(a.scheduled, 199, 201, "scheduled");
  assertEquals([a.sent, a.ok], [a.scheduled, a.scheduled]);
  assertComplete(a);
  const total = outcome.totals.total;
  assertBetween(percentilesMs(total.latency).p50, 9.99, 10.01, "service time");
  assertBetween(
    percentilesMs(total.corrected).max,
    9.99,
    10.01,
    "no queueing: corrected = service",
  );
  // The intervals add up to the totals.
  // Four seconds' halves, and the last: the stop's partial interval, then the drain's.
  assertBetween(intervals.length, 4, 6, "intervals");
  const sent = intervals.reduce((n, s) => n + Math.round(s.api_per_s * s.interval_s), 0);
  assertEquals(sent, a.sent);
  assertEquals(intervals.at(-1)!.accounting.sent, a.sent);
  assertEquals(intervals.at(-1)!.accounting.ok, a.ok, "the last interval comes after the drain");
});

Deno.test("run on virtual time: a slow target fills the queue; nothing is lost at the stop", async () => {
  const clock = new ManualClock();
  // 2 consumers at 100 ms each serve 20/s; the pacer asks 100/s: the queue (5) fills.
  const { outcome } = await runVirtual(
    clock,
    config({ consumers: 2, queueSize: 5, durationMs: 1000 }),
    { connect: fakeConnector(clock, () => 100) },
  );
  const a = outcome.totals.accounting;
  assertComplete(a);
  // Backpressure: the pacer released no more than the consumers took plus the queue, and what
  // was queued at the stop is counted as not sent.
  assertBetween(a.not_sent.stopped, 4, 5, "the queue dropped at the stop");
  assertEquals(a.scheduled, a.sent + a.not_sent.stopped);
  assertBetween(a.sent, 21, 22, "20 in the second, and the 2 in flight at the stop finish");
  const total = outcome.totals.total;
  // Coordinated omission: latency from the schedule grows, service time does not.
  assertBetween(percentilesMs(total.latency).max, 99.9, 100.1, "service time");
  assertOk(percentilesMs(total.corrected).max > 300, "corrected latency shows the queueing");
});

Deno.test("run on virtual time: stop and kill signals; killed requests end as cancelled", async () => {
  const clock = new ManualClock();
  const stop = new AbortController();
  clock.sleep(300).then(() => stop.abort("signal"));
  const stopped = await runVirtual(clock, config({ durationMs: undefined }), {
    connect: fakeConnector(clock, () => 10),
    stop: stop.signal,
  });
  assertEquals(stopped.outcome.stoppedBy, "signal");
  assertBetween(stopped.outcome.totals.accounting.sent, 29, 31, "sent before the stop");
  assertComplete(stopped.outcome.totals.accounting);

  const clock2 = new ManualClock();
  const kill = new AbortController();
  clock2.sleep(250).then(() => kill.abort("signal"));
  const killed = await runVirtual(clock2, config({ durationMs: undefined, consumers: 2 }), {
    connect: fakeConnector(clock2, () => 1000),
    kill: kill.signal,
  });
  const a = killed.outcome.totals.accounting;
  assertEquals(killed.outcome.stoppedBy, "signal");
  assertEquals([a.sent, a.cancelled, a.ok], [2, 2, 0]);
  assertComplete(a);
});

Deno.test("run on virtual time: closed loop and --requests end by themselves", async () => {
  const clock = new ManualClock();
  const { outcome } = await runVirtual(
    clock,
    config({ rate: 0, requests: 50, durationMs: undefined }),
    { connect: fakeConnector(clock, () => 20, (n) => (n % 10 === 0 ? 503 : 200)) },
  );
  const a = outcome.totals.accounting;
  assertEquals(outcome.stoppedBy, "requests");
  assertEquals([a.scheduled, a.sent, a.ok, a.http_error], [50, 50, 45, 5]);
  assertComplete(a);
  // 4 consumers, 20 ms each: 50 requests take 13 rounds (and the start-up's one step).
  assertBetween(outcome.durationMs, 260, 270, "duration");
});

Deno.test("a crashed pacer stops the run, which reports it", async () => {
  const clock = new ManualClock();
  const crashing = (o: Parameters<typeof startAsyncPacer>[0]): Pacer => {
    const inner = startAsyncPacer(o, clock);
    const done = clock.sleep(105).then(async () => {
      await inner.stop();
      throw new Error("the pacer Worker crashed: boom");
    });
    return { ...inner, leadMs: 0, stop: () => done.catch(() => inner.done), done };
  };
  const { outcome } = await runVirtual(clock, config({ durationMs: undefined }), {
    connect: fakeConnector(clock, () => 10),
    pacer: crashing,
  });
  assertEquals(outcome.stoppedBy, "error");
  assertEquals(outcome.error, "the pacer Worker crashed: boom");
  assertBetween(outcome.totals.accounting.sent, 10, 12, "sent before the crash");
  assertComplete(outcome.totals.accounting);
});

Deno.test("the pacer Worker: an error inside it rejects done instead of a silent end", async () => {
  // A rate the Worker's schedule refuses makes it throw.
  const pacer = startPacerThread({ rate: -1, onTicks: () => {} });
  let message = "";
  await pacer.done.catch((e: Error) => message = e.message);
  assertOk(message.startsWith("the pacer Worker crashed:"), message);
});

Deno.test("run on virtual time: without a fixed count, consumers are added as ticks wait", async () => {
  const clock = new ManualClock();
  // 100/s at 100 ms a request keeps 10 in flight; the run starts with 4.
  const { outcome } = await runVirtual(
    clock,
    config({ consumers: 4, maxConsumers: 64, durationMs: 2000 }),
    { connect: fakeConnector(clock, () => 100) },
  );
  assertComplete(outcome.totals.accounting);
  // 10 in flight, and the Little's-law headroom (rate x p90 x 1.25 + 1 = 14) at an interval.
  assertBetween(outcome.consumers, 10, 14, "consumers at the end");
  // Every tick found a consumer at its slot: latency from the schedule is the service time.
  assertBetween(percentilesMs(outcome.totals.total.corrected).max, 99.9, 100.1, "corrected");

  // A fixed count stays fixed (and the queue shows it).
  const clock2 = new ManualClock();
  const fixed = await runVirtual(clock2, config({ consumers: 4, durationMs: 2000 }), {
    connect: fakeConnector(clock2, () => 100),
  });
  assertEquals(fixed.outcome.consumers, 4);
  assertOk(percentilesMs(fixed.outcome.totals.total.corrected).max > 200);
});
