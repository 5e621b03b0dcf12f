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
import { runCli, startServe } from "./_helpers.ts";
import {
  freePort,
  scratchRedis,
  startRedis,
  stopProcess as stopRedis,
  waitForPort,
  which,
} from "./_redis.ts";

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

async function post(
  url: string,
  user?: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { method: "POST", headers: user ? { "x-user": user } : {} });
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
    assertEquals(s1.coupons, { total: 1000, issued: 1000, left: 0, users: 0 });
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

Deno.test("serve --redis: the stop line, /stats and --log tell the coupons Redis issued, and to whom", async () => {
  const dir = await Deno.makeTempDir();
  const redis = await scratchRedis(dir);
  try {
    for (const workers of ["1", "2"]) {
      const srv = await startServe([
        ...["--redis", redis.url, "--redis-prefix", `w${workers}:`, "--coupons", "1000"],
        ...["--log", "--workers", workers, "--latency", "0", "--jitter", "0"],
      ]);
      const base = `http://127.0.0.1:${srv.port}`;
      const n = 37;
      // Users u-0 … u-29, and 7 anonymous.
      const user = (i: number) => i < 30 ? `u-${i}` : undefined;
      const answers = await Promise.all(
        Array.from({ length: n }, (_, i) => post(`${base}/coupons`, user(i))),
      );
      assertEquals(answers.map((a) => a.status), Array(n).fill(200));
      const oneToN = Array.from({ length: n }, (_, i) => i + 1);
      const numbers = (xs: unknown[]) => (xs as number[]).sort((a, b) => a - b);
      assertEquals(numbers(answers.map((a) => a.body.coupon)), oneToN);
      // Each issued coupon's --log line carries its number, 1..n each once, and its user.
      const logged: Record<string, unknown>[] = [];
      while (logged.length < n) logged.push(JSON.parse(await srv.stderr.until(/"\/coupons"/)));
      assertEquals(numbers(logged.map((l) => l.coupon)), oneToN, `--workers ${workers}`);
      const given = (xs: { user?: unknown; coupon?: unknown }[]) =>
        xs.filter((x) => x.user !== undefined).map((x) => `${x.user}=${x.coupon}`).sort();
      assertEquals(given(logged), given(answers.map((a) => a.body)));
      assertEquals(given(logged).length, 30);
      // Asked again: 409 with the same number, logged with the user and no number.
      const again = await post(`${base}/coupons`, "u-3");
      assertEquals([again.status, again.body.coupon], [409, answers[3]!.body.coupon]);
      const line = JSON.parse(await srv.stderr.until(/"\/coupons"/));
      assertEquals([line.status, line.user, line.coupon], [409, "u-3", undefined]);
      // /stats: the store's count, and this server's isolates.
      const stats = await (await fetch(`${base}/stats`)).json();
      assertEquals(stats.coupons, { total: 1000, issued: n, left: 1000 - n, users: 30 });
      assertEquals(stats.isolates, Number(workers));
      // Stopped as a user does (Ctrl-C): the stop line reads the count from Redis.
      srv.child.kill("SIGINT");
      const [lines, status] = await Promise.all([
        srv.stdout.rest(),
        srv.child.status,
        srv.stderr.rest(),
      ]);
      assertEquals(status.code, 0);
      const stop = lines.find((l) => l.startsWith("tpsdemo serve: stopped after"));
      assertOk(stop, lines.join("\n"));
      assertOk(
        stop.includes(`coupons issued ${n} of 1000 in Redis at ${redis.url} (${n} by this server)`),
        stop,
      );
      // Nothing but --log lines on stderr: no warning, no stack trace.
      for (const l of srv.stderr.text.trimEnd().split("\n")) assertOk(JSON.parse(l).path, l);
    }
  } finally {
    await stopRedis(redis.child);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("serve --redis, Redis killed mid-run: 503 JSON naming it; the stop line does not say 0", async () => {
  const dir = await Deno.makeTempDir();
  const redis = await scratchRedis(dir);
  const srv = await startServe(["--redis", redis.url, "--coupons", "10", "--latency", "0"]);
  try {
    const base = `http://127.0.0.1:${srv.port}`;
    for (let i = 1; i <= 3; i++) assertEquals((await post(`${base}/coupons`)).body.coupon, i);
    await stopRedis(redis.child);
    const unreachable = `Redis at ${redis.url} cannot be reached (`;
    // The server notices the closed connection and says so.
    const warning = await srv.stderr.until(/cannot be reached/);
    assertOk(warning.startsWith(`tpsdemo serve: ${unreachable}`), warning);
    const stats = await fetch(`${base}/stats`);
    assertEquals(stats.status, 503);
    const body = await stats.json();
    assertEquals(body.error, "store_unavailable");
    assertOk(body.message.startsWith(unreachable), body.message);
    assertOk(!body.message.includes("coupon"), body.message);
    const coupon = await post(`${base}/coupons`);
    assertEquals([coupon.status, coupon.body.error], [503, "store_unavailable"]);
    assertOk(String(coupon.body.message).endsWith("no coupon was issued"));
  } finally {
    const { code, lines } = await srv.stop();
    await stopRedis(redis.child);
    await Deno.remove(dir, { recursive: true });
    assertEquals(code, 0);
    const stop = lines.find((l) => l.startsWith("tpsdemo serve: stopped after")) ?? "";
    assertOk(
      stop.includes("coupons issued 3 by this server (all servers' count unknown: Redis at "),
      lines.join("\n"),
    );
  }
});

Deno.test("serve --redis: a database or password Redis refuses is a usage error naming '--redis'", async () => {
  const dir = await Deno.makeTempDir();
  const redis = await scratchRedis(dir, ["--requirepass", "right"]);
  try {
    const cases: [string, string][] = [
      [`${redis.url.replace("//", "//:right@")}/99999`, "ERR DB index is out of range"],
      [redis.url.replace("//", "//:wrong@"), "WRONGPASS"],
      [redis.url, "NOAUTH"],
    ];
    for (const [url, answer] of cases) {
      const { code, stdout, stderr } = await runCli(["serve", "--port", "0", "--redis", url]);
      assertEquals(code, 2, stderr);
      assertEquals(stdout, "");
      const lines = stderr.trimEnd().split("\n");
      assertEquals(lines.length, 1, stderr);
      assertOk(
        lines[0]!.startsWith(
          "tpsdemo: Cannot start serve: '--redis' must be a Redis that accepts its password and " +
            "database (it answered ",
        ),
        lines[0],
      );
      assertOk(lines[0]!.includes(answer), lines[0]);
      assertOk(!/right|wrong/.test(lines[0]!), "the password is not printed");
    }
  } finally {
    await stopRedis(redis.child);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("serve --redis, one coupon per user: two servers, 3,000 users at once, 1,000 users get one", async () => {
  const dir = await Deno.makeTempDir();
  const redis = await scratchRedis(dir);
  const servers = await Promise.all(
    [1, 2].map(() => startServe(["--coupons", "1000", "--redis", redis.url, "--latency", "0"])),
  );
  try {
    // Two loads at once, one per server, 1,500 users each (distinct names).
    const runs = await Promise.all(servers.map((s, i) =>
      runCli([
        ...["run", "--url", `http://127.0.0.1:${s.port}/coupons`, "--method", "POST"],
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
    const stats = await (await fetch(`http://127.0.0.1:${servers[1]!.port}/stats`)).json();
    assertEquals(stats.coupons, { total: 1000, issued: 1000, left: 0, users: 1000 });
    // Every user asks again, of the other server: the 1,000 who got one are told which (each
    // number once); the others are told the stock is out.
    const again = await Promise.all(
      ["a", "b"].flatMap((p, i) =>
        Array.from({ length: 1500 }, async (_, n) => {
          const res = await fetch(`http://127.0.0.1:${servers[1 - i]!.port}/coupons`, {
            method: "POST",
            headers: { "x-user": `${p}-${n}` },
          });
          return { status: res.status, body: await res.json() };
        })
      ),
    );
    const held = again.filter((r) => r.status === 409).map((r) => r.body.coupon as number);
    assertEquals(held.length, 1000);
    assertEquals(new Set(held).size, 1000);
    assertEquals([Math.min(...held), Math.max(...held)], [1, 1000]);
    assertEquals(again.filter((r) => r.status === 410).length, 2000);
  } finally {
    const outs = await Promise.all(servers.map((s) => s.stop()));
    await stopRedis(redis.child);
    await Deno.remove(dir, { recursive: true });
    assertEquals(outs.map((o) => o.code), [0, 0]);
  }
});
