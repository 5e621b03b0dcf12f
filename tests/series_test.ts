/**
 * The report's data: columns from interval records (exact re-bucketing, the drain interval, late
 * status codes), the percentile curve, the report model of several runs, and the live feed and
 * dashboard app (replay, then live rows, then the summary, over server-sent events).
 *
 * @module
 */

import { assertEquals, assertOk } from "./_assert.ts";
import { RunControl } from "../lib/client/steer/run_control.ts";
import { decodeHistogram, newHistogram, percentileCurve, percentilesMs } from "../lib/histogram.ts";
import { pageAssets } from "../lib/report/assets.ts";
import { dashboardApp, LiveFeed } from "../lib/report/dashboard.ts";
import { reportModel } from "../lib/report/html.ts";
import { type IntervalRecord, mergeResults, readResults } from "../lib/results/mod.ts";
import { appendRow, columnsOf, emptyColumns, rowOf } from "../lib/report/series.ts";
import { chartSpecs } from "../lib/report/specs.ts";

const FIXTURE = await Deno.readTextFile(new URL("./fixtures/results.ndjson", import.meta.url));
const results = readResults(FIXTURE, "fixture");

function record(t: number, overrides: Partial<IntervalRecord> = {}): IntervalRecord {
  const p = { p50: 1, p90: 2, p99: 3, max: 4 };
  return {
    type: "interval",
    t,
    interval_s: 1,
    api_per_s: 100,
    done_per_s: 100,
    queue: 0,
    rate: 100,
    in_flight: 1,
    consumers: 4,
    jobs_queued: null,
    latency_ms: p,
    corrected_ms: p,
    pacer_lateness_us: p,
    send_lateness_us: p,
    errors: 0,
    status: { "200": 100 },
    error_kinds: {},
    accounting: {} as IntervalRecord["accounting"],
    ...overrides,
  };
}

Deno.test("series: a bucket's percentiles are those of its intervals' histograms added", () => {
  const intervals = results.intervals.slice(0, 4); // whole seconds, each with histograms
  assertOk(intervals.every((i) => i.histograms), "the fixture has interval histograms");
  const cols = columnsOf(intervals, 2);
  assertEquals(cols.t.length, 2);
  for (let b = 0; b < 2; b++) {
    const h = newHistogram();
    for (const i of intervals.slice(2 * b, 2 * b + 2)) {
      h.add(decodeHistogram(i.histograms!.corrected_latency_us));
    }
    const p = percentilesMs(h);
    assertEquals(cols.cor.map((c) => c[b]), [p.p50, p.p90, p.p99, p.max], `bucket ${b}`);
  }
  // Rates are the bucket's counts over its time: two 1-s intervals of 100 and 300 are 200/s.
  const two = columnsOf([
    record(1, { api_per_s: 100 }),
    record(2, { api_per_s: 300, queue: 7 }),
  ], 1);
  assertEquals(two.sent, [200]);
  assertEquals(two.queue, [7], "gauges keep the bucket's worst");
});

Deno.test("series: the short intervals at the end (stop, drain) join the one before them", () => {
  const cols = columnsOf([
    record(1),
    record(2),
    record(2.02, { interval_s: 0.02, api_per_s: 50 }),
    record(2.05, { interval_s: 0.03, api_per_s: 0, done_per_s: 200 }),
  ]);
  assertEquals(cols.t, [1, 2.05]);
  // (100 × 1 s + 50 × 0.02 s + 0 × 0.03 s) / 1.05 s
  assertEquals(cols.sent, [100, Math.round((101 / 1.05) * 10) / 10]);
});

Deno.test("series: the drain is no point; a plan held to its stop keeps its target", () => {
  const cols = columnsOf([
    record(1),
    record(2),
    // At the stop the plan's rate is 0: it asked 100/s over the interval.
    record(3, { rate: 0, asked_per_s: 100 }),
    record(3.36, {
      interval_s: 0.36,
      drain: true,
      rate: 0,
      asked_per_s: 0,
      api_per_s: 0,
      done_per_s: 50,
      status: { "200": 16, "503": 2 },
      error_kinds: { timeout: 2 },
      latency_ms: { p50: 1, p90: 2, p99: 3, max: 9 },
    }),
  ]);
  assertEquals(cols.t, [1, 2, 3]);
  assertEquals(cols.target, [100, 100, 100]);
  assertEquals(cols.sent, [100, 100, 100]);
  // The drain's 18 responses and 2 timeouts count at the last point, over its second.
  assertEquals(cols.done, [100, 100, 118]);
  assertEquals(cols.status["200"], [100, 100, 116]);
  assertEquals(cols.status["503"], [0, 0, 2]);
  assertEquals(cols.kinds.timeout, [0, 0, 2]);
  assertEquals(cols.lat[3], [4, 4, 9]);
});

Deno.test("series: failed response checks are an error series beside the status codes", () => {
  const accounting = { check_failed: 20 } as IntervalRecord["accounting"];
  const cols = columnsOf([record(1, { accounting }), record(2)]);
  assertEquals(cols.kinds["check failed"], [20, 0]);
  const none = { p: [], ms: [] };
  const status = chartSpecs({ columns: cols, curves: { corrected: none, latency: none } }, false)
    .find((c) => c.id === "status")!;
  assertEquals(status.series.map((x) => x[0]), ["HTTP 200", "check failed"]);
});

Deno.test("series: a status code first seen late is zero before, in per-second units", () => {
  const cols = emptyColumns();
  appendRow(cols, rowOf(record(1)));
  appendRow(cols, rowOf(record(2, { interval_s: 0.5, status: { "200": 50, "503": 5 } })));
  assertEquals(cols.status["200"], [100, 100]);
  assertEquals(cols.status["503"], [0, 10]);
});

Deno.test("series: the percentile curve rises to the max, one point per level", () => {
  const summary = results.summaries[0];
  const h = decodeHistogram(summary!.histograms.corrected_latency_us);
  const c = percentileCurve(h);
  assertEquals(c.p.length, c.ms.length);
  assertOk(c.p.every((p, i) => i === 0 || p > c.p[i - 1]!), "levels increase");
  assertOk(c.ms.every((v, i) => i === 0 || v >= c.ms[i - 1]!), "latency never falls");
  assertEquals(c.ms.at(-1), h.maxValue / 1000);
  assertEquals(percentileCurve(newHistogram()), { p: [], ms: [] });
});

Deno.test("html: several runs are drawn side by side, the header has their merge", () => {
  const second = readResults(FIXTURE.replaceAll(results.summaries[0]!.run_id!, "second"), "b");
  const model = reportModel(
    [{ name: "a.ndjson", results }, { name: "b.ndjson", results: second }],
    mergeResults([results, second]),
  );
  assertEquals(model.runs.map((r) => r.label), ["a.ndjson", "b.ndjson"]);
  assertOk(model.header.includes("<th>merged</th>"), model.header);
  assertEquals(model.runs[0]!.columns.t, model.runs[1]!.columns.t);
});

/** Reads a server-sent events body into its events. */
async function events(res: Response): Promise<{ event: string; data: string }[]> {
  const text = await res.text();
  return text.split("\n\n").filter((b) => b.trim() !== "").map((block) => {
    const lines = block.split("\n");
    return {
      event: lines.find((l) => l.startsWith("event: "))!.slice(7),
      data: lines.filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n"),
    };
  });
}

Deno.test("dashboard: a late client gets every row, then the summary; / becomes the report", async () => {
  const feed = new LiveFeed();
  const app = dashboardApp(feed, { title: "t" }, pageAssets());
  assertOk((await (await app.request("/")).text()).includes('"mode":"live"'));
  const live = results.intervals.slice(0, 3);
  for (const r of live) feed.push(r);

  // A client that follows from now: the rows so far, then the rest as they come.
  const following = app.request("/events");
  for (const r of results.intervals.slice(3)) feed.push(r);
  feed.finish(results.summaries[0]!);
  const seen = await events(await following);
  assertEquals(
    seen.map((e) => e.event),
    [...results.intervals.map(() => "row"), "summary"],
  );
  assertEquals(JSON.parse(seen[0]!.data).row.t, results.intervals[0]!.t);
  assertOk(JSON.parse(seen.at(-2)!.data).curves.corrected.p.length > 0, "running curves");
  assertOk(JSON.parse(seen.at(-1)!.data).header.includes("scheduled"), "the summary's header");

  // After the end: / and /report.html serve the final report.
  const page = await (await app.request("/")).text();
  assertOk(page.includes('"mode":"report"'), "the final report");
  assertEquals((await app.request("/report.html")).status, 200);
  const late = await events(await app.request("/events"));
  assertEquals(late.at(-1)!.event, "summary");
});

Deno.test("dashboard API: steers the run, refuses what cannot apply, loopback only", async () => {
  const control = new RunControl();
  const asked: string[] = [];
  control.attach((c) =>
    c.type === "resume"
      ? { ok: false, status: 409, message: "not paused" }
      : { ok: true, event: { type: "event", t: 1, event: "pause", source: "api" } }
  );
  const app = dashboardApp(new LiveFeed(), { title: "t" }, pageAssets(), { control });
  const call = async (method: string, path: string, body?: string, from = "127.0.0.1") => {
    const info = { remoteAddr: { transport: "tcp", hostname: from, port: 1 } };
    const res = await app.request(path, { method, body }, info);
    asked.push(`${method} ${path} ${res.status}`);
    return await res.json();
  };
  assertEquals((await call("POST", "/pause")).ok, true);
  assertEquals((await call("POST", "/resume")).message, "not paused");
  assertEquals((await call("PUT", "/rate", "{}")).error, "bad_request");
  assertEquals((await call("PUT", "/rate", '{"rate": 50}')).ok, true);
  assertEquals((await call("POST", "/pause", undefined, "10.1.2.3")).error, "forbidden");
  assertEquals(asked, [
    "POST /pause 200",
    "POST /resume 409",
    "PUT /rate 400",
    "PUT /rate 200",
    "POST /pause 403",
  ]);
  // Asked to, it lets other hosts steer.
  const open = dashboardApp(new LiveFeed(), { title: "t" }, pageAssets(), {
    control,
    remote: true,
  });
  const info = { remoteAddr: { transport: "tcp", hostname: "10.1.2.3", port: 1 } };
  assertEquals((await open.request("/pause", { method: "POST" }, info)).status, 200);
  // Without a control, there is no API.
  const none = dashboardApp(new LiveFeed(), { title: "t" }, pageAssets());
  assertEquals((await none.request("/pause", { method: "POST" })).status, 404);
});
