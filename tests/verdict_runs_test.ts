/**
 * The verdict over whole runs on virtual time, where the true bottleneck is known because the
 * test builds it: a target with a capacity and a queue, one that refuses, answers the user's
 * request caused, too few consumers, CPU jobs past the cores, a starved client, a user's stop, a
 * steered rate, stages, and `--adaptive`. Each asserts the stage, the flag (or none) and the
 * advice, from the summary the CLI would print.
 */

import { assertEquals, assertOk } from "./_assert.ts";
import { config, fakeConnector, runVirtual } from "./_virtual.ts";
import { ManualClock } from "../lib/clock.ts";
import type { Connector, HttpConnection, SendOutcome } from "../lib/client/http/connection.ts";
import type { JobOutcome, JobPool } from "../lib/client/jobs/pool.ts";
import { startAsyncPacer } from "../lib/client/pace/async.ts";
import type { RunConfig, RunDeps } from "../lib/client/run.ts";
import { RunControl } from "../lib/client/steer/mod.ts";
import { summarize } from "../lib/cli/run_summary.ts";
import { bottleneckOf, type Summary } from "../lib/results/mod.ts";
import { parseStages } from "../lib/cli/stages_flag.ts";

/**
 * A target that serves one request at a time at `capacity`/s, first come first served: past its
 * capacity a queue builds and the latency climbs (what `serve --capacity` does with a backlog).
 */
function queueingTarget(clock: ManualClock, capacity: number): Connector {
  let free = 0;
  return fakeConnector(clock, () => {
    const start = Math.max(clock.now(), free);
    free = start + 1000 / capacity;
    return free - clock.now();
  });
}

/** As `queueingTarget`, with a bounded backlog: a request that would wait longer gets a 503. */
function boundedTarget(clock: ManualClock, capacity: number, maxWaitMs: number): Connector {
  let free = 0;
  const rejected = new Set<number>();
  return fakeConnector(clock, (i) => {
    const start = Math.max(clock.now(), free);
    if (start - clock.now() > maxWaitMs) {
      rejected.add(i);
      return 1;
    }
    free = start + 1000 / capacity;
    return free - clock.now();
  }, (i) => (rejected.has(i) ? 503 : 200));
}

/** A connector whose every request fails at once with `kind`. */
function failingTarget(clock: ManualClock, kind: "refused" | "timeout"): Connector {
  return (): HttpConnection => ({
    connect: () => Promise.resolve(),
    send<R extends SendOutcome>(into: R): Promise<R> {
      into.sentAt = into.doneAt = clock.now();
      into.status = 0;
      into.error = kind;
      return Promise.resolve(into);
    },
    abort() {},
    close() {},
  });
}

/** A pool of `parallel` Workers on virtual time (CPU jobs on that many cores). */
function virtualPool(clock: ManualClock, parallel: number) {
  return (): Promise<JobPool> => {
    const waiting: { ms: number; done: (o: JobOutcome) => void }[] = [];
    const below: { limit: number; go: () => void }[] = [];
    let running = 0;
    const next = () => {
      while (running < parallel && waiting.length > 0) {
        const job = waiting.shift()!;
        running++;
        clock.sleep(job.ms).then(() => {
          running--;
          job.done({ ok: true, ms: job.ms });
          next();
        });
      }
      for (const w of [...below]) {
        if (waiting.length < w.limit) below.splice(below.indexOf(w), 1), w.go();
      }
    };
    return Promise.resolve({
      get pending() {
        return waiting.length;
      },
      submit(ms: number) {
        return new Promise<JobOutcome>((done) => {
          waiting.push({ ms, done });
          next();
        });
      },
      whenPendingBelow(limit: number) {
        return waiting.length < limit
          ? Promise.resolve()
          : new Promise<void>((go) => below.push({ limit, go }));
      },
      cancelPending() {
        const n = waiting.length;
        for (const j of waiting.splice(0)) {
          j.done({ ok: false, error: "cancelled", message: "cancelled" });
        }
        return n;
      },
      close() {
        this.cancelPending();
      },
    });
  };
}

/** Runs `cfg` on virtual time and returns the summary as `run` builds it, on a 2-core machine. */
async function summaryOf(
  cfg: RunConfig,
  deps: (clock: ManualClock) => RunDeps,
  over: { stages?: string; limitMs?: number } = {},
): Promise<Summary> {
  const clock = new ManualClock();
  const { outcome } = await runVirtual(clock, cfg, deps(clock), over.limitMs ?? 120_000);
  const s = summarize(cfg, outcome, over.stages);
  s.config!.cores = 2;
  s.bottleneck = bottleneckOf(s);
  return s;
}

interface Case {
  name: string;
  cfg: Partial<RunConfig>;
  deps: (clock: ManualClock) => RunDeps;
  stage: string;
  flag: string | undefined;
  advice: RegExp;
  check?: (s: Summary) => void;
  stages?: string;
}

const ok20 = (clock: ManualClock) => ({ connect: fakeConnector(clock, () => 20) });

const CASES: Case[] = [
  {
    name: "a healthy run",
    cfg: { rate: 100, consumers: 4 },
    deps: ok20,
    stage: "none",
    flag: undefined,
    advice: /^none: the asked rate was met \(100\/s of 100\/s, no errors\)$/,
  },
  {
    name: "a target at capacity with a queue, enough consumers",
    cfg: { rate: 70, consumers: 400, queueSize: 400, durationMs: 10_000, timeoutMs: 60_000 },
    deps: (clock) => ({ connect: queueingTarget(clock, 50) }),
    stage: "target",
    flag: "--rate",
    advice:
      /^the target: it answered (49\.\d|50(\.\d)?)\/s of the 70\/s sent .* latency climbing from \d+(\.\d)? ms to \d+ ms/,
  },
  {
    name: "a target at capacity with a queue, few consumers",
    cfg: { rate: 70, consumers: 8, queueSize: 50, durationMs: 10_000 },
    deps: (clock) => ({ connect: queueingTarget(clock, 50) }),
    stage: "target",
    flag: "--rate",
    advice:
      /^the target: 8 consumers stayed busy while its latency climbed from \d+(\.\d)? ms to 160 ms/,
  },
  {
    name: "a target that refuses (503s)",
    cfg: { rate: 100 },
    deps: (clock) => ({ connect: fakeConnector(clock, () => 20, (n) => (n % 3 ? 200 : 503)) }),
    stage: "target",
    flag: "--rate",
    advice: /^the target: 33.\d% of requests failed \(503: \d+\); lower --rate/,
  },
  {
    name: "sold out (410): the target's answer, not a limit",
    cfg: { rate: 100 },
    deps: (clock) => ({ connect: fakeConnector(clock, () => 5, (n) => (n < 50 ? 200 : 410)) }),
    stage: "request",
    flag: undefined,
    advice: /^the request: .* answered 410: \d+; the target says what was asked for is gone/,
  },
  {
    name: "a missing token (401)",
    cfg: { rate: 100 },
    deps: (clock) => ({ connect: fakeConnector(clock, () => 5, () => 401) }),
    stage: "request",
    flag: "--header",
    advice: /check the credentials it sends \(--header\); a lower rate would not change it$/,
  },
  {
    name: "nothing listening",
    cfg: { rate: 100 },
    deps: (clock) => ({ connect: failingTarget(clock, "refused") }),
    stage: "target",
    flag: undefined,
    advice:
      /^the target: no request got a response \(refused: 200\); nothing accepts connections there: is it running/,
  },
  {
    name: "too few consumers for a flat latency",
    cfg: { rate: 200, consumers: 2, queueSize: 50 },
    deps: ok20,
    stage: "consumers",
    flag: "--consumers",
    advice: /^the consumers: 2 at 20 ms a request carry at most 100\/s, below 200\/s; raise/,
  },
  {
    name: "CPU jobs past the cores starve a target on the same machine",
    cfg: { rate: 40, workTimeMs: 200, workers: 8, consumers: 8, queueSize: 20 },
    deps: (clock) => ({
      connect: fakeConnector(clock, () => 20),
      pool: virtualPool(clock, 2),
    }),
    stage: "cpu_jobs",
    flag: "--work-time",
    advice: /^the CPU jobs: 8 Workers x 200 ms finish at most 10\/s, below 40\/s \(8 Workers on 2/,
  },
  {
    name: "the client's CPU: its pacer releases 60% of the ticks",
    cfg: { rate: 100, consumers: 8 },
    deps: (clock) => ({
      connect: fakeConnector(clock, () => 5),
      pacer: (o) =>
        startAsyncPacer(o, {
          now: () => clock.now() * 0.6,
          sleep: (ms, signal) => clock.sleep(ms / 0.6, signal),
        }),
    }),
    stage: "client",
    flag: "--precision",
    advice:
      /^the client itself: it sent 6\d(\.\d)?\/s of the 100\/s asked, with its consumers idle/,
  },
  {
    name: "a user's double Ctrl-C: the cancels are the stop's",
    cfg: { rate: 20, consumers: 20, durationMs: undefined, timeoutMs: 5000 },
    deps: (clock) => {
      const kill = new AbortController(), stop = new AbortController();
      clock.sleep(2000).then(() => (stop.abort("signal"), kill.abort("signal")));
      return { connect: fakeConnector(clock, () => 500), stop: stop.signal, kill: kill.signal };
    },
    stage: "none",
    flag: undefined,
    advice: /stopped by you \(\d+ in flight were cancelled by your stop/,
    check: (s) => assertOk(s.requests.cancelled > 0, "the kill cancelled requests"),
  },
  {
    name: "a rate steered at run time: asked is what was set, over time",
    cfg: { rate: 100, durationMs: 2000 },
    deps: (clock) => {
      const control = new RunControl();
      clock.sleep(1000).then(() => control.apply({ type: "rate", rate: 50 }));
      return { connect: fakeConnector(clock, () => 5), control };
    },
    stage: "none",
    flag: undefined,
    advice: /^none: the asked rate was met \(7\d(\.\d)?\/s of 75\/s/,
    check: (s) => {
      assertEquals(s.asked?.requests, 150);
      assertOk(s.achieved_pct! >= 99, `achieved ${s.achieved_pct}%`);
    },
  },
  {
    name: "--adaptive finds the target's capacity",
    cfg: { rate: 200, adaptive: "capacity", consumers: 64, queueSize: 200, durationMs: 40_000 },
    deps: (clock) => ({ connect: boundedTarget(clock, 50, 100) }),
    stage: "target",
    flag: "--rate",
    advice:
      /^the target: it sustains about (4\d|5\d)(\.\d)?\/s \(--adaptive settled there, below 200/,
  },
  {
    name: "stages: asked is the plan's integral",
    cfg: { rate: 30, durationMs: undefined, stages: parseStages("10..30/10@2s") },
    deps: ok20,
    stages: "10..30/10@2s",
    stage: "none",
    flag: undefined,
    advice: /^none: the asked rate was met \(20(\.\d)?\/s of 20(\.\d)?\/s/,
    check: (s) =>
      assertEquals(
        [s.requests.sent, s.asked?.requests, s.achieved_pct, s.final_rate],
        [120, 120, 100, 30],
      ),
  },
  {
    // The plan is a promise on the clock: a pacer held back by a full queue does not stretch it.
    name: "stages past the target's capacity: the plan ends on time, short of what it asked",
    cfg: {
      rate: 100,
      durationMs: undefined,
      stages: parseStages("0s:10,10s:100"),
      consumers: 4,
      queueSize: 8,
    },
    deps: (clock) => ({ connect: queueingTarget(clock, 30) }),
    stages: "0s:10,10s:100",
    stage: "target",
    flag: "--stages",
    advice: /^the target: .*lower the plan's rates \(--stages\)$/,
    check: (s) => {
      assertOk(s.duration_s <= 10.5, `the plan took ${s.duration_s} s`);
      assertEquals(s.asked?.requests, 550);
      assertOk(s.achieved_pct! < 80, `achieved ${s.achieved_pct}%`);
    },
  },
];

for (const c of CASES) {
  Deno.test(`verdict of a run: ${c.name}`, async () => {
    const s = await summaryOf(config(c.cfg), c.deps, { stages: c.stages });
    const v = s.bottleneck!;
    assertEquals([v.stage, v.flag], [c.stage, c.flag], `${c.name}: ${v.advice}`);
    assertOk(c.advice.test(v.advice), `${c.name}: ${v.advice}`);
    c.check?.(s);
  });
}
