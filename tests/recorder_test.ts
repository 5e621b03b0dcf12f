import { assertEquals, assertOk } from "./_assert.ts";
import { decodeHistogram, newHistogram, percentilesMs } from "../lib/histogram.ts";
import { type Live, newLive, Recorder } from "../lib/client/record/recorder.ts";
import { buildSummary, statsLine } from "../lib/results/summary.ts";
import { summaryTable } from "../lib/results/table.ts";
import { newResult, notSent, type Result } from "../lib/client/record/result.ts";
import { type Accounting } from "../lib/results/mod.ts";

/** A finished result: scheduled at `at`, sent and done as given. */
const result = (seq: number, at: number, over: Partial<Result> = {}): Result =>
  Object.assign(
    newResult(seq, at, at),
    { status: 200, bytes: 100, sentAt: at, doneAt: at + 10 },
    over,
  );

const live = (over: Partial<Live> = {}): Live => newLive({ rate: 10, ...over });

function checkAccounting(a: Accounting) {
  const notSent = a.not_sent.stopped + a.not_sent.queue_full;
  assertEquals(a.scheduled, a.sent + a.queued + notSent, "scheduled = sent + queued + not sent");
  assertEquals(
    a.sent,
    a.ok + a.http_error + a.failed + a.timed_out + a.cancelled + a.in_flight,
    "sent = outcomes + in flight",
  );
}

Deno.test("recorder: every outcome is counted once and the accounting holds at each step", () => {
  const r = new Recorder(0);
  const outcomes: Partial<Result>[] = [
    {},
    { status: 503 },
    { status: 0, error: "refused" },
    { status: 0, error: "timeout" },
    { status: 0, error: "cancelled" },
    { status: 404 },
  ];
  const l = live();
  outcomes.forEach((o, i) => {
    // Released and queued, then sent, then ended: the accounting holds at each step.
    l.scheduled++;
    l.queued++;
    checkAccounting(r.accounting(l));
    l.queued--;
    l.sent++;
    checkAccounting(r.accounting(l));
    assertEquals(r.accounting(l).in_flight, 1);
    r.record(result(i, i, { sentAt: i + 1, doneAt: i + 11, ...o }));
    checkAccounting(r.accounting(l));
  });
  l.scheduled++;
  r.record(notSent(newResult(6, 6, 6), "stopped"));
  const { accounting: a, total } = r.totals(l);
  checkAccounting(a);
  assertEquals(
    [a.scheduled, a.sent, a.ok, a.http_error, a.failed, a.timed_out, a.cancelled, a.in_flight],
    [7, 6, 1, 2, 1, 1, 1, 0],
  );
  assertEquals(a.not_sent.stopped, 1);
  assertEquals(Object.fromEntries(total.status), { 200: 1, 503: 1, 404: 1 });
  assertEquals(Object.fromEntries(total.errorKinds), { refused: 1, timeout: 1, cancelled: 1 });
});

Deno.test("recorder: intervals report rates, latency from the send and from the schedule", () => {
  const r = new Recorder(0);
  for (let i = 0; i < 10; i++) {
    // Written 2 ms late, answered 20 ms later.
    r.record(result(i, i * 100, { sentAt: i * 100 + 2, doneAt: i * 100 + 22 }));
  }
  const s = r.takeInterval(1000, live({ scheduled: 13, sent: 10, queued: 3 }));
  assertEquals([s.api_per_s, s.done_per_s, s.queue, s.rate, s.errors], [10, 10, 3, 10, 0]);
  assertOk(Math.abs(s.latency_ms.p50 - 20) < 0.05, `p50 ${s.latency_ms.p50}`);
  assertOk(Math.abs(s.corrected_ms.p50 - 22) < 0.05, `corrected ${s.corrected_ms.p50}`);
  assertEquals(
    statsLine(s),
    "[stats] api/s: 10 | done/s: 10 | queue: 3 | p50 20.0ms p99 20.0ms | err 0 | rate 10.0",
  );
  // The next interval starts empty; its api/s counts only its own sends.
  const next = r.takeInterval(2000, live({ scheduled: 13, sent: 12, queued: 1 }));
  assertEquals([next.api_per_s, next.latency_ms.p50], [2, 0]);
});

Deno.test("recorder: a CPU job's outcome decides done/s and the job counts", () => {
  const r = new Recorder(0);
  r.record(result(0, 0, { job: "done" }));
  r.record(result(1, 0, { job: "failed" }));
  r.record(result(2, 0, { job: "cancelled" }));
  const s = r.takeInterval(1000, live({ scheduled: 3, sent: 3, jobsSubmitted: 3 }));
  assertEquals(s.done_per_s, 1);
  assertEquals(s.accounting.jobs, {
    submitted: 3,
    done: 1,
    failed: 1,
    cancelled: 1,
    queued: 0,
    running: 0,
  });
});

Deno.test("recorder: controller windows see overload and lag", () => {
  const r = new Recorder(0, { controller: true });
  for (let i = 0; i < 4; i++) {
    r.record(result(i, 0, i < 2 ? { status: 503, sentAt: 5 } : { sentAt: 5 }));
  }
  const w = r.takeWindow(250, live({ scheduled: 6, sent: 4, queued: 2, rate: 16 }));
  assertEquals([w.scheduled, w.sent, w.completed, w.ok, w.overload, w.queueEnd], [
    6,
    4,
    4,
    2,
    2,
    2,
  ]);
  assertOk(Math.abs(w.lagP90 - 5) < 0.01);
  assertEquals(r.windowCompleted, 0);
  // The next window counts from where this one ended.
  const next = r.takeWindow(500, live({ scheduled: 7, sent: 6, queued: 1, rate: 16 }));
  assertEquals([next.scheduled, next.sent, next.queueStart, next.queueEnd], [1, 2, 2, 1]);
});

Deno.test("summary: rates over the run, intervals adding up, histograms that decode", () => {
  const r = new Recorder(0);
  for (let i = 0; i < 100; i++) {
    r.record(result(i, i * 10, { doneAt: i * 10 + 5 }));
    if (i === 49) r.takeInterval(500, live({ scheduled: 50, sent: 50 }));
  }
  const s = buildSummary(r.totals(live({ scheduled: 100, sent: 100 })), {
    url: "http://x/",
    durationMs: 1000,
    drainMs: 5,
    targetRate: 100,
    finalRate: 100,
    adaptive: false,
    stoppedBy: "duration",
  });
  assertEquals(s.achieved_rate, 100);
  assertEquals(s.requests.ok, 100);
  const h = decodeHistogram(s.histograms.latency_us);
  assertEquals(h.totalCount, 100);
  const text = summaryTable(s);
  assertOk(text.includes("100 = ok 100 + http error 0"), text);
});

Deno.test("percentiles never lie above the max; an empty interval shows '-' for latency", () => {
  const h = newHistogram();
  // 48.275 ms: its bucket's highest equivalent value is above it.
  h.recordValue(48_275);
  const p = percentilesMs(h);
  assertOk(p.p99 <= p.max && p.p50 <= p.max, JSON.stringify(p));
  const r = new Recorder(0);
  const s = r.takeInterval(1000, live({ jobsQueued: 55 }));
  assertEquals(
    statsLine(s),
    "[stats] api/s: 0 | done/s: 0 | queue: 0 | jobs: 55 | p50 - p99 - | err 0 | rate 10.0",
  );
  assertEquals(s.jobs_queued, 55);
});

Deno.test("summary: errors is one number of every kind, with the kinds beside it", () => {
  const r = new Recorder(0);
  r.record(result(0, 0, { status: 503 }));
  r.record(result(1, 0, { status: 0, error: "timeout" }));
  r.record(result(2, 0));
  const s = buildSummary(r.totals(live({ scheduled: 3, sent: 3 })), {
    url: "http://x/",
    durationMs: 1000,
    drainMs: 0,
    targetRate: 3,
    finalRate: 3,
    adaptive: false,
    stoppedBy: "duration",
  });
  assertEquals([s.errors, s.error_kinds], [2, { timeout: 1 }]);
  assertOk(summaryTable(s).includes("errors          2 (timeout: 1)"), summaryTable(s));
});
