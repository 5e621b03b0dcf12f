import { assertEquals, assertOk } from "./_assert.ts";
import { decodeHistogram, Recorder, type TickRecord } from "../lib/recorder.ts";
import { buildSummary, statsLine, summaryTable } from "../lib/reporters.ts";
import type { SendResult } from "../lib/http_client.ts";

const tick = (seq: number, at: number): TickRecord => ({ seq, scheduledAt: at, releasedAt: at });
const res = (over: Partial<SendResult>): SendResult => ({
  status: 200,
  bytes: 100,
  sentAt: 0,
  doneAt: 10,
  ...over,
});

function checkAccounting(a: ReturnType<Recorder["totals"]>["accounting"]) {
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
  const outcomes: Partial<SendResult>[] = [
    {},
    { status: 503 },
    { status: 0, error: "refused" },
    { status: 0, error: "timeout" },
    { status: 0, error: "cancelled" },
    { status: 404 },
  ];
  outcomes.forEach((o, i) => {
    const t = tick(i, i);
    r.tick(t);
    checkAccounting(r.totals().accounting);
    r.sending();
    checkAccounting(r.totals().accounting);
    r.result(t, res({ sentAt: i + 1, doneAt: i + 11, ...o }));
    checkAccounting(r.totals().accounting);
  });
  r.tick(tick(6, 6));
  r.notSent("stopped");
  const a = r.totals().accounting;
  checkAccounting(a);
  assertEquals(
    [a.scheduled, a.sent, a.ok, a.http_error, a.failed, a.timed_out, a.cancelled],
    [7, 6, 1, 2, 1, 1, 1],
  );
  assertEquals(a.not_sent.stopped, 1);
  assertEquals(r.totals().status, { "200": 1, "503": 1, "404": 1 });
  assertEquals(r.totals().error_kinds, { refused: 1, timeout: 1, cancelled: 1 });
});

Deno.test("recorder: intervals report rates, latency from the send and from the schedule", () => {
  const r = new Recorder(0);
  for (let i = 0; i < 10; i++) {
    const t = tick(i, i * 100);
    r.tick(t);
    r.sending();
    // Written 2 ms late, answered 20 ms later.
    r.result(t, res({ sentAt: i * 100 + 2, doneAt: i * 100 + 22 }));
    r.doneWithoutJob();
  }
  const s = r.takeInterval(1000, { queue: 3, rate: 10 });
  assertEquals([s.api_per_s, s.done_per_s, s.queue, s.rate, s.errors], [10, 10, 3, 10, 0]);
  assertOk(Math.abs(s.latency_ms.p50 - 20) < 0.05, `p50 ${s.latency_ms.p50}`);
  assertOk(Math.abs(s.corrected_ms.p50 - 22) < 0.05, `corrected ${s.corrected_ms.p50}`);
  assertEquals(
    statsLine(s),
    "[stats] api/s: 10 | done/s: 10 | queue: 3 | p50 20.0ms p99 20.0ms | err 0 | rate 10.0",
  );
  // The next interval starts empty.
  const empty = r.takeInterval(2000, { queue: 0, rate: 10 });
  assertEquals([empty.api_per_s, empty.latency_ms.p50], [0, 0]);
});

Deno.test("recorder: controller windows see overload and lag", () => {
  const r = new Recorder(0);
  for (let i = 0; i < 4; i++) {
    const t = tick(i, 0);
    r.tick(t);
    r.sending();
    r.result(t, res(i < 2 ? { status: 503, sentAt: 5 } : { sentAt: 5 }));
  }
  const w = r.takeWindow(250, { rate: 16, queue: 2 });
  assertEquals([w.sent, w.completed, w.ok, w.overload, w.queueEnd], [4, 4, 2, 2, 2]);
  assertOk(Math.abs(w.lagP90 - 5) < 0.01);
  assertEquals(r.windowCompleted, 0);
});

Deno.test("summary: rates over the run, histograms that decode, a readable table", () => {
  const r = new Recorder(0);
  for (let i = 0; i < 100; i++) {
    const t = tick(i, i * 10);
    r.tick(t);
    r.sending();
    r.result(t, res({ sentAt: i * 10, doneAt: i * 10 + 5 }));
  }
  const s = buildSummary(r.totals(), {
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
