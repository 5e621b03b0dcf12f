import { assertEquals, assertOk } from "./_assert.ts";
import { assertUsageErrors, runCli } from "./_helpers.ts";
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
    const { code, stdout, stderr } = await runCli(["report", ...files, "--json"]);
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
    const viaStdin = await runCli(["report", "-", "--json"], {
      stdin: await Deno.readTextFile(files[1]!),
    });
    assertEquals(JSON.parse(viaStdin.stdout).requests.sent, summaries[1].requests.sent);
    const gated = await runCli([
      "report",
      ...files,
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
