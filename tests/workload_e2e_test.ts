/**
 * Real workloads against real processes: a targets file's mix per second, data in every request
 * (distinct across shards), a queue of rows that ends the run, checks counted apart, per-name
 * thresholds, and every mistake in the files as one usage line.
 */

import { assertEquals, assertOk } from "./_assert.ts";
import { assertUsageErrors, jsonLines, runCli, startServe } from "./_helpers.ts";

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

const dir = Deno.makeTempDirSync({ prefix: "tpsdemo-workload-" });
const file = (name: string, text: string) => {
  Deno.writeTextFileSync(`${dir}/${name}`, text);
  return `${dir}/${name}`;
};

/** A server that records every request's path and body. */
function recorder() {
  const seen: { path: string; body: string; user: string | null }[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    seen.push({
      path: new URL(req.url).pathname,
      body: await req.text(),
      user: req.headers.get("x-user"),
    });
    return new Response("ok");
  });
  return { seen, url: `http://127.0.0.1:${server.addr.port}`, stop: () => server.shutdown() };
}

Deno.test("a vegeta targets file, 3:1:1: each name's share holds in every second", async () => {
  const srv = await startServe(["--latency", "0", "--jitter", "0"]);
  const base = `http://127.0.0.1:${srv.port}`;
  const targets = file(
    "mix.txt",
    `# a vegeta http-format file; the #@ lines are comments to vegeta
#@ name=work weight=3
GET ${base}/api/work

#@ name=cached
GET ${base}/cached?id={{rand:1:3}}
Accept: application/json

#@ name=health
GET ${base}/healthz
`,
  );
  const { code, stdout, stderr } = await runCli([
    "run",
    "--targets",
    targets,
    "--rate",
    "100",
    "--requests",
    "300",
    "--work-time",
    "0",
    "--json",
  ]);
  await srv.stop();
  assertEquals(code, 0, stderr);
  const lines = jsonLines(stdout.trim().split("\n")) as Json[];
  const summary = lines.at(-1)!;
  const sent = (n: string) => summary.names[n].sent;
  assertEquals([sent("work"), sent("cached"), sent("health")], [180, 60, 60]);
  for (const i of lines.filter((l) => l.type === "interval" && !l.drain)) {
    const n = i.names.work.scheduled + i.names.cached.scheduled + i.names.health.scheduled;
    for (const [name, share] of [["work", 0.6], ["cached", 0.2], ["health", 0.2]] as const) {
      const got = i.names[name].scheduled;
      assertOk(Math.abs(got - n * share) <= 1, `t=${i.t}: ${name} ${got} of ${n}`);
    }
  }
  assertEquals(summary.names.cached.status["200"], 60);
});

Deno.test("{{seq}} in the body: distinct in every request, also across 3 shards", async () => {
  const rec = recorder();
  const runs = [0, 1, 2].map((i) =>
    runCli([
      "run",
      "--url",
      `${rec.url}/orders`,
      "--method",
      "POST",
      "--body",
      '{"order":{{seq}},"id":"{{uuid}}"}',
      "--shard",
      `${i}/3`,
      "--rate",
      "150",
      "--requests",
      "30",
      "--work-time",
      "0",
      "--out",
      `${dir}/shard-${i}.ndjson`,
    ])
  );
  const outs = await Promise.all(runs);
  await rec.stop();
  for (const o of outs) assertEquals(o.code, 0, o.stderr);
  const orders = rec.seen.map((s) => JSON.parse(s.body).order as number).sort((a, b) => a - b);
  assertEquals(orders, Array.from({ length: 90 }, (_, i) => i));
  assertEquals(new Set(rec.seen.map((s) => JSON.parse(s.body).id)).size, 90);
  const merged = await runCli([
    "report",
    ...[0, 1, 2].map((i) => `${dir}/shard-${i}.ndjson`),
    "--as",
    "shards",
    "--json",
  ]);
  assertEquals(JSON.parse(merged.stdout.trim().split("\n").at(-1)!).requests.sent, 90);
});

Deno.test("--data-order queue: each row once, and the run ends when they run out", async () => {
  const rec = recorder();
  const rows = file(
    "users.csv",
    "id,name\n" + [1, 2, 3, 4, 5, 6, 7].map((i) => `u${i},"N, ${i}"`).join("\n") + "\n",
  );
  const { code, stdout, stderr } = await runCli([
    "run",
    "--url",
    `${rec.url}/users/{{row.id}}`,
    "-H",
    "X-User: {{row.name}}",
    "--data",
    rows,
    "--data-order",
    "queue",
    "--rate",
    "50",
    "--duration",
    "20s",
    "--work-time",
    "0",
    "--json",
  ]);
  await rec.stop();
  assertEquals(code, 0, stderr);
  const s = JSON.parse(stdout.trim().split("\n").at(-1)!);
  assertEquals(s.stopped_by, "data");
  assertEquals(s.requests.sent, 7);
  // The rows were all it could ask for: every one sent is the whole of it.
  assertEquals([s.asked.requests, s.achieved_pct], [7, 100]);
  assertOk(s.bottleneck.stage !== "client", s.bottleneck.advice);
  assertEquals(
    rec.seen.map((r) => r.path).sort(),
    [1, 2, 3, 4, 5, 6, 7].map((i) => `/users/u${i}`),
  );
  assertEquals(rec.seen.map((r) => r.user).sort(), [1, 2, 3, 4, 5, 6, 7].map((i) => `N, ${i}`));
});

Deno.test("a failed body check is counted apart, and a per-name threshold exits 99", async () => {
  const srv = await startServe(["--latency", "0", "--jitter", "0"]);
  const base = `http://127.0.0.1:${srv.port}`;
  const targets = file(
    "checks.txt",
    `#@ name=work check=body~"no such text"
GET ${base}/api/work

#@ name=health check=json.ok==true
GET ${base}/healthz
`,
  );
  const { code, stdout, stderr } = await runCli([
    "run",
    "--targets",
    targets,
    "--rate",
    "100",
    "--requests",
    "40",
    "--work-time",
    "0",
    "--threshold",
    "errors{name=health}<1%",
    "--threshold",
    "checks{name=work}<1%",
    "--json",
  ]);
  await srv.stop();
  assertEquals(code, 99, stderr);
  const s = JSON.parse(stdout.trim().split("\n").at(-1)!);
  assertEquals([s.requests.check_failed, s.requests.http_error, s.requests.failed], [20, 0, 0]);
  assertEquals([s.names.work.check_failed, s.names.health.ok], [20, 20]);
  assertEquals(s.thresholds.map((t: Json) => t.pass), [true, false]);
});

Deno.test("mistakes in a targets or data file: one line naming the file and line, exit 2", async () => {
  const t = (name: string, text: string) => file(name, text);
  const csv = file("ok.csv", "id\n1\n");
  await assertUsageErrors([
    [["run", "--targets", t("m.txt", "FETCH http://h/\n")], "m.txt:1: unknown method"],
    [["run", "--targets", t("h.txt", "GET http://h/\nno colon\n")], "h.txt:2"],
    [["run", "--targets", t("b.txt", "POST http://h/\n@missing.json\n")], "b.txt:2"],
    [["run", "--targets", t("p.txt", "GET http://h/{{nope}}\n")], "{{nope}}"],
    [["run", "--targets", t("w.txt", "#@ weight=0\nGET http://h/\n")], "w.txt:1"],
    [
      ["run", "--targets", t("d.txt", "#@ name=a\nGET http://h/\n\n#@ name=a\nGET http://h/x\n")],
      "d.txt:5",
    ],
    [["run", "--url", "http://h/{{row.uid}}", "--data", csv], "uid"],
    [["run", "--url", "http://h/{{row.id}}", "--data", file("e.csv", "")], "e.csv"],
    [
      [
        "run",
        "--targets",
        t("n.txt", "#@ name=a\nGET http://h/\n\n#@ name=b\nGET http://h/b\n"),
        "--threshold",
        "p99{name=c}<1ms",
      ],
      "'--threshold' must be a {name=…} of the run's targets: a, b",
    ],
  ]);
});
