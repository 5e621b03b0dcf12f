import { assertEquals, assertOk } from "./_assert.ts";
import {
  encodeRequest,
  RawHttpConnection,
  type RequestSpec,
} from "../lib/client/http/connection.ts";
import { FetchConnection, openConnection } from "../lib/client/http/fetch.ts";
import { newResult } from "../lib/client/record/result.ts";
import { connIo } from "../lib/client/http/io.ts";

const fresh = () => newResult(0, 0, 0);

const spec = (port: number, path = "/", over: Partial<RequestSpec> = {}): RequestSpec => ({
  url: new URL(`http://127.0.0.1:${port}${path}`),
  method: "GET",
  headers: [],
  ...over,
});

/** A raw TCP server that answers each connection with `reply(requestText)`. */
function rawServer(reply: (req: string, conn: Deno.Conn) => Promise<void>) {
  const self = { onRequest: () => {} };
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  (async () => {
    for await (const conn of listener) {
      conns.push(conn);
      (async () => {
        const buf = new Uint8Array(4096);
        try {
          for (;;) {
            const n = await conn.read(buf);
            if (n === null) break;
            self.onRequest();
            await reply(new TextDecoder().decode(buf.subarray(0, n)), conn);
          }
        } catch { /* closed */ }
      })();
    }
  })();
  return Object.assign(self, {
    port: (listener.addr as Deno.NetAddr).port,
    accepted: () => conns.length,
    close() {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch { /* gone */ }
      }
    },
  });
}

const enc = new TextEncoder();

Deno.test("encodeRequest: request line, Host, headers, body with its length", () => {
  const text = new TextDecoder().decode(encodeRequest({
    url: new URL("http://example.test:8080/a?b=1"),
    method: "POST",
    headers: [["X-Test", "1"]],
    body: enc.encode("hello"),
  }));
  assertEquals(
    text,
    "POST /a?b=1 HTTP/1.1\r\nHost: example.test:8080\r\nUser-Agent: tpsdemo\r\nAccept: */*\r\n" +
      "X-Test: 1\r\nContent-Length: 5\r\n\r\nhello",
  );
});

Deno.test("raw client: keep-alive reuses one connection; Connection: close reconnects", async () => {
  for (const [close, want] of [[false, 1], [true, 3]] as const) {
    const srv = rawServer(async (_req, conn) => {
      const extra = close ? "Connection: close\r\n" : "";
      await conn.write(enc.encode(`HTTP/1.1 200 OK\r\nContent-Length: 2\r\n${extra}\r\nok`));
      if (close) conn.close();
    });
    const c = new RawHttpConnection(spec(srv.port), { engine: "raw", timeoutMs: 2000 });
    try {
      for (let i = 0; i < 3; i++) {
        const r = await c.send(fresh());
        assertEquals([r.status, r.error], [200, undefined]);
        assertOk(r.doneAt >= r.sentAt);
      }
      assertEquals(srv.accepted(), want, close ? "close" : "keep-alive");
    } finally {
      c.close();
      srv.close();
    }
  }
});

Deno.test("raw client: a keep-alive connection closed while idle is retried once", async () => {
  let requests = 0;
  const srv = rawServer(async (_req, conn) => {
    requests++;
    await conn.write(enc.encode("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
    conn.close(); // closes without saying so, as idle timeouts do
  });
  const c = new RawHttpConnection(spec(srv.port), { engine: "raw", timeoutMs: 2000 });
  try {
    assertEquals((await c.send(fresh())).status, 200);
    assertEquals((await c.send(fresh())).status, 200);
    assertEquals(requests, 2);
  } finally {
    c.close();
    srv.close();
  }
});

Deno.test("raw client: failures come back as data with a kind", async () => {
  // refused: nothing listens there.
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const deadPort = (probe.addr as Deno.NetAddr).port;
  probe.close();
  const refused = await new RawHttpConnection(spec(deadPort), { engine: "raw", timeoutMs: 1000 })
    .send(fresh());
  assertEquals([refused.status, refused.error], [0, "refused"]);

  // bad_response: not HTTP.
  const garbage = rawServer(async (_req, conn) => {
    await conn.write(enc.encode("SSH-2.0-OpenSSH\r\n\r\n"));
  });
  const bad = new RawHttpConnection(spec(garbage.port), { engine: "raw", timeoutMs: 1000 });
  assertEquals((await bad.send(fresh())).error, "bad_response");
  bad.close();
  garbage.close();

  // reset: the server closes mid-response.
  const cut = rawServer(async (_req, conn) => {
    await conn.write(enc.encode("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc"));
    conn.close();
  });
  const mid = new RawHttpConnection(spec(cut.port), { engine: "raw", timeoutMs: 1000 });
  const r = await mid.send(fresh());
  // A connection closed under a response is a reset (overload), not a malformed response.
  assertEquals(r.error, "reset");
  assertOk(r.message?.includes("mid-response"));
  mid.close();
  cut.close();

  // timeout: the server never answers.
  const silent = rawServer(() => new Promise(() => {}));
  const slow = new RawHttpConnection(spec(silent.port), { engine: "raw", timeoutMs: 50 });
  assertEquals((await slow.send(fresh())).error, "timeout");
  slow.close();
  silent.close();
});

Deno.test("connIo: this runtime's own read and write ops are found (the cheap path)", async () => {
  // A runtime upgrade that moves them makes the client fall back to Deno.Conn's methods:
  // correct but about 840 B and 1.3 µs a request dearer, so it should fail here, not silently.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  const server = await listener.accept();
  const io = connIo(client);
  assertEquals(io.direct, true);
  assertEquals(await io.write(new TextEncoder().encode("ping")), 4);
  const buf = new Uint8Array(16);
  assertEquals(await server.read(buf), 4);
  await server.write(new TextEncoder().encode("pong"));
  assertEquals(await io.read(buf), 4);
  assertEquals(new TextDecoder().decode(buf.subarray(0, 4)), "pong");
  server.close();
  assertEquals(await io.read(buf), 0);
  client.close();
  listener.close();
});

Deno.test("raw client: abort ends the request in flight as cancelled", async () => {
  const silent = rawServer(() => new Promise(() => {}));
  const c = new RawHttpConnection(spec(silent.port), { engine: "raw", timeoutMs: 5000 });
  // Aborted while connecting, and on an open connection while waiting for the answer.
  const connecting = c.send(fresh());
  c.abort();
  assertEquals((await connecting).error, "cancelled");
  let written!: () => void;
  const seen = new Promise<void>((r) => written = r);
  silent.onRequest = written;
  const waiting = c.send(fresh());
  await seen;
  c.abort();
  assertEquals((await waiting).error, "cancelled");
  silent.close();
});

Deno.test("fetch engine: same results, chosen by --engine fetch only (raw speaks TLS)", async () => {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => new Response("nope", { status: 503 }),
  );
  try {
    const c = new FetchConnection(spec(server.addr.port), { engine: "fetch", timeoutMs: 2000 });
    const r = await c.send(fresh());
    assertEquals([r.status, r.bytes], [503, 4]);
  } finally {
    await server.shutdown();
  }
  assertOk(openConnection(spec(1), { engine: "fetch", timeoutMs: 1 }) instanceof FetchConnection);
  assertOk(openConnection(spec(1), { engine: "raw", timeoutMs: 1 }) instanceof RawHttpConnection);
  const https = { ...spec(1), url: new URL("https://127.0.0.1:1/") };
  assertOk(openConnection(https, { engine: "raw", timeoutMs: 1 }) instanceof RawHttpConnection);
});
