import { parse as parseJunit, type TestSuites } from "junit2json";
import { assertEquals, assertOk, assertThrows } from "./_assert.ts";
import { runCli } from "./_helpers.ts";
import { newHistogram } from "../lib/histogram.ts";
import {
  judgeRun,
  type Measured,
  parseThreshold,
  ThresholdError,
  WindowJudge,
} from "../lib/results/thresholds.ts";

/** A span of `seconds` with `sent` requests, `errors` failed, all at `latencyMs`. */
function span(seconds: number, sent: number, errors: number, latencyMs: number): Measured {
  const latency = newHistogram();
  for (let i = 0; i < sent - errors; i++) latency.recordValue(latencyMs * 1000);
  return { latency, sent, errors, seconds, targetRate: 100 };
}

Deno.test("thresholds: every form reads, and bad ones name what is wrong", () => {
  const ok: [string, number, number | undefined, boolean][] = [
    ["p99<200ms", 200, undefined, false],
    ["p50<=20ms", 20, undefined, false],
    ["p999 < 1.5s", 1500, undefined, false],
    ["max<250us", 0.25, undefined, false],
    ["errors<1%", 1, undefined, false],
    ["achieved>=99%", 99, undefined, false],
    ["rps>=400", 400, undefined, false],
    ["p99<500ms over 10s abort", 500, 10_000, true],
  ];
  for (const [text, value, windowMs, abort] of ok) {
    const t = parseThreshold(text);
    assertEquals([t.value, t.windowMs, t.abort], [value, windowMs, abort], text);
  }
  const bad: [string, string][] = [
    ["p42<1ms", `unknown metric "p42"`],
    ["p99<200", "a latency needs a unit"],
    ["errors<1", "errors is a percentage"],
    ["rps>=400/s", "not a threshold"],
    ["p99=200ms", "not a threshold"],
    ["p99<200ms abort", "abort needs a window"],
    ["p99<200ms over soon", `"soon" is not a duration`],
  ];
  for (const [text, want] of bad) {
    const err = assertThrows(() => parseThreshold(text), ThresholdError);
    assertOk(err.message.includes(want), `${text}: ${err.message}`);
  }
});

Deno.test("thresholds: judged over the run, and a windowed one over its worst window", () => {
  const t = [parseThreshold("errors<1% over 2s"), parseThreshold("p99<50ms")];
  const w = new WindowJudge(t, 100);
  // 4 s: a bad second (10% errors) between good ones; over the run 2.5%.
  for (
    const s of [span(1, 100, 0, 20), span(1, 100, 10, 20), span(1, 100, 0, 20), span(1, 100, 0, 20)]
  ) {
    w.add(s);
  }
  const whole = span(4, 400, 10, 20);
  const results = judgeRun(t, whole, w);
  assertEquals(results.map((r) => [r.pass, r.value]), [[false, 5], [true, 20]]);
  // An abort threshold is reported the moment its window fails.
  const abort = new WindowJudge([parseThreshold("p99<50ms over 1s abort")], 100);
  assertEquals(abort.add(span(1, 100, 0, 20)).length, 0);
  assertEquals(abort.add(span(1, 100, 0, 80)).map((x) => x.text), ["p99<50ms over 1s abort"]);
});

Deno.test("run --threshold: the summary lists each; a failure exits 99; bad ones exit 2", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const base = ["run", "--duration", "1s", "--rate", "50", "--work-time", "0", "--json"];
    const pass = await runCli([...base, "--threshold", "errors<1%", "--threshold", "p99<10s"]);
    assertEquals(pass.code, 0, pass.stderr);
    const s = JSON.parse(pass.stdout.trim().split("\n").at(-1)!);
    assertEquals(s.thresholds.map((t: { pass: boolean }) => t.pass), [true, true]);

    // The server waits 20 ms: a 1 ms p50 cannot hold.
    const junit = `${dir}/thresholds.xml`;
    const fail = await runCli([...base, "--threshold", "p50<1ms", "--junit", junit]);
    assertEquals(fail.code, 99, fail.stderr);
    const f = JSON.parse(fail.stdout.trim().split("\n").at(-1)!);
    assertEquals(f.type, "summary", "the summary is printed before exit 99");
    assertEquals(f.thresholds[0].pass, false);
    const xml = await Deno.readTextFile(junit);
    // A JUnit parser (npm junit2json, over the strict xml2js) reads it: one failed case.
    const parsed = await parseJunit(xml) as TestSuites | undefined;
    const suite = parsed!.testsuite![0];
    assertEquals([parsed!.tests, parsed!.failures, suite!.name], [1, 1, "tpsdemo thresholds"]);
    assertEquals(suite!.testcase!.map((c) => c.name), ["p50<1ms"]);
    assertEquals(suite!.testcase![0]!.failure![0]!.message, `measured ${f.thresholds[0]!.value}ms`);

    const bad = await runCli([...base, "--threshold", "p42<1ms"]);
    assertEquals(bad.code, 2);
    assertOk(
      bad.stderr.startsWith(
        `tpsdemo: Cannot start run: '--threshold' 'p42<1ms': unknown metric "p42"`,
      ),
      bad.stderr,
    );
    const closed = await runCli([
      "run",
      "--rate",
      "0",
      "--requests",
      "5",
      "--threshold",
      "achieved>=99%",
    ]);
    assertEquals(closed.code, 2, closed.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("run --threshold … abort: a failing window stops the run early, and it exits 99", async () => {
  // Every request takes 100 ms: p99 < 50 ms fails in the first whole second.
  const { code, stdout, stderr } = await runCli([
    "run",
    "--duration",
    "20s",
    "--rate",
    "50",
    "--work-time",
    "0",
    "--json",
    "--server",
    "--latency 100ms --jitter 0",
    "--threshold",
    "p99<50ms over 1s abort",
  ]);
  assertEquals(code, 99, stderr);
  const s = JSON.parse(stdout.trim().split("\n").at(-1)!);
  assertEquals(s.stopped_by, "threshold");
  assertOk(s.duration_s < 20, `ran ${s.duration_s} s`);
  assertOk(stderr.includes("threshold 'p99<50ms over 1s abort' failed over its window; stopping"));
});
