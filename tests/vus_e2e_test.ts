/**
 * Virtual users end to end: `tpsdemo run` with a plan of VUs against the embedded server, as a
 * process, and the mistakes the closed model refuses (each one line, exit 2).
 */
import { assertBetween, assertEquals, assertOk } from "./_assert.ts";
import { assertUsageErrors, jsonLines, runCli } from "./_helpers.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

Deno.test("run --stages in vu: every interval has vus, throughput follows the VUs", async () => {
  const { code, stdout, stderr } = await runCli([
    "run",
    "--stages",
    "0s:2vu,2s:2vu,0s:8vu,2s:8vu",
    "--work-time",
    "0",
    "--json",
    "--server",
    "--latency 20ms --jitter 0",
  ]);
  assertEquals(code, 0, stderr);
  const lines = jsonLines(stdout.trim().split("\n")) as Json[];
  const intervals = lines.filter((l) => l.type === "interval");
  const summary = lines.at(-1);
  assertEquals([summary.type, summary.stopped_by], ["summary", "stages"]);
  assertOk(intervals.every((i) => typeof i.vus === "number"), "every interval has vus");
  // Each phase's throughput: sent over its seconds (about, on the wall clock: 2 VUs at about
  // 20 ms a request make about 100/s, 8 about 400/s).
  const phase = (from: number, to: number) => {
    const of = intervals.filter((i) => !i.drain && i.t > from && i.t <= to);
    const secs = of.reduce((a, i) => a + i.interval_s, 0);
    return of.reduce((a, i) => a + i.api_per_s * i.interval_s, 0) / secs;
  };
  const early = intervals.find((i) => i.t > 0.5 && i.t < 1.9);
  const late = intervals.findLast((i) => !i.drain && i.t > 2.5);
  assertEquals([early?.vus, late?.vus], [2, 8]);
  assertBetween(phase(0, 2.05), 60, 140, "2 VUs: about 100/s");
  assertBetween(phase(2.05, 5), 240, 560, "8 VUs: about 400/s");
  assertEquals(summary.config.vus, 8);
  assertEquals(summary.asked, null);
  assertBetween(summary.latency_ms.mean, 19, 60, "the mean latency");
  assertOk(/mean [\d.]+ms \| err 0 \| vus 8\n/.test(stderr), stderr);
  assertEquals(summary.bottleneck.flag, "--stages");
  assertOk(summary.bottleneck.advice.startsWith("the virtual users, by design"));
});

Deno.test("run --vus: what it cannot go with is one line, exit 2, naming the flag", async () => {
  await assertUsageErrors([
    [["run", "--vus", "4", "--rate", "100"], "'--rate' with '--vus 4'"],
    [["run", "--vus", "4", "--rate-limit=100"], "'--rate-limit' with '--vus 4'"],
    [["run", "--stages", "0s:2vu,2s:2vu", "--rate", "10"], "'--rate' with the vu plan"],
    [["run", "--vus", "4", "--stages", "5s:100"], "'--stages' is a rate plan"],
    [["run", "--vus", "2", "--stages", "0s:2vu,2s:2vu"], "both set the virtual users"],
    [["run", "--stages", "5s:10vu,5s:100"], "a plan is all rates or all virtual users"],
    [["run", "--stages", "5s:2.5vu"], `VUs "2.5vu" must be a whole number`],
    [["run", "--vus", "0"], `'--vus' must be in [1, 10000], got "0"`],
    [["run", "--vus", "-3"], `'--vus' must be in [1, 10000], got "-3"`],
    [["run", "--vus", "4", "--adaptive"], "'--adaptive' adapts a rate"],
    [["run", "--stages", "0s:2vu,2s:2vu", "--adaptive"], "'--adaptive' adapts a rate"],
    [["run", "--vus", "4", "--shard", "0/2"], "'--vus 4' cannot be sharded"],
    [["run", "--vus", "4", "--consumers", "2"], "'--consumers 2' with '--vus 4'"],
    [["run", "--vus", "4", "--threshold", "achieved>=99%"], "with virtual users"],
  ]);
});
