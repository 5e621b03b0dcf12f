/**
 * `tpsdemo capacity` against real processes: a `serve --capacity 100` on a free port, searched
 * with short steps. A finished search says why its failing steps failed, with the value measured;
 * Ctrl-C (SIGINT) after the first step ends it with the interval found, not an answer, and exit
 * 130; a port with nothing on it exits 1 with one `tpsdemo:` line.
 *
 * @module
 */

import { assertEquals, assertOk } from "./_assert.ts";
import { DENO_RUN, jsonLines, LineReader, runCli, startServe } from "./_helpers.ts";

/** The search's flags: short steps, a target that sustains 100/s with a 5 ms latency. */
const SEARCH = ["--slo", "p99<50ms", "--slo", "errors<1%", "--step", "1s", "--warm", "500ms"];
const SERVE = ["--capacity", "100", "--latency", "5ms", "--jitter", "0"];

/** A reason as the search gives it: an objective, then the value measured. */
const REASON = /(p99<50ms|errors<1%|achieved>=95%|answered>0%) \(measured [\d.]+(ms|%)/;

Deno.test("capacity e2e: a finished search says why its failing steps failed", async () => {
  const srv = await startServe(SERVE);
  const dir = await Deno.makeTempDir();
  try {
    const r = await runCli([
      "capacity",
      "--url",
      `http://127.0.0.1:${srv.port}/api/work`,
      ...SEARCH,
      "--start",
      "80",
      "--resolution",
      "50",
      "--out",
      `${dir}/c.ndjson`,
    ]);
    assertEquals(r.code, 0, r.stderr);
    // 160/s is past the capacity: at least one step fails, and every failing line says why.
    const fails = r.stdout.split("\n").filter((l) => /^step \d+: .*: fails /.test(l));
    assertOk(fails.length > 0, r.stdout);
    for (const l of fails) assertOk(REASON.test(l), l);
    const answer = r.stdout.split("\n").find((l) => l.startsWith("  max rate"))!;
    assertOk(/\d+\/s did not(?: on \d of its \d runs)?: /.test(answer), answer);
    assertOk(REASON.test(answer) && !answer.includes("()"), answer);
    const records = jsonLines((await Deno.readTextFile(`${dir}/c.ndjson`)).split("\n"));
    const report = records.at(-1)!;
    assertEquals([report.type, report.interrupted], ["capacity", false]);
    assertOk((report.lowest_failing_reasons as string[]).every((f) => REASON.test(f)));
    for (const s of records.filter((x) => x.type === "step" && !x.pass)) {
      assertOk((s.failed as string[]).length > 0 && (s.failures as unknown[]).length > 0);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
    await srv.stop();
  }
});

Deno.test("capacity e2e: Ctrl-C after the first step: interrupted, an interval, exit 130", async () => {
  const srv = await startServe(SERVE);
  const dir = await Deno.makeTempDir();
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        ...DENO_RUN,
        "capacity",
        "--url",
        `http://127.0.0.1:${srv.port}/api/work`,
        ...SEARCH,
        "--start",
        "80",
        "--out",
        `${dir}/c.ndjson`,
        "--html",
        `${dir}/c.html`,
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const stdout = new LineReader(child.stdout);
    const stderr = new LineReader(child.stderr);
    const errText = stderr.rest();
    const first = await stdout.until(/^step 1: /);
    child.kill("SIGINT");
    const [rest, status, err] = await Promise.all([stdout.rest(), child.status, errText]);
    assertEquals(status.code, 130, err.join("\n"));
    assertOk(err.some((l) => l.includes("interrupted")), err.join("\n"));
    const text = [first, ...rest].join("\n");
    // The step Ctrl-C cut short is not counted: only step 1 ran to its end.
    assertEquals(rest.filter((l) => l.startsWith("step ")), [], text);
    const answer = rest.find((l) => l.startsWith("  max rate"))!;
    assertOk(
      /(above|below) 80\/s, not confirmed \(the search was interrupted\)/.test(answer),
      answer,
    );
    assertOk(rest.some((l) => /search +interrupted \(Ctrl-C\); the step at \d+\/s/.test(l)), text);
    assertOk(rest.some((l) => l.includes("recommended     none: the search did not finish")));
    const report = jsonLines((await Deno.readTextFile(`${dir}/c.ndjson`)).split("\n")).at(-1)!;
    assertEquals([report.interrupted, report.max_rate, report.recommended_rate], [
      true,
      null,
      null,
    ]);
    const pass = first.includes("meets every objective");
    assertEquals(report.interval, pass ? [80, null] : [null, 80]);
    const html = await Deno.readTextFile(`${dir}/c.html`);
    assertOk(html.includes("<b>interrupted</b>") && html.includes("not confirmed"));
  } finally {
    await Deno.remove(dir, { recursive: true });
    await srv.stop();
  }
});

Deno.test("capacity e2e: nothing on the port: exit 1, one tpsdemo: line", async () => {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = probe.addr.port;
  probe.close();
  const r = await runCli([
    "capacity",
    "--url",
    `http://127.0.0.1:${port}/api/work`,
    "--slo",
    "p99<50ms",
    "--step",
    "1s",
    "--warm",
    "0",
  ]);
  assertEquals(r.code, 1, r.stderr);
  const lines = r.stderr.trimEnd().split("\n").filter((l) => l.startsWith("tpsdemo:"));
  assertEquals(lines.length, 1, r.stderr);
  assertOk(lines[0]!.includes("no response came back") && lines[0]!.includes(`:${port}`), lines[0]);
  assertOk(!r.stdout.includes("max rate"), r.stdout);
});
