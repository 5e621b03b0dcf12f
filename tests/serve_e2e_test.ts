import { assertEquals, assertOk } from "./_assert.ts";
import { runCli, startServe } from "./_helpers.ts";

Deno.test("serve --port 0 starts, answers, and SIGTERM exits 0 with the summary", async () => {
  const srv = await startServe(["--latency", "0", "--jitter", "0"]);
  const res = await fetch(`http://127.0.0.1:${srv.port}/api/work`);
  assertEquals(res.status, 200);
  assertOk(res.headers.get("x-process-time"));
  assertEquals(typeof (await res.json()).id, "number");
  const health = await fetch(`http://127.0.0.1:${srv.port}/healthz`);
  assertEquals(await health.json(), { ok: true });
  const { code, lines } = await srv.stop();
  assertEquals(code, 0);
  const summary = lines.find((l) => l.startsWith("tpsdemo serve: stopped after"));
  assertOk(summary, lines.join("\n"));
  assertOk(summary.includes("2 requests (200: 2)"), summary);
});

Deno.test("serve --workers 2: 3,000 concurrent coupon POSTs issue exactly 1,000 unique numbers", async () => {
  const srv = await startServe(["--workers", "2", "--coupons", "1000", "--latency", "0"]);
  try {
    const base = `http://127.0.0.1:${srv.port}`;
    const responses = await Promise.all(
      Array.from({ length: 3000 }, async () => {
        const r = await fetch(`${base}/coupons`, { method: "POST" });
        return { status: r.status, body: await r.json() };
      }),
    );
    const ok = responses.filter((r) => r.status === 200);
    const gone = responses.filter((r) => r.status === 410);
    assertEquals(ok.length, 1000);
    assertEquals(gone.length, 2000);
    const numbers = new Set(ok.map((r) => r.body.coupon));
    assertEquals(numbers.size, 1000);
    assertEquals(Math.min(...numbers), 1);
    assertEquals(Math.max(...numbers), 1000);
    const stats = await (await fetch(`${base}/stats`)).json();
    assertEquals(stats.isolates, 2);
    assertEquals(stats.coupons, { total: 1000, issued: 1000, left: 0, users: 0 });
    assertEquals(stats.routes["/coupons"], { "200": 1000, "410": 2000 });
  } finally {
    const { code } = await srv.stop();
    assertEquals(code, 0);
  }
});

Deno.test("serve: 3,000 concurrent coupon POSTs of 3,000 users (tpsdemo run) give 1,000 users one each, for any --workers", async () => {
  for (const workers of ["1", "2"]) {
    const srv = await startServe(["--workers", workers, "--coupons", "1000", "--latency", "0"]);
    try {
      const base = `http://127.0.0.1:${srv.port}`;
      const run = await runCli([
        ...["run", "--url", `${base}/coupons`, "--method", "POST", "-H", "X-User: user-{{seq}}"],
        ...["--rate", "3000", "--requests", "3000", "--work-time", "0", "--json"],
      ]);
      assertEquals(run.code, 0, run.stderr);
      const summary = JSON.parse(run.stdout.trimEnd().split("\n").at(-1)!);
      assertEquals(summary.status, { "200": 1000, "410": 2000 }, `--workers ${workers}`);
      const stats = await (await fetch(`${base}/stats`)).json();
      assertEquals(stats.coupons, { total: 1000, issued: 1000, left: 0, users: 1000 });
      assertEquals(stats.routes["/coupons"], { "200": 1000, "410": 2000 });
      // A user who got one asks again, in whichever isolate: 409 with that coupon; one who did
      // not: 410. Which users got one, /stats does not say: ask them all again.
      const again = await Promise.all(
        Array.from({ length: 3000 }, async (_, i) => {
          const r = await fetch(`${base}/coupons`, {
            method: "POST",
            headers: { "x-user": `user-${i}` },
          });
          return { status: r.status, body: await r.json() };
        }),
      );
      const held = again.filter((r) => r.status === 409).map((r) => r.body.coupon as number);
      assertEquals(held.length, 1000);
      assertEquals(new Set(held).size, 1000);
      assertEquals(again.filter((r) => r.status === 410).length, 2000);
      assertEquals((await (await fetch(`${base}/stats`)).json()).coupons.users, 1000);
    } finally {
      const { code } = await srv.stop();
      assertEquals(code, 0);
    }
  }
});

Deno.test("serve --log writes one JSON line per request to stderr", async () => {
  const srv = await startServe(["--log", "--latency", "0", "--jitter", "0"]);
  await (await fetch(`http://127.0.0.1:${srv.port}/api/work`)).body?.cancel();
  await (await fetch(`http://127.0.0.1:${srv.port}/nope`)).body?.cancel();
  const first = JSON.parse(await srv.stderr.until(/"path":"\/api\/work"/));
  assertEquals([first.method, first.status], ["GET", 200]);
  const second = JSON.parse(await srv.stderr.until(/"path":"\/nope"/));
  assertEquals(second.status, 404);
  assertOk(typeof second.ms === "number");
  // Methods with a body (or none) must not make Deno print anything else on stderr.
  for (const method of ["POST", "PUT", "DELETE", "OPTIONS"]) {
    await (await fetch(`http://127.0.0.1:${srv.port}/coupons`, { method })).body?.cancel();
  }
  await (await fetch(`http://127.0.0.1:${srv.port}/coupons`, {
    method: "POST",
    body: new ReadableStream({ start: (c) => (c.enqueue(new Uint8Array(3)), c.close()) }),
  })).body?.cancel();
  assertEquals((await srv.stop()).code, 0);
  const lines = srv.stderr.text.trim().split("\n");
  assertEquals(lines.length, 7, srv.stderr.text);
  for (const line of lines) assertOk(JSON.parse(line).path, line);
});

Deno.test("serve: bad flags exit 2 with one line naming the flag and what is allowed", async () => {
  const cases: [string[], string][] = [
    [["serve", "--port", "70000"], `'--port' must be in [0, 65535], got "70000"`],
    [["serve", "--error-rate", "2"], `'--error-rate' must be in [0, 1], got "2"`],
    [["serve", "--latency", "fast"], `'--latency' must be a duration`],
    [["serve", "--workers", "0"], `'--workers' must be in [1, 256], got "0"`],
    [["serve", "--redis", "127.0.0.1:6379"], `'--redis' must be a URL such as redis://host:port`],
    [
      ["serve", "--redis", "redis://127.0.0.1:6379/abc"],
      `'--redis' must be a URL such as redis://host:port or redis://host:port/N (N: a database ` +
      `number), got "redis://127.0.0.1:6379/abc"`,
    ],
    [["serve", "--redis", "redis://:secret@h:1/x"], `got "redis://***@h:1/x"`],
    [["serve", "--bogus"], `unknown flag '--bogus'`],
    [["frobnicate"], `unknown command "frobnicate"`],
  ];
  for (const [args, want] of cases) {
    const { code, stdout, stderr } = await runCli(args);
    assertEquals(code, 2, args.join(" "));
    assertEquals(stdout, "");
    const lines = stderr.trimEnd().split("\n");
    assertEquals(lines.length, 1, stderr);
    assertOk(lines[0]!.startsWith("tpsdemo: "), lines[0]);
    assertOk(lines[0]!.includes(want), `${lines[0]} lacks ${want}`);
  }
});

Deno.test("help and version exit 0", async () => {
  const version = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)))
    .version;
  const cases: [string[], RegExp][] = [
    [["--help"], /^tpsdemo .*\n\nUsage:\n {2}tpsdemo serve/],
    [["--version"], new RegExp(`^tpsdemo ${version.replaceAll(".", "\\.")}\n$`)],
    [["help", "serve"], /^Usage: tpsdemo serve \[flags\]/],
    [["serve", "--help"], /^Usage: tpsdemo serve \[flags\]/],
    [["run", "--help"], /^Usage: tpsdemo run \[flags\]/],
  ];
  for (const [args, want] of cases) {
    const { code, stdout } = await runCli(args);
    assertEquals(code, 0, args.join(" "));
    assertOk(want.test(stdout), `${args.join(" ")}: ${stdout.slice(0, 80)}`);
  }
  const { stdout } = await runCli(["serve", "--help"]);
  for (const flag of ["--capacity", "--backlog", "--coupons", "--workers", "--cache-ttl"]) {
    assertOk(stdout.includes(flag), flag);
  }
});

Deno.test("serve: a port in use exits 1 with one 'tpsdemo:' line naming it, for any --workers", async () => {
  // Held by a plain listener, and by another serve whose isolates share their port (reusePort).
  const held = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const other = await startServe(["--workers", "2"]);
  try {
    for (const port of [held.addr.port, other.port]) {
      for (const workers of ["1", "2"]) {
        const args = ["serve", "--port", String(port), "--workers", workers];
        const { code, stdout, stderr } = await runCli(args);
        assertEquals(code, 1, `${args.join(" ")}: ${stdout}${stderr}`);
        assertEquals(stdout, "");
        assertEquals(
          stderr,
          `tpsdemo: Cannot start serve: port ${port} is already in use on 127.0.0.1; stop what ` +
            "holds it, or choose another port ('--port 0' picks a free one)\n",
        );
      }
    }
  } finally {
    held.close();
    await other.stop();
  }
});

Deno.test("serve: an address this machine cannot bind is a usage error naming '--host'", async () => {
  const { code, stdout, stderr } = await runCli(["serve", "--host", "999.1.1.1", "--port", "0"]);
  assertEquals(code, 2);
  assertEquals(stdout, "");
  const lines = stderr.trimEnd().split("\n");
  assertEquals(lines.length, 1, stderr);
  assertOk(
    lines[0]!.startsWith(
      "tpsdemo: Cannot start serve: '--host' must be an address of this machine (",
    ),
    stderr,
  );
  assertOk(lines[0]!.endsWith(`got "999.1.1.1"`), stderr);
});

/** Waits until the server has `n` requests in flight (read from /stats, no sleeping). */
async function untilInFlight(port: number, n: number) {
  for (;;) {
    const stats = await (await fetch(`http://127.0.0.1:${port}/stats`)).json();
    if (stats.in_flight >= n) return;
  }
}

Deno.test("serve: the first Ctrl-C waits for in-flight requests (--grace 1000h), a second one stops now", async () => {
  // First: an in-flight request of 300 ms finishes though --grace is past setTimeout's limit.
  const srv = await startServe(["--latency", "300ms", "--jitter", "0", "--grace", "1000h"]);
  const pending = fetch(`http://127.0.0.1:${srv.port}/api/work`);
  await untilInFlight(srv.port, 1);
  srv.child.kill("SIGINT");
  await srv.stdout.until(/stopping; in-flight requests may take up to 1000h/);
  const res = await pending;
  assertEquals(res.status, 200);
  await res.body?.cancel();
  // It exits by itself once the request has finished (no second signal).
  const [lines, status] = await Promise.all([
    srv.stdout.rest(),
    srv.child.status,
    srv.stderr.rest(),
  ]);
  assertEquals(status.code, 0);
  assertOk(lines.some((l) => l.endsWith("all in-flight requests finished")), lines.join("\n"));

  // Then: a second Ctrl-C stops at once, with the summary.
  const srv2 = await startServe(["--latency", "30s", "--jitter", "0", "--grace", "1000h"]);
  const stuck = fetch(`http://127.0.0.1:${srv2.port}/api/work`).catch(() => undefined);
  await untilInFlight(srv2.port, 1);
  srv2.child.kill("SIGINT");
  await srv2.stdout.until(/stopping/);
  srv2.child.kill("SIGINT");
  const second = await srv2.stop();
  assertEquals(second.code, 0);
  assertOk(
    second.lines.some((l) => l.endsWith("in-flight requests cut at --grace")),
    second.lines.join("\n"),
  );
  await stuck;
});

Deno.test("serve: HEAD answers with the length the GET would have, and no body", async () => {
  const srv = await startServe(["--latency", "0", "--jitter", "0"]);
  try {
    for (const path of ["/api/work", "/healthz"]) {
      const get = await fetch(`http://127.0.0.1:${srv.port}${path}`);
      const length = (await get.arrayBuffer()).byteLength;
      const head = await fetch(`http://127.0.0.1:${srv.port}${path}`, { method: "HEAD" });
      assertEquals(head.status, 200);
      assertEquals(Number(head.headers.get("content-length")), length, path);
      assertEquals((await head.arrayBuffer()).byteLength, 0);
    }
  } finally {
    await srv.stop();
  }
});

Deno.test("serve --log: a coupon's line carries its number, exactly 1..N, for any --workers", async () => {
  for (const workers of ["1", "2"]) {
    const srv = await startServe(["--log", "--coupons", "5", "--workers", workers]);
    const base = `http://127.0.0.1:${srv.port}`;
    const answers = await Promise.all(Array.from({ length: 8 }, async () => {
      const r = await fetch(`${base}/coupons`, { method: "POST" });
      return { status: r.status, body: await r.json() };
    }));
    const logged = [];
    while (logged.length < 8) logged.push(JSON.parse(await srv.stderr.until(/"\/coupons"/)));
    assertEquals((await srv.stop()).code, 0);
    const issued = logged.filter((l) => l.status === 200).map((l) => l.coupon);
    assertEquals(issued.sort((a, b) => a - b), [1, 2, 3, 4, 5], `--workers ${workers}`);
    const answered = answers.filter((a) => a.status === 200).map((a) => a.body.coupon);
    assertEquals(answered.sort((a, b) => a - b), issued);
    // Sold out: no number to log.
    const gone = logged.filter((l) => l.status === 410);
    assertEquals(gone.length, 3);
    for (const l of gone) assertEquals("coupon" in l, false, JSON.stringify(l));
  }
});

/** A loopback port nothing listens on (it was free a moment ago). */
function closedPort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = l.addr.port;
  l.close();
  return port;
}

Deno.test("serve --redis, unreachable: /stats and /coupons answer 503 JSON naming it; stop says so", async () => {
  const url = `redis://127.0.0.1:${closedPort()}`;
  const srv = await startServe(["--redis", url, "--coupons", "10"]);
  const base = `http://127.0.0.1:${srv.port}`;
  const unreachable = `${url.replace("redis", "Redis at redis")} cannot be reached (`;
  const stats = await fetch(`${base}/stats`);
  assertEquals(stats.status, 503);
  assertEquals(stats.headers.get("content-type"), "application/json");
  const body = await stats.json();
  assertEquals(body.error, "store_unavailable");
  assertOk(body.message.startsWith(unreachable), body.message);
  assertOk(body.message.endsWith("; /stats reads every server's counts from it"), body.message);
  assertOk(!body.message.includes("coupon"), body.message);
  const coupon = await fetch(`${base}/coupons`, { method: "POST" });
  assertEquals(coupon.status, 503);
  const c = await coupon.json();
  assertEquals(c.error, "store_unavailable");
  assertOk(c.message.startsWith(unreachable), c.message);
  assertOk(c.message.endsWith("; no coupon was issued"), c.message);
  const { code, lines } = await srv.stop();
  assertEquals(code, 0);
  const stop = lines.find((l) => l.startsWith("tpsdemo serve: stopped after"));
  assertOk(stop, lines.join("\n"));
  // Not "0 of 10": the shared count could not be read.
  assertOk(
    stop.includes(`coupons issued 0 by this server (all servers' count unknown: ${unreachable}`),
    stop,
  );
  // One warning, before the listening line; no stack trace.
  const err = srv.stderr.text.trimEnd().split("\n");
  assertEquals(err.length, 1, srv.stderr.text);
  assertOk(err[0]!.startsWith(`tpsdemo serve: ${unreachable}`), err[0]);
  assertOk(err[0]!.endsWith("; /coupons and /stats answer 503 until it is back"), err[0]);
});
