/**
 * `report` tells separate runs from the shards of one run, on in-memory records: which parts make
 * one run (`groupRuns`, automatic and forced), how a run of shards is viewed (counts added, its
 * intervals added on its own time line, its pacer and verdict), the side-by-side table, the
 * capacity files it reads and the page's model of several runs.
 *
 * @module
 */

import { assertEquals, assertOk } from "./_assert.ts";
import { readResults, type Summary } from "../lib/results/mod.ts";
import { groupRuns, partsOf, type RunPart } from "../lib/report/runs.ts";
import { addIntervals, runView } from "../lib/report/run_view.ts";
import { runsTable } from "../lib/report/runs_table.ts";
import { capacityOf, readReportFile } from "../lib/report/inputs.ts";
import { RUN_COLORS, runsModel } from "../lib/report/runs_page.ts";

const FIXTURE = readResults(
  await Deno.readTextFile(new URL("./fixtures/results.ndjson", import.meta.url)),
  "fixture",
);
const BASE = FIXTURE.summaries[0]!;
const T0 = 1_800_000_000_000;

/** A part: the fixture's run as `file` holds it, with another id, start, rate and shard. */
function part(
  file: string,
  o: { id: string; t?: number; rate?: number; shard?: [number, number]; url?: string },
): RunPart {
  const summary: Summary = {
    ...structuredClone(BASE),
    run_id: o.id,
    t_unix_ms: o.t ?? T0,
    url: o.url ?? BASE.url,
    ...(o.rate === undefined ? {} : { target_rate: o.rate }),
    ...(o.shard ? { shard: { index: o.shard[0], count: o.shard[1] } } : {}),
  };
  const intervals = FIXTURE.intervals.map((r) => ({
    ...r,
    run_id: o.id,
    t_unix_ms: (o.t ?? T0) + r.t * 1000,
  }));
  return { file, summary, intervals, events: [] };
}

const names = (parts: RunPart[], reading?: "auto" | "shards" | "runs") =>
  groupRuns(parts, reading).map((g) => g.name);

Deno.test("runs: two runs one after the other are two runs, named by their files", () => {
  const a = part("out/a.ndjson", { id: "a", t: T0 });
  const b = part("out/b.ndjson", { id: "b", t: T0 + 60_000 });
  assertEquals(names([a, b]), ["a.ndjson", "b.ndjson"]);
  // Even at the same time: without shard fields, runs are runs.
  assertEquals(names([a, part("b.ndjson", { id: "b", t: T0 })]), ["a.ndjson", "b.ndjson"]);
  // Forced: one run (today's merge), or each its own.
  assertEquals(groupRuns([a, b], "shards").map((g) => g.parts.length), [2]);
  assertEquals(names([a, b], "runs"), ["a.ndjson", "b.ndjson"]);
});

Deno.test("runs: the shards of one run are one run; two sharded runs are two", () => {
  const shards = [0, 1, 2].map((i) =>
    part(`shard-${i}.ndjson`, { id: `s${i}`, t: T0 + i * 3, shard: [i, 3] })
  );
  const one = groupRuns(shards);
  assertEquals(one.map((g) => [g.name, g.parts.length]), [["shard-0.ndjson +2 shards", 3]]);
  // The same run later: a second run of its own shards.
  const later = [0, 1, 2].map((i) =>
    part(`later-${i}.ndjson`, { id: `l${i}`, t: T0 + 600_000, shard: [i, 3] })
  );
  const interleaved = [shards[0]!, later[0]!, shards[1]!, later[1]!, shards[2]!, later[2]!];
  assertEquals(
    groupRuns(interleaved).map((g) => g.parts.map((p) => p.summary.run_id)),
    [["s0", "s1", "s2"], ["l0", "l1", "l2"]],
  );
  // --as runs: every shard its own run.
  assertEquals(groupRuns(shards, "runs").length, 3);
});

Deno.test("runs: shards join only their own run (count, target, index, time)", () => {
  const s0 = part("s0", { id: "0", shard: [0, 2] });
  // Another count, another target, or an index taken: not the same run.
  assertEquals(groupRuns([s0, part("x", { id: "1", shard: [1, 3] })]).length, 2);
  assertEquals(groupRuns([s0, part("x", { id: "1", shard: [1, 2], url: "http://b/" })]).length, 2);
  assertEquals(groupRuns([s0, part("x", { id: "1", shard: [0, 2] })]).length, 2);
  // A shard that ran after the other ended.
  const after = part("x", { id: "1", shard: [1, 2], t: T0 + (BASE.duration_s + 1) * 1000 });
  assertEquals(groupRuns([s0, after]).length, 2);
  assertEquals(groupRuns([s0, part("x", { id: "1", shard: [1, 2], t: T0 + 500 })]).length, 1);
});

Deno.test("runs: the same run given twice is read once; names stay unique", () => {
  const a = part("a.ndjson", { id: "same" });
  assertEquals(groupRuns([a, part("stdin", { id: "same" })]).map((g) => g.parts.length), [1]);
  // Files of the same name in two folders: their paths.
  assertEquals(
    names([part("x/out.ndjson", { id: "1" }), part("y/out.ndjson", { id: "2" })]),
    ["x/out.ndjson", "y/out.ndjson"],
  );
  // One file with two runs: each named by its run_id too.
  const both = readResults(
    [BASE, { ...BASE, run_id: "second-run" }].map((s) => JSON.stringify(s)).join("\n"),
    "both",
  );
  assertEquals(names(partsOf("both.ndjson", both)), [
    `both.ndjson (${BASE.run_id!.slice(0, 8)})`,
    "both.ndjson (second-r)",
  ]);
  // The same file given twice with --as runs: two runs, two names.
  assertEquals(names([a, a], "runs"), ["a.ndjson", "a.ndjson #2"]);
});

Deno.test("run view: a run of shards adds up; a single run keeps its own summary", () => {
  const single = runView({ name: "a", parts: [part("a", { id: "a" })] });
  assertEquals(single.summary.pacer, BASE.pacer);
  assertEquals(single.summary.bottleneck, BASE.bottleneck);
  const shards = [0, 1].map((i) =>
    part(`s${i}`, { id: `s${i}`, t: T0 + i, rate: 100, shard: [i, 2] })
  );
  const view = runView(groupRuns(shards)[0]!);
  assertEquals(view.summary.requests.sent, 2 * BASE.requests.sent);
  assertEquals(view.summary.target_rate, 200);
  assertEquals(view.summary.shards, [{ index: 0, count: 2 }, { index: 1, count: 2 }]);
  assertEquals(view.summary.pacer, BASE.pacer);
  assertOk(view.summary.bottleneck?.advice.startsWith("none: every part met its rate"));
  // The intervals, on the run's time line: one per second (the stop's short intervals join the
  // last), the rates of both shards.
  assertEquals(view.intervals.map((r) => Math.round(r.t)), [1, 2, 3, 4]);
  view.intervals.slice(0, 3).forEach((r, i) => {
    const one = FIXTURE.intervals[i]!;
    assertOk(Math.abs(r.api_per_s - 2 * one.api_per_s) <= 0.2, `${r.api_per_s} at ${i}`);
  });
  // A shard that a stage limited names it in the run's verdict.
  const limited = structuredClone(shards);
  limited[1]!.summary.bottleneck = { stage: "client", figure: "f", advice: "the client itself" };
  assertEquals(
    runView(groupRuns(limited)[0]!).summary.bottleneck?.advice,
    "shard 1/2: the client itself",
  );
});

Deno.test("run view: intervals of parts started apart are placed on the run's time line", () => {
  const a = part("a", { id: "a", t: T0 });
  const b = part("b", { id: "b", t: T0 + 1000 }); // a second later
  const added = addIntervals([a, b]);
  assertEquals(added.map((r) => Math.round(r.t)), [1, 2, 3, 4, 5]);
  const first = FIXTURE.intervals[0]!;
  assertEquals(added[0]!.api_per_s, first.api_per_s);
  assertOk(added[1]!.api_per_s > first.api_per_s * 1.5, "both parts in the second second");
});

Deno.test("runs table: a column per run with its own rate and verdict", () => {
  const slow = part("slow.ndjson", { id: "1" });
  slow.summary.target_rate = 50;
  slow.summary.achieved_rate = 49.5;
  slow.summary.achieved_pct = 99;
  slow.summary.thresholds = [{ threshold: "p99<10ms", pass: false, value: 27.4, unit: "ms" }];
  const fast = part("fast.ndjson", { id: "2" });
  fast.summary.thresholds = [{ threshold: "p99<10ms", pass: true, value: 8, unit: "ms" }];
  const table = runsTable([
    { name: "slow.ndjson", summary: slow.summary },
    { name: "fast.ndjson", summary: fast.summary },
  ]);
  const line = (label: string) => table.split("\n").find((l) => l.startsWith(`  ${label} `))!;
  assertOk(/^ {2}\s+slow\.ndjson\s+fast\.ndjson$/m.test(table), table);
  assertOk(
    /49\.5\/s sent of 50\/s \(99%\)\s+200\.1\/s sent of 200\/s/.test(line("rate")),
    line("rate"),
  );
  assertOk(/FAIL \(27\.4ms\)\s+pass \(8ms\)/.test(line("p99<10ms")), table);
  assertOk(line("bottleneck").includes("none: the target rate was met"), table);
  // Every line fits a terminal of two runs.
  assertOk(table.split("\n").every((l) => l.length <= 100), table);
});

Deno.test("runs table: the share is of the rate asked, and it says so", () => {
  // A plan ending at 600/s that asked 394/s on average, and sent it all.
  const plan = part("plan.ndjson", { id: "1", rate: 600 });
  Object.assign(plan.summary, {
    achieved_rate: 394,
    achieved_pct: 100,
    asked: { requests: 2364, rate: 394 },
  });
  const table = runsTable([{ name: "plan", summary: plan.summary }, {
    name: "same",
    summary: plan.summary,
  }]);
  const rate = table.split("\n").find((l) => l.startsWith("  rate "))!;
  assertOk(/^ {2}rate +394\/s sent of 394\/s asked \(100%\) +394/.test(rate), rate);
});

Deno.test("runs table: no corrected latency for virtual users nor a closed loop", () => {
  const vus = part("vus.ndjson", { id: "1", rate: 0 });
  Object.assign(vus.summary, { asked: null, config: { ...vus.summary.config, vus: 6 } });
  const loop = part("loop.ndjson", { id: "2", rate: 0 });
  Object.assign(loop.summary, { asked: null });
  const paced = part("paced.ndjson", { id: "3" });
  const table = runsTable([
    { name: "vus", summary: vus.summary },
    { name: "loop", summary: loop.summary },
    { name: "paced", summary: paced.summary },
  ]);
  const line = (label: string) => table.split("\n").find((l) => l.startsWith(`  ${label} `))!;
  assertEquals((line("corrected p50").match(/none: not corrected/g) ?? []).length, 2, table);
  assertOk(/ms$/.test(line("corrected p50")), line("corrected p50"));
  assertOk(/^ {2}corrected p99 +- +- +[\d.]+ms$/.test(line("corrected p99")), table);
  assertOk(line("rate").includes("sent (virtual users)"), line("rate"));
  assertOk(!/ 0\/s/.test(line("rate")), line("rate"));
});

const step = (rate: number, pass: boolean) => ({
  type: "step",
  rate,
  achieved: rate,
  goodput: rate,
  p50_ms: 5,
  p99_ms: pass ? 9 : 300,
  mean_ms: 5,
  errors_pct: 0,
  pass,
  failed: pass ? [] : ["p99<50ms (300 ms)"],
  in_flight: 1,
  littles_law: 1,
  send_lateness_p99_us: 100,
  client_cpu_pct: 1,
});

Deno.test("inputs: capacity results files are read, an answer rebuilt when the search was cut", () => {
  const steps = [step(50, true), step(100, false)].map((s) => JSON.stringify(s)).join("\n");
  const cut = readReportFile(`log line\n${steps}\n`, "cut");
  assertEquals(cut.kind, "capacity");
  if (cut.kind !== "capacity") return;
  const rebuilt = capacityOf(cut.capacity);
  assertEquals([rebuilt.interrupted, rebuilt.interval, rebuilt.max_rate], [true, [50, 100], null]);
  // A file with a summary is a run's, whatever else it holds.
  assertEquals(readReportFile(`${steps}\n${JSON.stringify(BASE)}\n`, "run").kind, "results");
});

Deno.test("page model: separate runs in colours of their own, capacity searches overlaid", async () => {
  const views = ["before", "after"].map((name, i) =>
    runView({ name, parts: [part(`${name}.ndjson`, { id: name, t: T0 + i * 60_000 })] })
  );
  const capText = await Deno.readTextFile(new URL("./fixtures/capacity.ndjson", import.meta.url));
  const cap = readReportFile(capText, "capacity.ndjson");
  assertEquals(cap.kind, "capacity");
  if (cap.kind !== "capacity") return;
  const searches = ["c1", "c2"].map((name) => ({ name, capacity: capacityOf(cap.capacity) }));
  const model = runsModel(views, searches);
  assertEquals(model.runs.map((r) => [r.label, r.color]), [
    ["before", RUN_COLORS[0]],
    ["after", RUN_COLORS[1]],
  ]);
  // Each run on its own time line, from its start.
  assertEquals(model.runs[0]!.columns.t, model.runs[1]!.columns.t);
  assertEquals(model.capacities?.map((c) => [c.label, c.color, c.max_rate]), [
    ["c1", RUN_COLORS[0], 100],
    ["c2", RUN_COLORS[1], 100],
  ]);
  assertOk(model.header.includes("capacity search: c2"), model.header);
  assertEquals((model.header.match(/<th>verdict<\/th>/g) ?? []).length, 1);
  assertOk(model.title.includes("2 runs, 2 capacity searches"), model.title);
});
