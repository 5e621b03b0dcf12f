/**
 * `report` of runs with several targets (`run --targets`): each name's counts and histograms
 * merge exactly (the merge of two halves of a run is the whole run, name by name), its
 * intervals' names add per wall-clock second and on a run's time line, and the terminal shows a
 * row per name; end to end, a real run of three targets against `serve` and its shards, read
 * back by `report` (its page is tested in `browser_test.ts`).
 *
 * @module
 */

import { assertEquals, assertOk } from "./_assert.ts";
import { runCli, startServe } from "./_helpers.ts";
import { ByName } from "../lib/client/record/names.ts";
import { newResult, type RunRecord } from "../lib/client/record/result.ts";
import { decodeHistogram, percentilesMs } from "../lib/histogram.ts";
import { mergeResults, type NameTotals, readResults, type Summary } from "../lib/results/mod.ts";
import { summaryTable } from "../lib/results/table.ts";
import { groupRuns, type RunPart } from "../lib/report/runs.ts";
import { runView } from "../lib/report/run_view.ts";
import { runsTable } from "../lib/report/runs_table.ts";

const FIXTURE = readResults(
  await Deno.readTextFile(new URL("./fixtures/results.ndjson", import.meta.url)),
  "fixture",
);
const BASE = FIXTURE.summaries[0]!;
const T0 = 1_800_000_000_000;
const NAMES = ["work", "cached", "coupon"];

/** Request `i` of a 3:1:1 mix over 4 s: ok, 503s, timeouts, failed checks, a few not sent. */
function record(i: number): RunRecord {
  const target = i % 5 < 3 ? 0 : i % 5 === 3 ? 1 : 2;
  const at = (i * 4000) / 400; // 400 requests over 4 s, ms
  if (i % 97 === 0) return { type: "not_sent", seq: i, target, scheduledAt: at, reason: "stopped" };
  const r = Object.assign(newResult(i, at, at), { target, sentAt: at + 0.1 });
  const ms = 1 + ((i * 7919) % 50) + target * 20;
  if (i % 31 === 0) return Object.assign(r, { doneAt: at + 1000, error: "timeout" as const });
  return Object.assign(r, {
    doneAt: at + ms,
    status: i % 13 === 0 ? 503 : 200,
    ...(target === 2 && i % 3 === 0 ? { judged: "check_failed" as const } : {}),
  });
}

/** One part's records as a results file holds them: a summary with names, an interval a second. */
function partOf(file: string, seqs: number[], shard?: [number, number]): RunPart {
  const records = seqs.map(record);
  const totals = new ByName(NAMES);
  const count = (rs: RunRecord[], sent: boolean) =>
    NAMES.map((_, k) => rs.filter((r) => r.target === k && (!sent || r.type === "result")).length);
  for (const r of records) totals.add(r);
  const intervals = [1, 2, 3, 4].map((t) => {
    const mine = records.filter((r) => r.scheduledAt >= (t - 1) * 1000 && r.scheduledAt < t * 1000);
    const window = new ByName(NAMES);
    for (const r of mine) window.add(r);
    return {
      ...structuredClone(FIXTURE.intervals[t - 1]!),
      run_id: file,
      t,
      t_unix_ms: T0 + t * 1000,
      names: window.intervals(count(mine, false), count(mine, true), true),
    };
  });
  const names = totals.totals(count(records, false), count(records, true));
  const checks = Object.values(names).reduce((a, n) => a + n.check_failed, 0);
  intervals.forEach((r, i) => {
    const upTo = intervals.slice(0, i + 1).flatMap((x) => Object.values(x.names));
    r.accounting = { ...r.accounting, check_failed: upTo.reduce((a, n) => a + n.check_failed, 0) };
  });
  const summary: Summary = {
    ...structuredClone(BASE),
    run_id: file,
    t_unix_ms: T0,
    requests: { ...BASE.requests, check_failed: checks },
    failed_status: { "503": Object.values(names).reduce((a, n) => a + n.http_error, 0) },
    names,
    ...(shard ? { shard: { index: shard[0], count: shard[1] } } : {}),
  };
  return { file, summary, intervals, events: [] };
}

const ALL = Array.from({ length: 400 }, (_, i) => i);
const EVEN = ALL.filter((i) => i % 2 === 0), ODD = ALL.filter((i) => i % 2 === 1);
const asResults = (p: RunPart) => ({ summaries: [p.summary], intervals: p.intervals });

Deno.test("report names: the merge of two halves of a run is the whole run, name by name", () => {
  const whole = partOf("whole", ALL);
  const halves = [partOf("even", EVEN, [0, 2]), partOf("odd", ODD, [1, 2])];
  const merged = mergeResults(halves.map(asResults));
  const names = merged.summary.names!;
  // The whole run as a results file gives it back (a histogram read back keeps its buckets:
  // its max is its top bucket's, as any merge's).
  const one = mergeResults([asResults(whole)]);
  assertEquals(Object.keys(names), NAMES);
  for (const name of NAMES) {
    const got = names[name]!, want = one.summary.names![name]!;
    // Counts, statuses, error kinds, percentiles and the histograms themselves.
    assertEquals(got, want, name);
    // The counts are the run's own, its histograms' counts too.
    const raw = whole.summary.names![name]!;
    const counts = (n: NameTotals) => {
      const { latency_ms: _, corrected_latency_ms: __, histograms, ...rest } = n;
      const total = (h: string) => decodeHistogram(h).totalCount;
      return {
        ...rest,
        n: total(histograms.latency_us),
        c: total(histograms.corrected_latency_us),
      };
    };
    assertEquals(counts(got), counts(raw));
    assertEquals(got.corrected_latency_ms.p50, raw.corrected_latency_ms.p50);
    assertEquals(
      decodeHistogram(got.histograms.corrected_latency_us).totalCount,
      got.ok + got.http_error + got.check_failed,
    );
  }
  assertEquals(names.work!.scheduled, 240);
  assertOk(names.coupon!.check_failed > 0 && names.work!.http_error > 0);
  assertOk(names.cached!.error_kinds.timeout! > 0, "timeouts by name");
  // The run's totals add too: checks failed and the statuses that failed.
  assertEquals(merged.summary.requests.check_failed, whole.summary.requests.check_failed);
  assertEquals(merged.summary.failed_status, whole.summary.failed_status);
  // Per wall-clock second, each name's requests and histogram, as one run's.
  assertEquals(merged.seconds.length, 4);
  merged.seconds.forEach((s, i) => {
    const w = one.seconds[i]!;
    assertEquals(s.check_failed, w.check_failed);
    for (const name of NAMES) {
      const [a, b] = [s.names![name]!, w.names![name]!];
      assertEquals([a.scheduled, a.sent, a.errors, a.check_failed], [
        b.scheduled,
        b.sent,
        b.errors,
        b.check_failed,
      ]);
      assertEquals(a.corrected.totalCount, b.corrected.totalCount);
      assertEquals(a.corrected.getValueAtPercentile(99), b.corrected.getValueAtPercentile(99));
    }
  });
  assertOk(merged.seconds.some((s) => s.check_failed > 0), "checks failed per second");
});

Deno.test("report names: files without names merge as before; a mix keeps the names it has", () => {
  const plain = { summaries: [BASE], intervals: FIXTURE.intervals };
  const merged = mergeResults([plain, plain]);
  assertEquals(merged.summary.names, undefined);
  assertEquals(merged.summary.failed_status, undefined);
  assertEquals(merged.summary.requests.sent, 2 * BASE.requests.sent);
  assertOk(merged.seconds.every((s) => s.names === undefined));
  const mixed = mergeResults([plain, asResults(partOf("n", ALL))]);
  assertEquals(mixed.summary.names!.work!.scheduled, 240);
});

Deno.test("report names: a run of shards has its names added, on its time line too", () => {
  const whole = partOf("whole", ALL);
  const groups = groupRuns([partOf("even", EVEN, [0, 2]), partOf("odd", ODD, [1, 2])]);
  assertEquals(groups.length, 1);
  const view = runView(groups[0]!);
  assertEquals(view.summary.names, mergeResults([asResults(whole)]).summary.names);
  assertEquals(view.intervals.length, 4);
  view.intervals.forEach((r, i) => {
    const w = whole.intervals[i]!.names!;
    for (const name of NAMES) {
      const { corrected_latency_us: got, corrected_ms, ...counts } = r.names![name]!;
      const { corrected_latency_us: want, corrected_ms: _, ...wanted } = w[name]!;
      // Service time is the worst shard's (intervals carry no histogram of it by name).
      assertEquals({ ...counts, latency_ms: null }, { ...wanted, latency_ms: null });
      // The corrected latency is the added histograms' (read back: buckets, as any merge's).
      assertEquals(corrected_ms, percentilesMs(decodeHistogram(want!)));
      assertEquals(decodeHistogram(got!).totalCount, decodeHistogram(want!).totalCount);
    }
  });
});

Deno.test("report names: the terminal shows a row per name, for one run and side by side", () => {
  const one = summaryTable(mergeResults([asResults(partOf("a", ALL))]).summary);
  assertOk(/^ {2}by name +work: sent 237 of 240, /m.test(one), one);
  assertOk(/^ +coupon: sent \d+ of 80, ok \d+, \d+ errors \(.*check failed: \d+\)/m.test(one), one);
  const a = runView({ name: "a", parts: [partOf("a.ndjson", ALL)] });
  const b = runView({ name: "b", parts: [{ ...partOf("b.ndjson", EVEN), file: "b.ndjson" }] });
  const plain = runView({ name: "plain", parts: [{ ...partOf("c", ALL), summary: BASE }] });
  const table = runsTable([a, b, plain]);
  assertOk(/^ {2}by name$/m.test(table), table);
  const row = table.split("\n").find((l) => /^ {4}work /.test(l))!;
  assertOk(/ {2}sent 237, p99 [\d.]+ms, errors [\d.]+% +sent 119, p99 /.test(row), row);
  assertOk(row.trimEnd().endsWith("-"), `a run without names: ${row}`);
  assertOk(!runsTable([plain, plain]).includes("by name"), "no names, no rows");
});

/** The mix 3:1:1 of the README's example against `base`. */
const mix = (base: string) =>
  `#@ name=work weight=3\nGET ${base}/api/work\n\n` +
  `#@ name=cached weight=1\nGET ${base}/cached?id={{rand:1:5}}\n\n` +
  `#@ name=coupon weight=1 expect=200-299,410 check=json.coupon exists\nPOST ${base}/coupons\n`;

// deno-lint-ignore no-explicit-any
type Json = any;

Deno.test("report names e2e: a run of three targets, its shards merged, judged by name", async () => {
  const server = await startServe([]);
  const dir = await Deno.makeTempDir();
  try {
    const targets = `${dir}/targets.txt`;
    await Deno.writeTextFile(targets, mix(`http://127.0.0.1:${server.port}`));
    const run = (file: string, more: string[] = []) =>
      runCli([
        "run",
        ...["--targets", targets, "--requests", "50", "--rate", "100", "--work-time", "0"],
        ...["--out", `${dir}/${file}`, ...more],
      ]);
    const done = await Promise.all([
      run("whole.ndjson"),
      run("s0.ndjson", ["--shard", "0/2"]),
      run("s1.ndjson", ["--shard", "1/2"]),
    ]);
    for (const r of done) assertEquals(r.code, 0, r.stderr);
    const report = async (args: string[], code = 0) => {
      const r = await runCli([
        "report",
        ...args.map((a) => a.endsWith(".ndjson") ? `${dir}/${a}` : a),
      ]);
      assertEquals(r.code, code, r.stderr);
      return r.stdout;
    };
    // One run: 50 requests, 3:1:1 exactly, each accounted for.
    const one: Json = JSON.parse(await report(["whole.ndjson", "--json"]));
    const sent = (s: Json) =>
      Object.fromEntries(Object.entries(s.names).map(([k, n]: Json) => [k, n.sent]));
    assertEquals(sent(one), { work: 30, cached: 10, coupon: 10 });
    for (const n of Object.values(one.names) as Json[]) {
      assertEquals(n.scheduled, n.sent);
      assertEquals(
        n.ok + n.http_error + n.check_failed + n.failed + n.timed_out + n.cancelled,
        n.sent,
      );
    }
    // The shards of one run: each name's counts and histograms add.
    const shards = await Promise.all(
      ["s0", "s1"].map(async (f) =>
        JSON.parse((await Deno.readTextFile(`${dir}/${f}.ndjson`)).trim().split("\n").at(-1)!)
      ),
    );
    const merged: Json = JSON.parse(await report(["s0.ndjson", "s1.ndjson", "--json"]));
    assertEquals(sent(merged), { work: 60, cached: 20, coupon: 20 });
    for (const name of ["work", "cached", "coupon"]) {
      const count = (s: Json) =>
        decodeHistogram(s.names[name].histograms.corrected_latency_us).totalCount;
      assertEquals(count(merged), count(shards[0]) + count(shards[1]), name);
      assertEquals(merged.names[name].ok, shards[0].names[name].ok + shards[1].names[name].ok);
    }
    // Judged by name: every work response took the server's 20 ms ± 5; the coupons are fast
    // (the run's p50 is work's: a threshold on the run would pass).
    const judged: Json = JSON.parse(
      await report([
        "whole.ndjson",
        "--json",
        ...["--threshold", "p50{name=work}>=15ms over 1s", "--threshold", "p50{name=coupon}>=15ms"],
      ], 99),
    );
    assertEquals(judged.thresholds.map((t: Json) => t.pass), [true, false]);
    // The terminal: a row per name.
    const table = await report(["whole.ndjson"]);
    assertOk(/by name +work: sent 30 of 30, /.test(table), table);
    assertOk(/^ +coupon: sent 10 of 10, /m.test(table), table);
  } finally {
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
