// deno-lint-ignore-file no-console -- an example: it prints its progress and its answer.
/**
 * Seed 3, first-come coupons on Redis: `tpsdemo serve` on one Redis node, then on a 3-node
 * Redis Cluster (redis-server in cluster mode, `redis-cli --cluster create`); for each, the
 * capacity of `POST /coupons` (one per user, `X-User: u{{seq}}`) at a latency objective, the
 * Redis CPU each coupon costs (where one node would run out, and a cluster start to win), and a
 * sale of 10,000 coupons to 12,000 users, counted from `/stats`.
 *
 * Run: `deno run -A examples/seeds/3_coupons.ts [--quick]` (`deno task seed:3`). Needs Debian's
 * redis-server (and its redis-cli), and `serve --redis-cluster` for the cluster half.
 *
 * @module
 */

import {
  fmt,
  freePort,
  type Json,
  need,
  printTable,
  type Processes,
  QUICK,
  shell,
  withProcesses,
} from "./_seed.ts";

const SLOS = ["p99<50ms", "errors<1%"];
const STEPS = QUICK
  ? ["--start", "400", "--warm", "300ms", "--step", "1s", "--resolution", "25"]
  : ["--start", "500", "--warm", "1s", "--step", "3s", "--resolution", "10"];
const [STOCK, USERS, SALE_RATE] = QUICK ? [1000, 1200, 1000] : [10_000, 12_000, 2000];

/** CPU seconds a process has used (user + system), from /proc. */
function cpuSeconds(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** A free port for a cluster node, whose bus port (+10000) is free and valid too. */
function clusterPort(): number {
  for (;;) {
    const p = freePort();
    if (p > 55_000) continue;
    try {
      Deno.listen({ hostname: "127.0.0.1", port: p + 10_000 }).close();
      return p;
    } catch { /* taken: another */ }
  }
}

/** Starts redis-server on `port` (no persistence: each setup starts empty). */
async function redis(
  procs: Processes,
  bin: string,
  dir: string,
  port: number,
  extra: string[] = [],
) {
  await Deno.mkdir(`${dir}/${port}`, { recursive: true });
  const p = procs.start(`redis ${port}`, bin, [
    ...["--port", String(port), "--bind", "127.0.0.1", "--dir", `${dir}/${port}`],
    ...["--save", "", "--appendonly", "no", ...extra],
  ]);
  await p.waitFor(/Ready to accept connections/);
  return p;
}

interface Setup {
  name: string;
  source: string;
  serve: string[];
  redisPids: number[];
  flush: () => Promise<void>;
}

/**
 * Whether `tpsdemo capacity` fills `{{seq}}` in a header: a 1 s search at 20/s, then /stats says
 * how many users asked (one, when the header went out as written).
 */
async function capacityFillsHeaders(procs: Processes, serve: string[]): Promise<boolean> {
  const srv = await procs.serve([...serve, "--coupons", "100000000"], "serve (probe)");
  await procs.tpsdemo([
    ...["capacity", "--url", `http://127.0.0.1:${srv.port}/coupons`, "--method", "POST"],
    ...["-H", "X-User: probe-{{seq}}", "--slo", "p99<1s", "--start", "20", "--max", "20"],
    ...["--warm", "0s", "--step", "1s"],
  ], [0, 1]);
  const stats = await (await fetch(`http://127.0.0.1:${srv.port}/stats`)).json();
  await procs.stop(srv);
  return stats.coupons.users > 1;
}

/**
 * The capacity at the objectives; then the sale: a fresh stock, one request per user, more users
 * than coupons, at one rate for every store (what Redis spends per request is measured there).
 */
async function measure(procs: Processes, s: Setup, perUser: boolean) {
  await s.flush();
  const srv = await procs.serve([...s.serve, "--coupons", "100000000"], `serve (${s.name})`);
  const user = ["-H", "X-User: u{{seq}}"];
  const req = [
    ...["--url", `http://127.0.0.1:${srv.port}/coupons`, "--method", "POST"],
    ...(perUser ? user : []),
  ];
  console.error(`seed 3: ${s.name}: tpsdemo capacity ${shell(req)} --slo ${SLOS.join(" --slo ")}`);
  const { lines } = await procs.tpsdemo([
    ...["capacity", ...req, ...SLOS.flatMap((x) => ["--slo", x]), ...STEPS, "--json"],
  ]);
  const cap = lines.find((l) => l.type === "capacity");
  await procs.stop(srv);
  await s.flush();
  const sale = await procs.serve([...s.serve, "--coupons", String(STOCK)], `serve (${s.name})`);
  const rate = Math.min(SALE_RATE, Math.max(50, Math.round(0.8 * (cap.max_rate ?? 100))));
  const url = `http://127.0.0.1:${sale.port}/coupons`;
  console.error(`seed 3: ${s.name}: the sale, ${USERS} users at ${rate}/s for ${STOCK} coupons`);
  const cpu0 = s.redisPids.reduce((a, p) => a + cpuSeconds(p), 0);
  const out = await procs.tpsdemo([
    ...["run", "--url", url, "--method", "POST", ...user, "--rate", String(rate)],
    ...["--requests", String(USERS), "--work-time", "0", "--json"],
  ]);
  const redisCpuMs = (1000 * (s.redisPids.reduce((a, p) => a + cpuSeconds(p), 0) - cpu0)) / USERS;
  const summary = out.lines.at(-1);
  const stats = await (await fetch(`http://127.0.0.1:${sale.port}/stats`)).json();
  await procs.stop(sale);
  return { cap, redisCpuMs, summary, stats: stats.coupons as Json, rate };
}

await withProcesses(async (procs) => {
  const server = need("redis-server", "/usr/bin/redis-server");
  const cli = need("redis-tools", "/usr/bin/redis-cli");
  const help = (await procs.tpsdemo(["serve", "--help"])).stdout;
  const cluster = help.includes("--redis-cluster");
  const dir = await procs.tempDir("tpsdemo-seed-3-");
  const setups: Setup[] = [];
  try {
    const one = freePort();
    const single = await redis(procs, server, dir, one);
    setups.push({
      name: "1 Redis node",
      source: "440 RPS (8 CPU/1 GB, 1,000 requests); 1,126 (10,000)",
      serve: ["--redis", `redis://127.0.0.1:${one}`],
      redisPids: [single.pid],
      flush: async () => void await procs.run("redis-cli", cli, ["-p", String(one), "flushall"]),
    });
    if (cluster) {
      const ports = [clusterPort(), clusterPort(), clusterPort()];
      const nodes = [];
      for (const p of ports) {
        nodes.push(
          await redis(procs, server, dir, p, [
            ...["--cluster-enabled", "yes", "--cluster-config-file", `${dir}/${p}/nodes.conf`],
          ]),
        );
      }
      const made = await procs.run("redis-cli --cluster create", cli, [
        ...["--cluster", "create", ...ports.map((p) => `127.0.0.1:${p}`)],
        ...["--cluster-replicas", "0", "--cluster-yes"],
      ]);
      if (made.code !== 0) {
        throw new Error(`redis-cli --cluster create: ${made.stdout}${made.stderr}`);
      }
      // Every node must know the whole cluster before a server uses it.
      for (const p of ports) {
        for (let i = 0; i < 100; i++) {
          const info = await procs.run("redis-cli", cli, ["-p", String(p), "cluster", "info"]);
          if (info.stdout.includes("cluster_state:ok")) break;
          if (i === 99) throw new Error(`the cluster did not come up:\n${info.stdout}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      setups.push({
        name: "3-node Redis Cluster",
        source: "440 || 1,216 RPS; 51 of 10,000 failed (5 nodes)",
        serve: ["--redis-cluster", ports.map((p) => `127.0.0.1:${p}`).join(",")],
        redisPids: nodes.map((n) => n.pid),
        flush: async () => {
          for (const p of ports) await procs.run("redis-cli", cli, ["-p", String(p), "flushall"]);
        },
      });
    }
    const perUser = await capacityFillsHeaders(procs, setups[0]!.serve);
    if (!perUser) {
      console.error(
        "seed 3: this tpsdemo capacity sends -H 'X-User: u{{seq}}' as written " +
          "(one user: every request after the first is 409 already_issued); the searches send " +
          "anonymous coupons instead (the source's DECR per request), the sale one per user",
      );
    }
    const results = [];
    for (const s of setups) results.push({ s, ...await measure(procs, s, perUser) });
    report(results, cluster, perUser);
  } finally {
    await procs.stopAll(); // and the temporary folder
  }
});

function report(
  results: (Awaited<ReturnType<typeof measure>> & { s: Setup })[],
  cluster: boolean,
  perUser: boolean,
) {
  const who = perUser ? "with X-User: u{{seq}} (one coupon per user)" : "(anonymous: see below)";
  console.log(
    `\nPOST /coupons ${who}, tpsdemo serve on ` +
      `${navigator.hardwareConcurrency} cores, capacity at ${SLOS.join(" and ")}; then ` +
      `${USERS.toLocaleString("en")} users for ${STOCK.toLocaleString("en")} coupons:\n`,
  );
  printTable(
    ["store", "source", `capacity (${SLOS.join(", ")})`, "most delivered", "client a limit"],
    results.map((r) => [
      r.s.name,
      r.s.source,
      r.cap.max_rate === null ? "none" : `${fmt(r.cap.max_rate, 0)}/s`,
      `${fmt(r.cap.saturation_goodput, 0)}/s`,
      r.cap.client_limited ? "yes" : "no",
    ]),
  );
  console.log(
    `\nThe sale (${STOCK.toLocaleString("en")} coupons, ${USERS.toLocaleString("en")} ` +
      `users, one request each), counted by tpsdemo and by /stats:\n`,
  );
  printTable(
    [
      ...["store", "sale at", "200", "410", "410 with stock left", "other", "/stats issued"],
      ...["/stats left", "exact", "Redis CPU/request", "one Redis core"],
    ],
    results.map((r) => {
      const st = r.summary.status ?? {};
      const other = Object.entries(st).filter(([k]) => k !== "200" && k !== "410")
        .reduce((a, [, n]) => a + (n as number), 0) + (r.summary.requests.failed ?? 0);
      const ok = st["200"] ?? 0;
      return [
        r.s.name,
        `${r.rate}/s`,
        ok,
        st["410"] ?? 0,
        Math.max(0, STOCK - ok),
        other,
        r.stats.issued,
        r.stats.left,
        r.stats.issued === STOCK && ok === STOCK ? "yes" : "NO",
        `${fmt(1000 * r.redisCpuMs, 0)} us`,
        `${fmt(1000 / r.redisCpuMs, -2)}/s`,
      ];
    }),
  );
  const [a, b] = results;
  const single = a!;
  const bound = 1000 / single.redisCpuMs;
  const per = single.cap.max_rate ?? NaN;
  console.log(
    `\nWhere does the cluster win? One Redis node spent ${fmt(1000 * single.redisCpuMs, 0)} us ` +
      `of CPU per request, so its one core runs out near ${fmt(bound, -2)}/s; one tpsdemo serve ` +
      `delivered ${fmt(per, 0)}/s at the objectives here` +
      (single.cap.client_limited ? " (at least: tpsdemo says its client was a limit too)" : "") +
      (bound > 1.5 * per
        ? `. Not on this machine, then: ${single.cap.client_limited ? "the client and " : ""}` +
          `the HTTP server run out before Redis does. A cluster can win only past about ` +
          `${fmt(bound, -2)}/s, with ${Math.ceil(bound / per)} or more servers like this one ` +
          `in front of it (and a client with cores of its own).`
        : `: Redis is near its limit, where a cluster's shards start to pay.`),
  );
  if (b) {
    console.log(
      `Measured: the 3-node cluster at ${fmt(b.cap.max_rate ?? NaN, 0)}/s against ` +
        `${fmt(single.cap.max_rate ?? NaN, 0)}/s for one node, with ${
          fmt(1000 * b.redisCpuMs, 0)
        } ` +
        `us of Redis CPU per request over its 3 nodes against ${
          fmt(1000 * single.redisCpuMs, 0)
        }: ` +
        ((b.cap.max_rate ?? 0) > 1.1 * per
          ? "the cluster delivered more here."
          : "behind the same server and client, sharding adds work and no capacity here."),
    );
  }
  if (!perUser) {
    console.log(
      "\nThe searches sent anonymous coupons (no X-User): this tpsdemo capacity sends " +
        "-H 'X-User: u{{seq}}' as written, one user for every request (409 after the first); " +
        "the sale sent one user per request with run, which fills it.",
    );
  }
  if (!cluster) {
    console.log(
      "\nThe cluster half was skipped: this tpsdemo's serve has no --redis-cluster " +
        "(serve --help does not list it).",
    );
  }
}
