/**
 * `serve --redis-cluster`: a 3-node Redis Cluster made here (Debian's redis-server and
 * redis-cli, free loopback ports, nothing persisted) and two `serve` processes on it. 3,000
 * users at once (two `tpsdemo run` loads) for 1,000 coupons: exactly 1,000, one per user, 410 for
 * the rest, the stock spread over the three masters. A node stopped (by PID): what needs it is a
 * 503 naming it; back (empty): no coupon is issued twice. Bad addresses and an unreachable
 * cluster: one `tpsdemo:` line.
 *
 * @module
 */

import { assertEquals, assertOk } from "./_assert.ts";
import { runCli, type ServeProcess, startServe } from "./_helpers.ts";
import {
  clusterOk,
  freePort,
  redisCli,
  scratchRedis,
  startCluster,
  stopProcess,
} from "./_redis.ts";

// deno-lint-ignore no-explicit-any
type Answer = { status: number; body: Record<string, any> };

async function post(port: number, user?: string): Promise<Answer> {
  const res = await fetch(`http://127.0.0.1:${port}/coupons`, {
    method: "POST",
    headers: user === undefined ? {} : { "x-user": user },
  });
  return { status: res.status, body: await res.json() };
}

/** Every user of the two loads asks `port` again. */
function askAll(port: number): Promise<(Answer & { user: string })[]> {
  return Promise.all(["a", "b"].flatMap((p) =>
    Array.from({ length: 1500 }, async (_, n) => ({
      user: `${p}-${n}`,
      ...(await post(port, `${p}-${n}`)),
    }))
  ));
}

async function stats(port: number): Promise<Answer> {
  const res = await fetch(`http://127.0.0.1:${port}/stats`);
  return { status: res.status, body: await res.json() };
}

Deno.test("serve --redis-cluster: 3,000 users for 1,000 coupons over 3 masters; a node down is 503; back empty, nothing twice", async () => {
  const dir = await Deno.makeTempDir();
  const cluster = await startCluster(dir);
  const servers: ServeProcess[] = [];
  try {
    const flags = ["--coupons", "1000", "--redis-cluster", cluster.addresses, "--latency", "0"];
    servers.push(await startServe(flags), await startServe([...flags, "--workers", "2"]));
    const [one, two] = servers.map((s) => s.port) as [number, number];
    // Two loads at once, one per server, 1,500 users each.
    const runs = await Promise.all([one, two].map((port, i) =>
      runCli([
        ...["run", "--url", `http://127.0.0.1:${port}/coupons`, "--method", "POST"],
        ...["-H", `X-User: ${"ab"[i]}-{{seq}}`, "--rate", "3000", "--requests", "1500"],
        ...["--work-time", "0", "--json"],
      ])
    ));
    const statuses = runs.map((r) => {
      assertEquals(r.code, 0, r.stderr);
      return JSON.parse(r.stdout.trimEnd().split("\n").at(-1)!).status;
    });
    const count = (code: string) => statuses.reduce((a, s) => a + (s[code] ?? 0), 0);
    assertEquals([count("200"), count("410")], [1000, 2000], JSON.stringify(statuses));
    const s = await stats(two);
    assertEquals(s.body.coupons, { total: 1000, issued: 1000, left: 0, users: 1000 });
    // Each master holds one shard, and the shards' counts add up to the stock.
    const shards = await Promise.all(
      cluster.ports.map((p) => redisCli(p, "--scan", "--pattern", "tpsdemo:{coupons:*}:issued")),
    );
    for (const keys of shards) assertEquals(keys.trim().split("\n").length, 1, shards.join(";"));
    // Every user asks again, of the other server: the 1,000 who got one are told which (each
    // number once, 1 to 1,000); the others are told the stock is out; and so is anyone.
    const again = await askAll(one);
    const held = new Map(again.filter((r) => r.status === 409).map((r) => [r.user, r.body.coupon]));
    assertEquals(held.size, 1000);
    assertEquals(new Set(held.values()).size, 1000);
    const numbers = [...held.values()] as number[];
    assertEquals([Math.min(...numbers), Math.max(...numbers)], [1, 1000]);
    assertEquals(again.filter((r) => r.status === 410).length, 2000);
    assertEquals((await post(two)).status, 410);

    // A node stopped (SIGSTOP: it hangs), then let go: 503 naming it, then the same counts.
    const node = `127.0.0.1:${cluster.ports[1]}`;
    cluster.nodes[1]!.kill("SIGSTOP");
    const hung = await post(one);
    assertEquals([hung.status, hung.body.error], [503, "store_unavailable"]);
    assertOk(
      String(hung.body.message).includes(`node ${node} cannot be reached`),
      hung.body.message,
    );
    assertEquals((await stats(one)).status, 503);
    cluster.nodes[1]!.kill("SIGCONT");
    assertEquals((await stats(one)).body.coupons, s.body.coupons);

    // Killed, then back empty (nothing persisted). Either way nobody gets a new coupon; users
    // homed on a live shard are told theirs as before; the others, anyone, and /stats get a 503
    // naming the node (down, then its shard lost: never issued from again).
    const check = async (problem: string) => {
      const answers = await askAll(two);
      assertEquals(answers.filter((r) => r.status === 200).length, 0);
      for (const r of answers.filter((r) => r.status === 409)) {
        assertEquals(r.body.coupon, held.get(r.user));
      }
      const refused = answers.filter((r) => r.status === 503);
      assertOk(refused.length > 0, "some users are homed on the node's shard");
      assertEquals(refused.length + answers.filter((r) => r.status === 409).length, 3000);
      for (const answer of [refused[0]!, await post(one), await stats(two)]) {
        assertEquals([answer.status, answer.body.error], [503, "store_unavailable"]);
        assertOk(answer.body.message.includes(`node ${node} ${problem}`), answer.body.message);
      }
    };
    await stopProcess(cluster.nodes[1]!);
    await check("cannot be reached");
    await cluster.restart(1);
    await clusterOk(cluster.ports);
    // The servers reconnect to it within their retry delay (at most 2 s): until then, 503s.
    for (let i = 0; i < 100; i++) {
      const [a, b] = await Promise.all([post(one), post(two)]);
      if ([a, b].every((r) => r.body.message.includes("lost shard"))) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await check("lost shard");
  } finally {
    const outs = await Promise.all(servers.map((s) => s.stop()));
    await cluster.stop();
    await Deno.remove(dir, { recursive: true });
    assertEquals(outs.map((o) => o.code), servers.map(() => 0));
    // One line when the node went away and one when it was back, per outage, per server.
    for (const s of servers) {
      const lines = s.stderr.text.trimEnd().split("\n").filter((l) => l !== "");
      for (const l of lines) assertOk(l.startsWith("tpsdemo serve: Redis Cluster at "), l);
      assertOk(lines.length <= 6, lines.join("\n"));
    }
  }
});

Deno.test("serve --redis-cluster: bad addresses exit 2, an unreachable cluster exits 1, one line each", async () => {
  const dir = await Deno.makeTempDir();
  const plain = await scratchRedis(dir);
  try {
    const free = `127.0.0.1:${freePort()}`;
    const cases: [string[], number, string][] = [
      [["--redis-cluster", "127.0.0.1"], 2, `'--redis-cluster' must be HOST:PORT[,HOST:PORT…]`],
      [["--redis-cluster", "a:1,,b:2"], 2, `got "a:1,,b:2"`],
      [["--redis-cluster", "a:99999"], 2, "'--redis-cluster' must be HOST:PORT"],
      [
        ["--redis-cluster", "a:1", "--redis", "redis://a:2"],
        2,
        "'--redis' and '--redis-cluster' name two stores",
      ],
      [["--redis-cluster", "a:1", "--redis-prefix", "{x}"], 2, "'--redis-prefix' must be"],
      [
        ["--redis-cluster", free],
        1,
        `Cannot start serve: the Redis Cluster of '--redis-cluster' cannot be reached (`,
      ],
      // A Redis that is not a cluster.
      [
        ["--redis-cluster", plain.url.replace("redis://", "")],
        1,
        "the Redis Cluster of '--redis-cluster' cannot be reached (",
      ],
    ];
    for (const [flags, want, text] of cases) {
      const { code, stdout, stderr } = await runCli(["serve", "--port", "0", ...flags]);
      assertEquals(code, want, `${flags.join(" ")}: ${stderr}`);
      assertEquals(stdout, "");
      const lines = stderr.trimEnd().split("\n");
      assertEquals(lines.length, 1, stderr);
      assertOk(lines[0]!.startsWith("tpsdemo: Cannot start serve: "), lines[0]);
      assertOk(lines[0]!.includes(text), `${lines[0]} lacks ${text}`);
    }
  } finally {
    await stopProcess(plain.child);
    await Deno.remove(dir, { recursive: true });
  }
});
