/**
 * `run` tells the truth, against real processes: what a plan asked for and what was achieved,
 * the verdict for the common causes, the exit codes, and the lines around a run (the drain, the
 * default CPU work, the closed loop's consumers, empty latencies).
 */

import { assertEquals, assertOk } from "./_assert.ts";
import { assertUsageErrors, jsonLines, runCli, spawnRun, startServe } from "./_helpers.ts";

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

const summaryOf = (stdout: string): Json => JSON.parse(stdout.trim().split("\n").at(-1)!);

Deno.test("--stages: asked is the plan's integral, and achieved>=99% passes a perfect run", async () => {
  const { code, stdout, stderr } = await runCli([
    "run",
    "--stages",
    "10..20/10@1s",
    "--work-time",
    "0",
    "--threshold",
    "achieved>=99%",
    "--json",
  ]);
  const s = summaryOf(stdout);
  assertEquals(code, 0, stderr);
  // 10/s for 1 s, then 20/s for 1 s: 30 asked, 30 sent.
  assertEquals([s.asked.requests, s.requests.sent, s.achieved_pct], [30, 30, 100]);
  assertEquals(s.config.stages, "10..20/10@1s");
  assertEquals(s.thresholds[0].pass, true);
  assertEquals(s.bottleneck.stage, "none");
  assertOk(/of 1\d(\.\d)?\/s asked/.test(s.bottleneck.figure), s.bottleneck.figure);
});

Deno.test("a target at its capacity is blamed, not the client", async () => {
  const { stdout } = await runCli([
    "run",
    "--rate",
    "120",
    "--consumers",
    "8",
    "--work-time",
    "0",
    "--duration",
    "3s",
    "--json",
    "--server",
    "--capacity 40 --latency 0 --jitter 0",
  ]);
  const b = summaryOf(stdout).bottleneck;
  assertEquals([b.stage, b.flag], ["target", "--rate"], b.advice);
});

Deno.test("410 sold out is about the request, never 'lower --rate'", async () => {
  const srv = await startServe(["--coupons", "5"]);
  const { stdout } = await runCli([
    "run",
    "--url",
    `http://127.0.0.1:${srv.port}/coupons`,
    "--method",
    "POST",
    "--rate",
    "50",
    "--duration",
    "1s",
    "--work-time",
    "0",
    "--json",
  ]);
  await srv.stop();
  const s = summaryOf(stdout);
  assertEquals(s.status["201"] ?? s.status["200"], 5, JSON.stringify(s.status));
  assertEquals([s.bottleneck.stage, s.bottleneck.flag], ["request", undefined]);
  assertOk(/gone/.test(s.bottleneck.advice) && !/lower --rate/.test(s.bottleneck.advice));
});

Deno.test("401 (a missing token) points at --header", async () => {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => Response.json({ error: "unauthorized" }, { status: 401 }),
  );
  const { stdout } = await runCli([
    "run",
    "--url",
    `http://127.0.0.1:${server.addr.port}/private`,
    "--rate",
    "50",
    "--duration",
    "1s",
    "--work-time",
    "0",
    "--json",
  ]);
  await server.shutdown();
  const b = summaryOf(stdout).bottleneck;
  assertEquals([b.stage, b.flag], ["request", "--header"], b.advice);
});

Deno.test("CPU jobs past the cores are blamed before the target they starve", async () => {
  const { stdout } = await runCli([
    "run",
    "--rate",
    "40",
    "--work-time",
    "200ms",
    "--workers",
    "4",
    "--duration",
    "2s",
    "--json",
  ]);
  const s = summaryOf(stdout);
  // Skipped on a machine with 8 or more cores, where 40 x 200 ms is not past them: say so.
  if (s.config.cores >= 8) {
    throw new Error(`this test needs fewer than 8 cores (${s.config.cores})`);
  }
  assertEquals(s.bottleneck.stage, "cpu_jobs", s.bottleneck.advice);
});

Deno.test("nothing on the port: exit 1, one tpsdemo: line, latencies shown as -", async () => {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = probe.addr.port;
  probe.close();
  const { code, stdout, stderr } = await runCli([
    "run",
    "--url",
    `http://127.0.0.1:${port}/`,
    "--rate",
    "20",
    "--duration",
    "1s",
    "--work-time",
    "0",
  ]);
  assertEquals(code, 1, stderr);
  const errors = stderr.split("\n").filter((l) => l.startsWith("tpsdemo: "));
  assertEquals(errors.length, 1, stderr);
  assertOk(/^tpsdemo: no response came back from .*\(refused: \d+\)/.test(errors[0]!), errors[0]);
  assertOk(/^ {2}latency +- \(no response\)$/m.test(stdout), stdout);
  assertOk(/bottleneck +the target: no request got a response/.test(stdout), stdout);
});

Deno.test("usage: a repeated flag, and --junit without a threshold, exit 2", async () => {
  await assertUsageErrors([
    [["run", "--url", "http://a/", "--url", "http://b/"], "'--url' given twice"],
    [["run", "--rate", "5", "--rate-limit", "6"], "'--rate' and '--rate-limit' given twice"],
    [["run", "--junit", "/tmp/x.xml"], "'--junit /tmp/x.xml' writes the thresholds' outcomes"],
    [
      ["run", "--threshold", "p99<1s", "--junit", "/nonexistent/x.xml"],
      "'--junit' must be a file that can be written",
    ],
    [["run", "--data-order", "queue"], "'--data-order' must be with --data FILE.csv"],
    [["run", "--method", "FOO"], "'--method' must be one of GET, HEAD, POST"],
    [
      ["run", "--url", "https://a.test:8443/", "--connect-to", "b.test:8443:127.0.0.1:1"],
      "'--connect-to' must be an entry for the URL's a.test:8443",
    ],
    [
      ["report", "/dev/null", "--html", "/nonexistent/r.html"],
      "'--html' must be a file that can be written",
    ],
  ]);
});

Deno.test("the drain is reported as a drain, not as a second", async () => {
  const run = spawnRun([
    "--rate",
    "50",
    "--duration",
    "1s",
    "--work-time",
    "0",
    "--server",
    "--latency 300ms --jitter 0",
  ]);
  const lines = await run.stdout.rest();
  await run.stderr.rest();
  assertEquals((await run.child.status).code, 0);
  const drain = lines.filter((l) => l.startsWith("[drain]"));
  assertEquals(drain.length, 1, lines.join("\n"));
  assertOk(/^\[drain\] \d+ms after the stop: done \d+ \|/.test(drain[0]!), drain[0]);
  assertOk(!lines.some((l) => /^\[stats\] api\/s: 0 \| done\/s: [1-9]/.test(l)), lines.join("\n"));
});

Deno.test("--url without --work-time: the start line says the default and its cores", async () => {
  const srv = await startServe(["--latency", "0", "--jitter", "0"]);
  const { stderr } = await runCli([
    "run",
    "--url",
    `http://127.0.0.1:${srv.port}/api/work`,
    "--duration",
    "1s",
  ]);
  await srv.stop();
  assertOk(/x 200ms cpu work \(the default: 12 cores' worth at 60\/s\)/.test(stderr), stderr);
  const notice = /more than the \d+ cores here/.test(stderr);
  assertEquals(notice, navigator.hardwareConcurrency < 12, stderr);
});

Deno.test("closed loop: the start line does not promise growing consumers", async () => {
  const { stderr, stdout } = await runCli([
    "run",
    "--rate",
    "0",
    "--requests",
    "50",
    "--work-time",
    "0",
    "--json",
  ]);
  const start = stderr.split("\n").find((l) => l.startsWith("tpsdemo run: http"))!;
  assertOk(!/up to/.test(start), start);
  const s = summaryOf(stdout);
  assertEquals([s.asked, s.achieved_pct], [null, null]);
  assertEquals(jsonLines(stdout.trim().split("\n")).at(-1)!.type, "summary");
});
