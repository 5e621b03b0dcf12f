import { assertEquals, assertOk, assertThrows } from "./_assert.ts";
import {
  BadResponse,
  ConnectionClosed,
  type ParsedResponse,
  ResponseParser,
} from "../lib/client/http/parser.ts";

const enc = new TextEncoder();

/** Feeds `text` split at every `step` bytes; returns the response and the chunk it ended on. */
function parse(text: string, step: number, noBody = false) {
  const bytes = enc.encode(text);
  const p = new ResponseParser();
  p.reset(noBody);
  let res: ParsedResponse | undefined;
  let chunks = 0;
  for (let i = 0; i < bytes.length; i += step) {
    chunks++;
    res = p.feed(bytes.subarray(i, Math.min(bytes.length, i + step)));
    if (res) {
      assertEquals(i + step >= bytes.length, true, "completes only on the last chunk");
      break;
    }
  }
  return { res, chunks, parser: p };
}

const FIXTURES: [string, string, Omit<ParsedResponse, "wireBytes">][] = [
  [
    "content-length",
    'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"id":1234}',
    { status: 200, bodyBytes: 11, keepAlive: true },
  ],
  [
    "chunked with extension and trailer",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n",
    { status: 200, bodyBytes: 11, keepAlive: true },
  ],
  [
    "connection close",
    "HTTP/1.1 503 Service Unavailable\r\nconnection: Close\r\ncontent-length: 2\r\n\r\nno",
    { status: 503, bodyBytes: 2, keepAlive: false },
  ],
  [
    "no body: 204",
    "HTTP/1.1 204 No Content\r\nDate: x\r\n\r\n",
    { status: 204, bodyBytes: 0, keepAlive: true },
  ],
  [
    "content-length 0",
    "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
    { status: 404, bodyBytes: 0, keepAlive: true },
  ],
  [
    "HTTP/1.0 defaults to close",
    "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx",
    { status: 200, bodyBytes: 1, keepAlive: false },
  ],
  [
    "1xx interim response is skipped",
    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
    { status: 201, bodyBytes: 2, keepAlive: true },
  ],
];

for (const [name, text, want] of FIXTURES) {
  Deno.test(`parser: ${name}, in one read and split at every byte count`, () => {
    for (const step of [text.length, 1, 2, 3, 7, 16]) {
      const { res } = parse(text, step);
      assertEquals(res, { ...want, wireBytes: enc.encode(text).length }, `step ${step}`);
    }
  });
}

Deno.test("parser: HEAD responses have no body whatever Content-Length says", () => {
  const { res } = parse("HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n", 5, true);
  assertEquals(res?.bodyBytes, 0);
});

Deno.test("parser: a body read until close completes at end()", () => {
  const p = new ResponseParser();
  p.reset();
  assertEquals(p.feed(enc.encode("HTTP/1.1 200 OK\r\n\r\nabc")), undefined);
  assertEquals(p.feed(enc.encode("def")), undefined);
  const res = p.end();
  assertEquals([res.status, res.bodyBytes, res.keepAlive], [200, 6, false]);
});

Deno.test("parser: the parser is reusable across responses on one connection", () => {
  const p = new ResponseParser();
  for (let i = 0; i < 3; i++) {
    p.reset();
    const r = p.feed(enc.encode("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx"));
    assertEquals(r?.status, 200);
  }
});

Deno.test("parser: malformed responses are BadResponse, never anything else", () => {
  const cases: [string, string][] = [
    ["SMTP ready\r\n\r\n", "no HTTP status line"],
    ["HTTP/1.1 2x0 OK\r\n\r\n", "bad status code"],
    ["HTTP/1.1 200 OK\r\nContent-Length: lots\r\n\r\n", "bad Content-Length"],
    ["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "bad chunk size"],
    ["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY", "not followed by CRLF"],
    ["HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxy", "unexpected bytes"],
  ];
  for (const [text, want] of cases) {
    const p = new ResponseParser();
    p.reset();
    const err = assertThrows(() => p.feed(enc.encode(text)), BadResponse);
    assertOk(err.message.includes(want), `${JSON.stringify(text)}: ${err.message}`);
  }
  const truncated = new ResponseParser();
  truncated.reset();
  truncated.feed(enc.encode("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"));
  assertEquals(assertThrows(() => truncated.end(), ConnectionClosed).beforeResponse, false);
  const empty = new ResponseParser();
  empty.reset();
  const err = assertThrows(() => empty.end(), ConnectionClosed);
  assertEquals([err.message, err.beforeResponse], ["connection closed before a response", true]);
});

Deno.test("parser: a head over 64 KiB is refused", () => {
  const p = new ResponseParser();
  p.reset();
  const big = "HTTP/1.1 200 OK\r\n" + "X-Pad: " + "a".repeat(70_000) + "\r\n\r\n";
  assertThrows(() => p.feed(enc.encode(big)), BadResponse);
});
