import { parse as parseJunit, type TestSuites } from "junit2json";
import { assertBetween, assertEquals, assertOk } from "./_assert.ts";
import { assertUsageErrors, runCli, startServe } from "./_helpers.ts";
import { decodeHistogram, newHistogram } from "../lib/histogram.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

Deno.test("report: three runs merged give the counts and percentiles of their histograms added", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const files: string[] = [];
    for (const [i, latency] of ["5ms", "20ms", "40ms"].entries()) {
      const file = `${dir}/run${i}.ndjson`;
      const r = await runCli([
        "run",
        "--rate",
        "50",
        "--duration",
        "1s",
        "--work-time",
        "0",
        "--out",
        file,
        "--server",
        `--latency ${latency} --jitter 1ms`,
      ]);
      assertEquals(r.code, 0, r.stderr);
      files.push(file);
    }
    const summaries: Json[] = await Promise.all(
      files.map(async (f) => JSON.parse((await Deno.readTextFile(f)).trim().split("\n").at(-1)!)),
    );
    // Three runs one after the other: merged as one when asked to.
    const { code, stdout, stderr } = await runCli(["report", ...files, "--json", "--as", "shards"]);
    assertEquals(code, 0, stderr);
    const merged = JSON.parse(stdout);
    // Counts add.
    const sum = (f: (s: Json) => number) => summaries.reduce((a, s) => a + f(s), 0);
    assertEquals(merged.requests.sent, sum((s) => s.requests.sent));
    assertEquals(merged.requests.ok, sum((s) => s.requests.ok));
    assertEquals(merged.errors, sum((s) => s.errors));
    assertEquals(merged.status["200"], sum((s) => s.status["200"]));
    // Percentiles are those of the histograms added, not averaged.
    const direct = newHistogram();
    for (const s of summaries) direct.add(decodeHistogram(s.histograms.corrected_latency_us));
    const ms = (p: number) =>
      Math.round(Math.min(direct.getValueAtPercentile(p), direct.maxValue)) / 1000;
    assertEquals(
      [
        merged.corrected_latency_ms.p50,
        merged.corrected_latency_ms.p90,
        merged.corrected_latency_ms.p99,
      ],
      [ms(50), ms(90), ms(99)],
    );
    assertEquals(
      decodeHistogram(merged.histograms.corrected_latency_us).totalCount,
      direct.totalCount,
    );
    // The p50 of three runs at 5, 20 and 40 ms is the middle run's, not a mean of p50s.
    assertOk(merged.corrected_latency_ms.p50 >= 15 && merged.corrected_latency_ms.p50 <= 30);

    // The human summary, stdin, thresholds on the merge.
    const table = await runCli(["report", files[0]!]);
    assertOk(table.stdout.includes("Summary") && table.stdout.includes("corrected"), table.stdout);
    // The run's own pacer and verdict (its merge carries neither).
    assertOk(/^ {2}pacer +--precision /m.test(table.stdout), table.stdout);
    assertOk(/^ {2}bottleneck +\S/m.test(table.stdout), table.stdout);
    const viaStdin = await runCli(["report", "-", "--json"], {
      stdin: await Deno.readTextFile(files[1]!),
    });
    assertEquals(JSON.parse(viaStdin.stdout).requests.sent, summaries[1].requests.sent);
    const gated = await runCli([
      "report",
      ...files,
      "--as",
      "shards",
      "--threshold",
      "p50<1ms",
      "--threshold",
      "errors<1%",
    ]);
    assertEquals(gated.code, 99);
    assertOk(/FAIL {2}p50<1ms/.test(gated.stdout) && /pass {2}errors<1%/.test(gated.stdout));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const FIXTURE = new URL("./fixtures/results.ndjson", import.meta.url).pathname;

Deno.test("report and run: bad input exits 2 with one line naming it", async () => {
  const dir = await Deno.makeTempDir();
  const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    await Deno.writeTextFile(`${dir}/bad.ndjson`, '{"type":"interval"}\n{not json\n');
    await Deno.writeTextFile(`${dir}/cut.ndjson`, '{"type":"interval","t":1}\n');
    await Deno.writeTextFile(`${dir}/v2.ndjson`, '{"type":"summary","schema":2}\n');
    const cases: [string[], string][] = ([
      [[], "give one or more results files"],
      [[`${dir}/none.ndjson`], `'FILE' must be a readable results file (NotFound), got`],
      [[`${dir}/bad.ndjson`], `${dir}/bad.ndjson:2: not a JSON line`],
      [[`${dir}/cut.ndjson`], "no summary record (was the run cut short?)"],
      [[`${dir}/v2.ndjson`], "schema 2; this tpsdemo reads 1"],
      [[`${dir}/bad.ndjson`, "--threshold", "p42<1ms"], `unknown metric "p42"`],
      [[FIXTURE, "--as", "both"], `'--as' must be one of auto, shards, runs, got "both"`],
      [[FIXTURE, "--html", `${dir}/no/such/dir/r.html`], `'--html' must be a file that can be`],
    ] as [string[], string][]).map(([args, want]) => [["report", ...args], want]);
    // The run's page outputs are checked before it starts.
    cases.push(
      [["run", "--dashboard=nowhere"], `'--dashboard' must be PORT, HOST:PORT or :PORT`],
      [["run", `--dashboard=${busy.addr.port}`], "'--dashboard' must be an address this machine"],
      [["run", "--html", `${dir}/no/such/dir/r.html`], `'--html' must be a file that can be`],
    );
    await assertUsageErrors(cases);
  } finally {
    busy.close();
    await Deno.remove(dir, { recursive: true });
  }
});

/** A short run against the embedded server, its results written to `file`. */
async function shortRun(file: string, args: string[]): Promise<Json> {
  const r = await runCli(["run", "--duration", "1s", "--work-time", "0", "--out", file, ...args]);
  assertEquals(r.code, 0, r.stderr);
  return JSON.parse((await Deno.readTextFile(file)).trim().split("\n").at(-1)!);
}

Deno.test("report: two runs one after the other are two runs, each judged on its own", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const a = `${dir}/a.ndjson`, b = `${dir}/b.ndjson`;
    const sa = await shortRun(a, ["--rate", "50"]);
    const sb = await shortRun(b, ["--rate", "20"]);
    // --json: a summary line per run, named, with its own figures (not the sum).
    const json = await runCli(["report", a, b, "--json"]);
    assertEquals(json.code, 0, json.stderr);
    const lines: Json[] = json.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assertEquals(lines.map((l) => [l.type, l.run, l.target_rate]), [
      ["summary", "a.ndjson", 50],
      ["summary", "b.ndjson", 20],
    ]);
    assertEquals(lines.map((l) => l.requests.sent), [sa.requests.sent, sb.requests.sent]);
    for (const l of lines) assertBetween(l.achieved_rate, 0.5 * l.target_rate, 1.5 * l.target_rate);
    assertEquals(lines.map((l) => typeof l.bottleneck?.advice), ["string", "string"]);
    // The table: a column per run, each its own rate and verdict.
    const table = await runCli(["report", a, b]);
    assertOk(table.stdout.includes("Summary of 2 runs"), table.stdout);
    const row = (label: string) =>
      table.stdout.split("\n").find((l) => l.startsWith(`  ${label}`))!;
    assertOk(/^ +a\.ndjson +b\.ndjson$/m.test(table.stdout), table.stdout);
    // Sent of the rate asked, the rate the share is of.
    assertOk(/\/s sent of [\d.]+\/s asked \(.*\/s sent of [\d.]+\/s asked \(/.test(row("rate")));
    assertOk(/^ {2}bottleneck +\S.* {2,}\S/.test(row("bottleneck")), row("bottleneck"));
    // Forced: one run, as report read them before (rates add).
    const merged = await runCli(["report", a, b, "--json", "--as", "shards"]);
    const one = JSON.parse(merged.stdout);
    assertEquals([one.run, one.target_rate], [undefined, 70]);
    assertEquals(one.requests.sent, sa.requests.sent + sb.requests.sent);
    // Thresholds judge each run: one passes, the other fails (exit 99); JUnit has both.
    const junit = `${dir}/j.xml`;
    const gated = await runCli(["report", a, b, "--threshold", "rps>35", "--junit", junit]);
    assertEquals(gated.code, 99, gated.stdout);
    assertOk(/^ {2}rps>35 +pass \(.*FAIL \(/m.test(gated.stdout), gated.stdout);
    const suites = await parseJunit(await Deno.readTextFile(junit)) as TestSuites | undefined;
    assertEquals([suites!.tests, suites!.failures], [2, 1]);
    const cases = suites!.testsuite!.flatMap((s) => s.testcase ?? []);
    assertEquals(cases.map((c) => [c.name, (c.failure ?? []).length]), [
      ["a.ndjson: rps>35", 0],
      ["b.ndjson: rps>35", 1],
    ]);
    // The page: each run in its own colour, named.
    const html = `${dir}/r.html`;
    assertEquals((await runCli(["report", a, b, "--html", html])).code, 0);
    const page = await Deno.readTextFile(html);
    assertOk(page.includes('"label":"a.ndjson","color":"#2563eb"'), "a's colour");
    assertOk(page.includes('"label":"b.ndjson","color":"#dc2626"'), "b's colour");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("report: the shards of one run merge as one run", async () => {
  const dir = await Deno.makeTempDir();
  const server = await startServe(["--latency", "5ms", "--jitter", "1ms"]);
  try {
    const url = `http://127.0.0.1:${server.port}/api/work`;
    const startAt = String(Date.now() + 1500);
    const files = [0, 1].map((i) => `${dir}/shard-${i}.ndjson`);
    const shards: Json[] = await Promise.all(
      files.map((f, i) =>
        shortRun(f, ["--url", url, "--rate", "60", "--shard", `${i}/2`, "--start-at", startAt])
      ),
    );
    const r = await runCli(["report", ...files, "--json"]);
    assertEquals(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split("\n");
    assertEquals(lines.length, 1, r.stdout);
    const run = JSON.parse(lines[0]!);
    assertEquals([run.run, run.target_rate, run.shards.length], [undefined, 60, 2]);
    assertEquals(run.requests.sent, shards[0].requests.sent + shards[1].requests.sent);
    // Forced apart: each shard its own run.
    const apart = await runCli(["report", ...files, "--json", "--as", "runs"]);
    assertEquals(
      apart.stdout.trim().split("\n").map((l) => JSON.parse(l).run),
      ["shard-0.ndjson", "shard-1.ndjson"],
    );
  } finally {
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("report: a capacity search's results file is read, beside a run's", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const cap = `${dir}/cap.ndjson`;
    const c = await runCli([
      "capacity",
      "--slo",
      "p99<500ms",
      "--server",
      "--capacity 200",
      "--start",
      "40",
      "--max",
      "40",
      "--warm",
      "0s",
      "--step",
      "1s",
      "--out",
      cap,
    ]);
    assertEquals(c.code, 0, c.stderr);
    const text = await runCli(["report", cap]);
    assertEquals(text.code, 0, text.stderr);
    assertOk(/^Capacity search .*cap\.ndjson against http:\/\//m.test(text.stdout), text.stdout);
    assertOk(/^ {2}max rate +40\/s meets every objective/m.test(text.stdout), text.stdout);
    const json = await runCli(["report", cap, "--json"]);
    const answer = JSON.parse(json.stdout);
    assertEquals([answer.type, answer.max_rate, answer.steps.length], ["capacity", 40, 1]);
    assertOk(answer.run.endsWith("cap.ndjson"), answer.run);
    // With a run's results: both, and the page draws both.
    const run = `${dir}/run.ndjson`;
    await shortRun(run, ["--rate", "20"]);
    const html = `${dir}/both.html`;
    const both = await runCli(["report", run, cap, "--html", html]);
    assertEquals(both.code, 0, both.stderr);
    assertOk(both.stdout.includes("Summary") && both.stdout.includes("Capacity search"));
    assertOk((await Deno.readTextFile(html)).includes('"capacities":[{"label":"cap.ndjson"'));
    // Thresholds judge runs; a capacity search alone has its own objectives.
    await assertUsageErrors([[["report", cap, "--threshold", "p99<1s"], "given with a run's"]]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
