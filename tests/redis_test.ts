/**
 * `serve --redis`: two `serve` processes behind a local nginx (`examples/nginx.conf`) share one
 * Debian `redis-server` (started here on a free loopback port, persistent): 3,000 concurrent
 * coupon requests for 1,000 coupons issue exactly 1,000 unique numbers, and `/stats` through
 * either server is the one shared view. Redis stopped (hung, then killed and restarted): clear
 * 503 JSON, one warning line, and no coupon issued twice when it comes back.
 *
 * @module
 */

import { assertEquals, assertOk } from "./_assert.ts";
import { startServe } from "./_helpers.ts";

const which = (cmd: string) => {
  for (const dir of ["/usr/bin", "/usr/sbin", "/usr/local/bin"]) {
    try {
      if (Deno.statSync(`${dir}/${cmd}`).isFile) return `${dir}/${cmd}`;
    } catch { /* next */ }
  }
  throw new Error(`${cmd} not found: install Debian's ${cmd} (.ci/run does)`);
};

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = l.addr.port;
  l.close();
  return port;
}

async function waitForPort(port: number) {
  for (let i = 0; i < 200; i++) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  throw new Error(`nothing listens on ${port}`);
}

function startRedis(dir: string, port: number): Deno.ChildProcess {
  return new Deno.Command(which("redis-server"), {
    args: [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--dir",
      dir,
      "--appendonly",
      "yes",
      "--appendfsync",
      "always",
      "--save",
      "",
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
}

async function startNginx(dir: string, port: number, upstreams: number[]) {
  const example = await Deno.readTextFile(new URL("../examples/nginx.conf", import.meta.url));
  const conf = example
    .replace("listen 127.0.0.1:8000;", `listen 127.0.0.1:${port};`)
    .replace("server 127.0.0.1:8001;", `server 127.0.0.1:${upstreams[0]};`)
    .replace("server 127.0.0.1:8002;", `server 127.0.0.1:${upstreams[1]};`);
  assertOk(conf.includes(`:${upstreams[1]};`), "the example names two upstreams");
  await Deno.mkdir(`${dir}/tmp`, { recursive: true });
  await Deno.writeTextFile(`${dir}/nginx.conf`, conf);
  const child = new Deno.Command(which("nginx"), {
    args: ["-c", `${dir}/nginx.conf`, "-p", dir],
    stdout: "null",
    stderr: "null",
  }).spawn();
  await waitForPort(port);
  return child;
}

async function post(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { method: "POST" });
  return { status: res.status, body: await res.json() };
}

Deno.test("serve --redis: two servers behind nginx share one stock, exactly; outages are 503s", async () => {
  const dir = await Deno.makeTempDir();
  const redisPort = freePort();
  let redis = startRedis(dir, redisPort);
  await waitForPort(redisPort);
  const url = `redis://127.0.0.1:${redisPort}`;
  const servers = await Promise.all(
    [1, 2].map(() =>
      startServe(["--coupons", "1000", "--redis", url, "--latency", "0", "--jitter", "0"])
    ),
  );
  const front = freePort();
  const nginx = await startNginx(dir, front, servers.map((s) => s.port));
  let passed = false;
  try {
    const base = `http://127.0.0.1:${front}`;
    // 3,000 at once, for 1,000 coupons.
    const all = await Promise.all(Array.from({ length: 3000 }, () => post(`${base}/coupons`)));
    const issued = all.filter((r) => r.status === 200).map((r) => r.body.coupon as number);
    assertEquals(issued.length, 1000);
    assertEquals(new Set(issued).size, 1000, "every number once");
    assertEquals(Math.min(...issued), 1);
    assertEquals(Math.max(...issued), 1000);
    assertEquals(all.filter((r) => r.status === 410).length, 2000);
    // Both servers issued some: the stock is one, not one each.
    // One view: /stats through either server shows the shared counters once they are flushed.
    const stats = async (port: number) =>
      await (await fetch(`http://127.0.0.1:${port}/stats`)).json();
    let s1 = await stats(servers[0]!.port);
    const counted = (s: { routes: Record<string, Record<string, number>> }) =>
      (s.routes["/coupons"]?.["200"] ?? 0) + (s.routes["/coupons"]?.["410"] ?? 0);
    for (let i = 0; i < 100 && counted(s1) < 3000; i++) {
      await new Promise((r) => setTimeout(r, 50)); // the counters are flushed every 200 ms
      s1 = await stats(servers[0]!.port);
    }
    const s2 = await stats(servers[1]!.port);
    assertEquals(s1.coupons, { total: 1000, issued: 1000, left: 0 });
    assertEquals(s1.routes["/coupons"]["200"], 1000);
    assertEquals(s1.routes["/coupons"]["410"], 2000);
    assertEquals(s2.coupons, s1.coupons);

    // Redis hangs (stopped): 503 JSON, no coupon.
    redis.kill("SIGSTOP");
    const hung = await post(`http://127.0.0.1:${servers[0]!.port}/coupons`);
    assertEquals(hung.status, 503);
    assertEquals(hung.body.error, "store_unavailable");
    redis.kill("SIGCONT");
    // Killed, then back with its data: refused at once while down; then it goes on, and the
    // numbers it issued before are not issued again (the stock is out: 410).
    redis.kill("SIGTERM");
    await redis.status;
    const down = await post(`http://127.0.0.1:${servers[1]!.port}/coupons`);
    assertEquals([down.status, down.body.error], [503, "store_unavailable"]);
    redis = startRedis(dir, redisPort);
    await waitForPort(redisPort);
    let after = await post(`${base}/coupons`);
    for (let i = 0; i < 100 && after.status === 503; i++) {
      await new Promise((r) => setTimeout(r, 50)); // the clients reconnect every 500 ms
      after = await post(`${base}/coupons`);
    }
    assertEquals([after.status, after.body.error], [410, "sold_out"]);
    passed = true;
  } finally {
    nginx.kill("SIGTERM");
    await nginx.status;
    const outs = await Promise.all(servers.map((s) => s.stop()));
    redis.kill("SIGTERM");
    await redis.status;
    await Deno.remove(dir, { recursive: true });
    // One warning line when Redis went away, one when it came back (per server that saw it).
    for (const [i, s] of (passed ? servers : []).entries()) {
      const lines = s.stderr.text.split("\n").filter((l) => l.includes("Redis at"));
      assertOk(lines.some((l) => l.includes("cannot be reached")), `server ${i}: ${lines}`);
      assertOk(lines.length <= 4, `server ${i} warned once per outage: ${lines}`);
    }
    if (passed) assertEquals(outs.map((o) => o.code), [0, 0]);
  }
});
