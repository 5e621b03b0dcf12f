/**
 * A run's Prometheus metrics: the exposition parses with an independent parser (npm
 * `parse-prometheus-text-format`), its counters add up the intervals, its fixed buckets hold the
 * HDR counts exactly (to HDR's 3 significant digits); and a real run's `/metrics` agrees with
 * its own summary to the request.
 */
import { assertEquals, assertOk } from "./_assert.ts";
import { assertUsageErrors, spawnRun } from "./_helpers.ts";
import { families, valueOf } from "./_prometheus.ts";
import { encodeHistogram, newHistogram } from "../lib/histogram.ts";
import { HdrBuckets } from "../lib/prometheus.ts";
import { LATENCY_BUCKETS, RunMetrics } from "../lib/report/run_metrics.ts";
import type { IntervalSnapshot, NameRecord } from "../lib/results/mod.ts";

const ZERO = { p50: 0, p90: 0, p99: 0, max: 0 };

/** An interval with `status` and `kinds`, sent `sent` requests in all. */
function interval(
  sent: number,
  status: Record<string, number>,
  kinds: Record<string, number> = {},
  over: Partial<IntervalSnapshot> = {},
): IntervalSnapshot {
  const counts = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
  const done = counts(status) + counts(kinds);
  return {
    t: 1,
    interval_s: 1,
    api_per_s: sent,
    done_per_s: done,
    queue: 2,
    rate: 100,
    in_flight: 3,
    consumers: 8,
    jobs_queued: null,
    latency_ms: ZERO,
    corrected_ms: ZERO,
    pacer_lateness_us: ZERO,
    send_lateness_us: ZERO,
    errors: 0,
    status,
    error_kinds: kinds,
    accounting: {
      scheduled: sent,
      sent,
      queued: 0,
      not_sent: { stopped: 0, queue_full: 1 },
      ok: done,
      http_error: 0,
      failed: 0,
      timed_out: 0,
      cancelled: 0,
      in_flight: 0,
      jobs: { submitted: 0, done: 0, failed: 0, cancelled: 0, queued: 0, running: 0 },
    },
    ...over,
  };
}

function histogramOf(valuesUs: number[]): string {
  const h = newHistogram();
  for (const v of valuesUs) h.recordValue(v);
  return encodeHistogram(h);
}

Deno.test("run metrics: counters add the intervals up; the exposition parses", () => {
  const m = new RunMetrics({ runId: "abc" });
  const h = (us: number[]) => ({
    latency_us: histogramOf(us),
    corrected_latency_us: histogramOf(us.map((v) => v + 500)),
    send_lateness_us: histogramOf(us.map(() => 40)),
  });
  m.add(interval(10, { "200": 8, "503": 1 }, { timeout: 1 }), h([1000, 2000, 30_000]));
  m.add(interval(25, { "200": 12 }, { refused: 2 }, { rate: 150 }), h([5000]));
  const f = families(m.text());
  assertEquals(valueOf(f.get("tpsdemo_run_info"), { run_id: "abc" }), 1);
  assertEquals(valueOf(f.get("tpsdemo_run_requests_sent_total")), 25);
  const done = f.get("tpsdemo_run_requests_completed_total")!;
  assertEquals(done.type, "COUNTER");
  assertEquals(valueOf(done, { status: "200" }), 20);
  assertEquals(valueOf(done, { status: "503" }), 1);
  assertEquals(valueOf(done, { kind: "timeout" }), 1);
  assertEquals(valueOf(done, { kind: "refused" }), 2);
  assertEquals(valueOf(f.get("tpsdemo_run_requests_not_sent_total"), { reason: "queue_full" }), 1);
  assertEquals(valueOf(f.get("tpsdemo_run_target_requests_per_second")), 150);
  assertEquals(valueOf(f.get("tpsdemo_run_queued_requests")), 2);
  assertEquals(valueOf(f.get("tpsdemo_run_in_flight_requests")), 3);
  assertOk(!f.has("tpsdemo_run_queued_cpu_jobs"), "no CPU jobs, no backlog gauge");
  const service = f.get("tpsdemo_run_service_time_seconds")!;
  assertEquals(service.type, "HISTOGRAM");
  const b = service.metrics[0]!.buckets!;
  assertEquals([b["0.001"], b["0.0025"], b["0.005"], b["0.03"], b["+Inf"]], [
    "1",
    "2",
    "3",
    "4",
    "4",
  ]);
  assertEquals(service.metrics[0]!.count, "4");
  assertOk(Math.abs(Number(service.metrics[0]!.sum) - 0.038) < 0.0001);
  const late = f.get("tpsdemo_run_send_lateness_seconds")!.metrics[0]!;
  assertEquals([late.buckets!["0.00005"], late.count], ["4", "4"]);
});

Deno.test("run metrics: a run of several targets has each name's series from the start", () => {
  const m = new RunMetrics();
  m.names(["login", "work"]);
  let f = families(m.text());
  assertEquals(valueOf(f.get("tpsdemo_run_requests_sent_total"), { name: "work" }), 0);
  const name = (sent: number, status: Record<string, number>, us: number[]): NameRecord => ({
    scheduled: sent,
    sent,
    ok: sent,
    http_error: 0,
    check_failed: 0,
    failed: 0,
    timed_out: 0,
    cancelled: 0,
    not_sent: 0,
    errors: 0,
    status,
    error_kinds: {},
    latency_ms: ZERO,
    corrected_ms: ZERO,
    corrected_latency_us: histogramOf(us),
  });
  const names = { login: name(3, { "200": 3 }, [900, 900, 900]), work: name(1, { "410": 1 }, [7]) };
  m.add(interval(4, { "200": 3, "410": 1 }, {}, { names }));
  m.add(interval(8, { "200": 3, "410": 1 }, {}, { names }));
  f = families(m.text());
  const sent = f.get("tpsdemo_run_requests_sent_total")!;
  assertEquals([valueOf(sent, { name: "login" }), valueOf(sent, { name: "work" })], [6, 2]);
  assertEquals(sent.metrics.length, 2, "no series without a name beside them");
  const done = f.get("tpsdemo_run_requests_completed_total")!;
  assertEquals(valueOf(done, { name: "work", status: "410" }), 2);
  // (The npm parser folds the series of a labelled histogram together: their lines, then.)
  const text = m.text();
  assertOk(text.includes('tpsdemo_run_latency_seconds_count{name="login"} 6\n'), text);
  assertOk(text.includes('tpsdemo_run_latency_seconds_bucket{name="work",le="0.0001"} 2\n'));
  assertOk(!/tpsdemo_run_latency_seconds_count [0-9]/.test(text), "no series without a name");
});

Deno.test("run metrics: the fixed buckets hold the HDR counts, to its 3 significant digits", () => {
  const h = newHistogram();
  const values: number[] = [];
  let seed = 7;
  for (let i = 0; i < 20_000; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const us = Math.round(Math.exp((seed / 2 ** 31) * Math.log(5e6))); // 1 µs to 5 s, log-spread
    values.push(us);
    h.recordValue(us);
  }
  const b = new HdrBuckets(LATENCY_BUCKETS);
  b.add(h);
  let cumulative = 0;
  LATENCY_BUCKETS.forEach((bound, i) => {
    cumulative += b.counts[i]!;
    const us = bound * 1e6;
    const exact = values.filter((v) => v <= us).length;
    // The only values counted differently are those HDR cannot tell from the bound.
    const within = values.filter((v) => v <= h.highestEquivalentValue(us)).length;
    assertOk(cumulative >= exact && cumulative <= within, `le=${bound}: ${cumulative} ${exact}`);
  });
  assertEquals(cumulative + b.counts[LATENCY_BUCKETS.length]!, values.length);
  const sum = values.reduce((a, v) => a + v, 0) / 1e6;
  assertOk(Math.abs(b.sum - sum) / sum < 0.001, `sum ${b.sum} vs ${sum}`);
});

Deno.test("run --dashboard: its /metrics equals the run's own summary, to the request", async () => {
  const run = spawnRun([
    "--rate",
    "200",
    "--duration",
    "2s",
    "--work-time",
    "0",
    "--json",
    "--dashboard=127.0.0.1:0",
  ]);
  try {
    const url = (await run.stderr.until(/dashboard at/)).replace(/^.*dashboard at /, "");
    const summary = JSON.parse(await run.stdout.until(/"type":"summary"/));
    await run.stderr.until(/final report is at/);
    const res = await fetch(`${url}metrics`);
    assertEquals(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    const f = families(await res.text());
    const r = summary.requests;
    assertEquals(valueOf(f.get("tpsdemo_run_requests_sent_total")), r.sent);
    assertEquals(valueOf(f.get("tpsdemo_run_requests_scheduled_total")), r.scheduled);
    const done = f.get("tpsdemo_run_requests_completed_total")!.metrics;
    assertEquals(
      done.reduce((a, s) => a + Number(s.value), 0),
      r.ok + r.http_error + r.check_failed + r.failed + r.timed_out + r.cancelled,
    );
    assertEquals(valueOf(f.get("tpsdemo_run_requests_completed_total"), { status: "200" }), r.ok);
    assertEquals(valueOf(f.get("tpsdemo_run_info"), { run_id: summary.run_id }), 1);
    const lat = f.get("tpsdemo_run_latency_seconds")!.metrics[0]!;
    assertEquals(Number(lat.count), r.ok);
    assertEquals(Number(f.get("tpsdemo_run_send_lateness_seconds")!.metrics[0]!.count), r.ok);
  } finally {
    run.child.kill("SIGINT");
    await run.child.status;
    await run.stdout.rest();
    await run.stderr.rest();
  }
});

Deno.test("run --metrics: a malformed or taken address exits 2 with one line naming it", async () => {
  const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    await assertUsageErrors([
      [["run", "--metrics", "nowhere"], `'--metrics' must be PORT, HOST:PORT or :PORT`],
      [["run", "--metrics", "127.0.0.1:99999"], `'--metrics' must be PORT`],
      [
        ["run", "--metrics", `127.0.0.1:${busy.addr.port}`],
        `'--metrics' must be an address this machine can listen on (AddrInUse), got "127.0.0.1:`,
      ],
    ]);
  } finally {
    busy.close();
  }
});
