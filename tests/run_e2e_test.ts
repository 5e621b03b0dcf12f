import { assertBetween, assertEquals, assertOk } from "./_assert.ts";
import { DENO_RUN, jsonLines, runCli, spawnRun, startServe } from "./_helpers.ts";
import { decodeHistogram, newHistogram } from "../lib/histogram.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

/** The accounting equations, on a cumulative accounting object. */
function assertAccounting(a: Json, where: string) {
  const notSent = a.not_sent.stopped + a.not_sent.queue_full;
  assertEquals(a.scheduled, a.sent + a.queued + notSent, `${where}: scheduled`);
  assertEquals(
    a.sent,
    a.ok + a.http_error + a.failed + a.timed_out + a.cancelled + a.in_flight,
    `${where}: sent`,
  );
  const j = a.jobs;
  assertEquals(
    j.submitted,
    j.done + j.failed + j.cancelled + j.queued + j.running,
    `${where}: jobs`,
  );
}

function assertFinal(summary: Json) {
  assertAccounting(summary.requests, "summary");
  assertEquals(summary.requests.queued, 0);
  assertEquals(summary.requests.in_flight, 0);
  assertEquals([summary.requests.jobs.queued, summary.requests.jobs.running], [0, 0]);
  // errors: one number of every kind, the same meaning as the intervals'.
  const a = summary.requests;
  assertEquals(summary.errors, a.http_error + a.failed + a.timed_out + a.cancelled);
}

Deno.test("run --json against serve: JSON lines with the fields, every request accounted", async () => {
  const srv = await startServe(["--latency", "2ms", "--jitter", "1ms"]);
  try {
    const { code, stdout, stderr } = await runCli([
      "run",
      "--url",
      `http://127.0.0.1:${srv.port}/api/work`,
      "--rate",
      "200",
      "--duration",
      "5s",
      "--work-time",
      "0",
      "--json",
    ]);
    assertEquals(code, 0, stderr);
    const lines = jsonLines(stdout.trim().split("\n"));
    const intervals = lines.filter((l) => l.type === "interval");
    const summary = lines.at(-1) as Json;
    assertEquals(summary.type, "summary");
    // Five seconds, the stop's partial interval, and the drain's.
    assertBetween(intervals.length, 4, 7);
    for (const i of intervals as Json[]) {
      for (const k of ["t", "api_per_s", "done_per_s", "queue", "rate", "errors", "status"]) {
        assertOk(k in i, `interval lacks ${k}`);
      }
      for (const k of ["p50", "p90", "p99", "max"]) assertOk(k in i.latency_ms, k);
      assertAccounting(i.accounting, `t=${i.t}`);
    }
    assertFinal(summary);
    // How close the rate comes is a benchmark (bench/pacer), not a test: here, the counts.
    assertEquals(summary.requests.ok, summary.requests.sent);
    assertOk(summary.requests.sent > 0, "requests were sent");
    // The server waits 2 ± 1 ms: no response can take less than 1 ms.
    assertOk(summary.latency_ms.p50 >= 1, `p50 ${summary.latency_ms.p50}`);
    assertOk(
      summary.corrected_latency_ms.p50 >= 1,
      `corrected ${summary.corrected_latency_ms.p50}`,
    );
    for (const k of ["pacer_lateness_us", "send_lateness_us"]) {
      assertOk(Number.isFinite(summary[k].p99) && summary[k].p99 >= 0, k);
    }
    // The human lines went to stderr.
    assertOk(/\[stats\] api\/s: \d+ \| done\/s/.test(stderr), stderr);
  } finally {
    await srv.stop();
  }
});

Deno.test("backpressure: a tiny queue before a slow target bounds the queue and the send rate", async () => {
  const srv = await startServe(["--latency", "100ms", "--jitter", "0"]);
  try {
    const { code, stdout } = await runCli([
      "run",
      "--url",
      `http://127.0.0.1:${srv.port}/api/work`,
      "--rate",
      "100",
      "--consumers",
      "1",
      "--queue-size",
      "5",
      "--duration",
      "3s",
      "--work-time",
      "0",
      "--json",
    ]);
    assertEquals(code, 0);
    const lines = jsonLines(stdout.trim().split("\n")) as Json[];
    const summary = lines.at(-1);
    for (const i of lines.filter((l) => l.type === "interval")) {
      assertOk(i.queue <= 5, `queue ${i.queue}`);
      assertAccounting(i.accounting, `t=${i.t}`);
    }
    // One consumer, 100 ms per request: at most ~10/s go out, whatever the rate asks.
    assertOk(summary.requests.sent <= 3 * 10 + 2, `sent ${summary.requests.sent}`);
    // The pacer waited for queue space: that wait shows as lateness.
    assertOk(summary.pacer_lateness_us.max > 100_000, JSON.stringify(summary.pacer_lateness_us));
    assertFinal(summary);
  } finally {
    await srv.stop();
  }
});

Deno.test("a target killed and restarted mid-run: errors counted by kind, nothing lost", async () => {
  let srv = await startServe(["--latency", "1ms", "--jitter", "0"]);
  const port = srv.port;
  const run = spawnRun([
    "--url",
    `http://127.0.0.1:${port}/api/work`,
    "--rate",
    "100",
    "--duration",
    "30s",
    "--interval",
    "250ms",
    "--timeout",
    "500ms",
    "--work-time",
    "0",
    "--json",
  ]);
  const seen: Json[] = [];
  const next = async () => {
    const line = await run.stdout.line();
    assertOk(line !== undefined, "run ended early");
    const j = JSON.parse(line!);
    seen.push(j);
    return j;
  };
  // Healthy, then killed: wait for errors, then restart on the same port: wait for 200s.
  while ((await next()).status["200"] === undefined);
  srv.child.kill("SIGKILL");
  await srv.child.status;
  while ((await next()).errors === 0);
  srv = await startServe(["--latency", "1ms", "--jitter", "0", "--port", String(port)]);
  while ((await next()).status["200"] === undefined);
  run.child.kill("SIGINT");
  const rest = jsonLines(await run.stdout.rest());
  const status = await run.child.status;
  await srv.stop();
  const stderr = await run.stderr.rest();
  // Ctrl-C before the 30 s it was asked to run: interrupted.
  assertEquals(status.code, 130);
  const summary = rest.at(-1) as Json;
  assertEquals(summary.type, "summary");
  assertEquals(summary.stopped_by, "signal");
  for (const i of [...seen, ...rest].filter((l) => l.type === "interval")) {
    assertAccounting(i.accounting, `t=${i.t}`);
  }
  assertFinal(summary);
  assertOk(summary.requests.failed > 0, "the outage shows as failures");
  assertOk((summary.error_kinds.refused ?? 0) + (summary.error_kinds.reset ?? 0) > 0);
  assertOk(summary.requests.ok > 0);
  // One clear line the first time, not one per failure.
  const notices = stderr.filter((l) => l.includes("counted as"));
  assertOk(notices.length >= 1 && notices.length <= 3, notices.join("\n"));
});

Deno.test("--work-kind cpu: jobs run on the pool; the backlog is cancelled, not lost", async () => {
  // Whether two Workers finish more than one depends on the cores: that is bench/pool's.
  for (const workers of ["1"]) {
    const { code, stdout } = await runCli([
      "run",
      "--rate",
      "100",
      "--consumers",
      "4",
      "--workers",
      workers,
      "--work-time",
      "100ms",
      "--work-kind",
      "cpu",
      "--duration",
      "3s",
      "--json",
      "--server",
      "--latency 0 --jitter 0",
    ]);
    assertEquals(code, 0);
    const summary = JSON.parse(stdout.trim().split("\n").at(-1)!);
    assertFinal(summary);
    const jobs = summary.requests.jobs;
    // A Worker cannot finish much more than duration / work time: the jobs are real CPU work
    // (were they not, all ~300 responses' jobs would be done).
    assertOk(jobs.done <= 45 * Number(workers), `done ${jobs.done}`);
    assertOk(jobs.done > 0, "jobs ran");
    assertOk(jobs.cancelled > 0, "the backlog past the stop is cancelled, not lost");
    assertEquals(
      jobs.submitted,
      jobs.done + jobs.failed + jobs.cancelled + jobs.queued + jobs.running,
    );
    assertEquals([jobs.queued, jobs.running], [0, 0]);
  }
});

Deno.test("Ctrl-C stops cleanly with the summary; a second Ctrl-C cancels in-flight work", async () => {
  // First: one SIGINT, in-flight requests finish.
  const once = spawnRun(["--rate", "50", "--work-time", "0", "--json", "--interval", "200ms"]);
  await once.stdout.line();
  once.child.kill("SIGINT");
  const lines = jsonLines(await once.stdout.rest());
  assertEquals((await once.child.status).code, 0);
  const s1 = lines.at(-1) as Json;
  assertEquals([s1.type, s1.stopped_by, s1.requests.cancelled], ["summary", "signal", 0]);
  assertFinal(s1);

  // Then: a slow target (2 s per request), two SIGINTs: no waiting for the requests.
  const twice = spawnRun([
    "--rate",
    "20",
    "--work-time",
    "0",
    "--json",
    "--interval",
    "200ms",
    "--server",
    "--latency 2s --jitter 0",
  ]);
  await twice.stdout.line();
  twice.child.kill("SIGINT");
  await twice.stderr.until(/stopping/);
  twice.child.kill("SIGINT");
  const lines2 = jsonLines(await twice.stdout.rest());
  // Killed: interrupted, whatever it measured (exit 130, as a shell reports Ctrl-C).
  assertEquals((await twice.child.status).code, 130);
  const s2 = lines2.at(-1) as Json;
  assertEquals(s2.type, "summary");
  assertOk(s2.requests.cancelled > 0, JSON.stringify(s2.requests));
  assertFinal(s2);
  await once.stderr.rest();
  await twice.stderr.rest();
});

Deno.test("a closed stdout (| head -1) ends the run quietly", async () => {
  // A real shell pipe, as users write it.
  const cmd = [Deno.execPath(), ...DENO_RUN, "run", "--rate", "50", "--work-time", "0", "--json"]
    .map((a) => `'${a}'`).join(" ");
  const out = await new Deno.Command("bash", {
    args: ["-c", `${cmd} | head -1; echo "exit=\${PIPESTATUS[0]}"`],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const [first, exit] = new TextDecoder().decode(out.stdout).trim().split("\n");
  assertEquals(JSON.parse(first!).type, "interval");
  assertEquals(exit, "exit=0");
  const stderr = new TextDecoder().decode(out.stderr);
  assertOk(!/error|at .*\.ts:\d+/i.test(stderr), stderr);
});

Deno.test("run: bad flags exit 2 with one line naming the flag and what is allowed", async () => {
  const cases: [string[], string][] = [
    [["--rate-limit", "-5"], `'--rate-limit' must be in [0, 10000000], got "-5"`],
    [["--consumers", "0"], `'--consumers' must be in [1, 10000], got "0"`],
    [["--work-time", "soon"], `'--work-time' must be a duration`],
    [["--url", "ftp://x"], `'--url' must be an http:// or https:// URL, got "ftp://x"`],
    [["--work-kind", "gpu"], `'--work-kind' must be one of cpu, sleep, got "gpu"`],
    [["--header", "novalue"], `'--header' must be 'Name: value', got "novalue"`],
    [["--adaptive", "--rate", "0"], `'--adaptive' needs '--rate-limit' above 0`],
    [["--server", "--capacity -1"], `in '--server', '--capacity' must be >= 0, got "-1"`],
    [["--body-file", "/nonexistent/x"], `'--body-file' must be a readable file`],
    [["--frobnicate"], `unknown flag '--frobnicate'; see 'tpsdemo run --help'`],
    [["--rate", "0x10"], `'--rate' must be a number, got "0x10"`],
    [
      ["-H", "X-A: 1\r\nX-B: 2"],
      `'--header' must be a value without CR, LF or NUL, got "X-A: 1\\r\\nX-B: 2"`,
    ],
    [["--server", "--port 9000"], `in '--server', '--port' cannot be set`],
    [["--server", "--grace=1s"], `in '--server', '--grace' cannot be set`],
    [
      ["--url", "ftp://user:secret@x"],
      `'--url' must be an http:// or https:// URL, got "ftp://***@x"`,
    ],
  ];
  for (const [args, want] of cases) {
    const { code, stdout, stderr } = await runCli(["run", ...args]);
    assertEquals(code, 2, args.join(" "));
    assertEquals(stdout, "");
    const lines = stderr.trimEnd().split("\n");
    assertEquals(lines.length, 1, stderr);
    assertOk(lines[0]!.includes(want), `${lines[0]} lacks ${want}`);
  }
});

Deno.test("run: --consumers past the open-file limit exits 2 naming the limit, no panic", async () => {
  const child = new Deno.Command("bash", {
    args: [
      "-c",
      `ulimit -n 256 && exec "$0" "$@"`,
      Deno.execPath(),
      ...DENO_RUN,
      "run",
      "--consumers",
      "300",
      "--url",
      "http://127.0.0.1:9/",
    ],
    stdout: "piped",
    stderr: "piped",
  });
  const out = await child.output();
  const stderr = new TextDecoder().decode(out.stderr);
  assertEquals(out.code, 2, stderr);
  assertOk(
    /^tpsdemo: Cannot start run: '--consumers' must be at most \d+ here \(the open-file limit, ulimit -n, leaves room for \d+ files\), got "300"\n$/
      .test(stderr),
    stderr,
  );
});

Deno.test("run: credentials in the URL go as Basic auth and are never printed", async () => {
  const seen: (string | null)[] = [];
  const server = Deno.serve({ port: 0, onListen() {} }, (req) => {
    seen.push(req.headers.get("authorization"));
    return new Response("ok");
  });
  try {
    const url = `http://user:s3cret@127.0.0.1:${server.addr.port}/`;
    const { code, stdout, stderr } = await runCli([
      "run",
      "--url",
      url,
      "--rate",
      "0",
      "--requests",
      "3",
      "--work-time",
      "0",
      "--json",
    ]);
    assertEquals(code, 0, stderr);
    assertEquals(seen, Array(3).fill(`Basic ${btoa("user:s3cret")}`));
    assertOk(!(stdout + stderr).includes("s3cret"), "the password was printed");
    assertEquals(
      JSON.parse(stdout.trim().split("\n").at(-1)!).url,
      `http://127.0.0.1:${server.addr.port}/`,
    );
  } finally {
    await server.shutdown();
  }
});

Deno.test("run: durations past setTimeout's limit (1000h) neither stop the run nor cut requests", async () => {
  const { code, stdout, stderr } = await runCli([
    "run",
    "--duration",
    "1000h",
    "--timeout",
    "1000h",
    "--requests",
    "20",
    "--rate",
    "100",
    "--work-time",
    "0",
    "--json",
    "--server",
    "--latency 50ms --jitter 0",
  ]);
  assertEquals(code, 0, stderr);
  const summary = JSON.parse(stdout.trim().split("\n").at(-1)!);
  assertEquals(summary.stopped_by, "requests");
  assertEquals([summary.requests.ok, summary.requests.cancelled], [20, 0]);
  assertOk(!stderr.includes("TimeoutOverflowWarning"), stderr);
});

Deno.test("run: without --consumers, consumers follow rate x latency; with it, a notice", async () => {
  // 4 consumers at 50 ms serve 80/s; 300/s needs about 15 in flight.
  const args = ["run", "--rate", "300", "--duration", "3s", "--work-time", "0", "--json"];
  const server = ["--server", "--latency 50ms --jitter 0"];
  const auto = await runCli([...args, ...server]);
  assertEquals(auto.code, 0, auto.stderr);
  const intervals: Json[] = jsonLines(auto.stdout.trim().split("\n")).filter((l) =>
    l.type === "interval"
  );
  // The server takes at least 50 ms: 300/s keeps at least 300 x 0.05 = 15 requests in flight.
  assertOk(intervals.at(-1)!.consumers >= 15, JSON.stringify(intervals.map((i) => i.consumers)));
  assertOk(/4 consumers \(up to \d+ as needed\)/.test(auto.stderr), auto.stderr);
  const fixed = await runCli([...args, "--consumers", "4", ...server]);
  assertEquals(fixed.code, 0, fixed.stderr);
  assertOk(
    /--consumers 4 cannot reach 300\/s at [\d.]+ms a request \(p90\); by Little's law about \d+ are needed/
      .test(fixed.stderr),
    fixed.stderr,
  );
});

Deno.test("run --out: the results file beside the stats lines; interval histograms add up to the summary's", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/results.ndjson`;
    const { code, stdout, stderr } = await runCli([
      "run",
      "--rate",
      "100",
      "--duration",
      "2.5s",
      "--work-time",
      "0",
      "--out",
      file,
    ]);
    assertEquals(code, 0, stderr);
    assertOk(stdout.includes("[stats] api/s:"), "the terminal still shows the stats lines");
    const records: Json[] = jsonLines((await Deno.readTextFile(file)).trim().split("\n"));
    const summary = records.at(-1);
    assertEquals(summary.type, "summary");
    assertEquals(new Set(records.map((r) => r.schema)), new Set([1]));
    assertEquals(new Set(records.map((r) => r.run_id)).size, 1);
    assertOk(summary.t_unix_ms > Date.now() - 60_000 && summary.t_unix_ms <= Date.now());
    // Exact: the intervals' histograms merged are the run's.
    const merged = newHistogram();
    for (const r of records.filter((r) => r.type === "interval")) {
      assertOk(r.t_unix_ms >= summary.t_unix_ms, "intervals after the start");
      merged.add(decodeHistogram(r.histograms.corrected_latency_us));
    }
    const whole = decodeHistogram(summary.histograms.corrected_latency_us);
    assertEquals(merged.totalCount, whole.totalCount);
    for (const p of [50, 90, 99, 100]) {
      assertEquals(merged.getValueAtPercentile(p), whole.getValueAtPercentile(p), `p${p}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
