import { assertEquals, assertOk } from "./_assert.ts";
import { verdict, type VerdictInput } from "../lib/results/verdict.ts";

/** A healthy run at 100/s: every field as measured, then the case's differences. */
const run = (over: Partial<VerdictInput>): VerdictInput => ({
  closedLoop: false,
  askedRate: 100,
  sentRate: 100,
  donePerS: 100,
  sent: 1000,
  failures: {},
  answered: 1000,
  latencyMeanMs: 20,
  consumers: 4,
  consumersFixed: false,
  workers: 8,
  workTimeMs: 0,
  workKind: "cpu",
  cores: 2,
  sendLatenessP99Us: 50,
  pacerLatenessP99Us: 50,
  queueFull: 0,
  stoppedBy: "duration",
  killed: false,
  ...over,
});

Deno.test("verdict: each stage, from the measurements, with the flag to change", () => {
  const cases: [string, Partial<VerdictInput>, string, string | undefined, RegExp][] = [
    [
      "healthy",
      {},
      "none",
      undefined,
      /^none: the asked rate was met \(100\/s of 100\/s, no errors\)$/,
    ],
    [
      "503s",
      { failures: { "503": 50 } },
      "target",
      "--rate",
      /^the target: 5% of requests failed \(503: 50\)/,
    ],
    [
      "adaptive found the capacity",
      { adaptiveRate: 480, ceiling: 2000, askedRate: 480, sentRate: 470 },
      "target",
      "--rate",
      /sustains about 480\/s/,
    ],
    [
      "adaptive held down by 2 fixed consumers (Little's law: 92/s), not the target",
      {
        adaptiveRate: 75.6,
        ceiling: 2000,
        askedRate: 75,
        sentRate: 75,
        consumers: 2,
        consumersFixed: true,
        latencyMeanMs: 21.7,
      },
      "consumers",
      "--consumers",
      /^the consumers: --adaptive settled at 75\.6\/s, where 2 consumers at 21\.7 ms/,
    ],
    [
      "adaptive held down by the CPU jobs (4 x 100 ms of sleep: 40/s), not the target",
      {
        adaptiveRate: 21.5,
        ceiling: 200,
        askedRate: 40,
        sentRate: 40,
        donePerS: 38.2,
        workTimeMs: 100,
        workKind: "sleep",
        workers: 4,
      },
      "cpu_jobs",
      "--workers",
      /^the CPU jobs: 4 Workers x 100 ms finish at most 40\/s/,
    ],
    [
      "the rate met on average, but half a second late (sends bunched to catch up)",
      { askedRate: 20000, sentRate: 20000, sendLatenessP99Us: 558_000 },
      "client",
      "--precision",
      /^the client itself: it sent 20000\/s of the 20000\/s asked, but late \(send lateness p99 558 ms/,
    ],
    [
      "late with every consumer busy: the consumers",
      {
        askedRate: 20000,
        sentRate: 20000,
        sendLatenessP99Us: 558_000,
        evidence: {
          early_latency_ms: 1,
          tail: {
            seconds: 2,
            asked: 40000,
            sent: 40000,
            answered: 40000,
            latency_p50_ms: 1,
            busy_pct: 98,
            queue: 50,
            pacer_lateness_p99_us: 100,
          },
        },
      },
      "consumers",
      "--consumers",
      /its 4 consumers were all busy: raise --consumers$/,
    ],
    [
      "busy consumers whose mean-latency ceiling is above the rate: no false 'below'",
      {
        askedRate: 250,
        sentRate: 235,
        consumers: 15,
        latencyMeanMs: 30.3,
        evidence: {
          early_latency_ms: 24,
          tail: {
            seconds: 2,
            asked: 600,
            sent: 560,
            answered: 560,
            latency_p50_ms: 24,
            busy_pct: 95,
            queue: 3,
            pacer_lateness_p99_us: 600,
          },
        },
      },
      "consumers",
      undefined,
      /^the consumers: 15 at 30\.3 ms a request \(the run's mean\) carry 495\/s, yet they stayed busy with ticks waiting; they were still growing/,
    ],
    [
      "adaptive reached its ceiling (its ramp lowers the average, not the client)",
      { adaptiveRate: 100, ceiling: 100, askedRate: 78, sentRate: 78 },
      "none",
      undefined,
      /^none: --adaptive reached its ceiling, 100\/s \(it sent 78\/s on average/,
    ],
    [
      "CPU jobs past the cores (the demo)",
      { askedRate: 60, sentRate: 31, donePerS: 10, workTimeMs: 200, workers: 8 },
      "cpu_jobs",
      "--work-time",
      /8 Workers x 200 ms finish at most 10\/s, below 60\/s \(8 Workers on 2 cores do 2 cores' worth/,
    ],
    [
      "sleeping jobs: Workers are the limit",
      {
        askedRate: 60,
        sentRate: 60,
        donePerS: 40,
        workTimeMs: 200,
        workers: 8,
        workKind: "sleep",
      },
      "cpu_jobs",
      "--workers",
      /finish at most 40\/s, below 60\/s; lower --work-time or --rate, or add --workers$/,
    ],
    [
      "consumers too few (Little's law)",
      { askedRate: 500, sentRate: 190, consumers: 4, consumersFixed: true, latencyMeanMs: 21 },
      "consumers",
      "--consumers",
      /4 at 21 ms a request carry at most 190.5\/s, below 500\/s; raise --consumers \(or leave it unset\)/,
    ],
    [
      "the client cannot issue the rate",
      {
        askedRate: 50_000,
        sentRate: 30_000,
        consumers: 64,
        latencyMeanMs: 0.3,
        sendLatenessP99Us: 9000,
      },
      "client",
      "--precision",
      /the client itself: it sent 30000\/s of the 50000\/s asked, with its consumers idle \(send lateness p99 9 ms\)/,
    ],
    [
      "stopped before any response: it cannot tell",
      { answered: 0, failures: { cancelled: 31 }, stoppedBy: "signal", killed: true },
      "unknown",
      undefined,
      /^cannot tell: no response came back before you stopped it \(31 in flight were cancelled\)$/,
    ],
    [
      "closed loop",
      { closedLoop: true, askedRate: 0, sentRate: 1900, consumers: 32, latencyMeanMs: 16.8 },
      "consumers",
      "--consumers",
      /by design in closed loop: 32 at 16.8 ms a request make 1900\/s/,
    ],
  ];
  for (const [name, over, stage, flag, advice] of cases) {
    const v = verdict(run(over));
    assertEquals([v.stage, v.flag], [stage, flag], name);
    assertOk(advice.test(v.advice), `${name}: ${v.advice}`);
  }
});
