/**
 * One HTTP request at a time over one keep-alive connection: the contract
 * ({@linkcode HttpConnection}), and the plain HTTP/1.1 client on `Deno.connect` (the request
 * encoded once and written in one call, the response parsed incrementally). The `fetch` engine
 * is `fetch_connection.ts`. Every failure is returned as data with a kind, never thrown.
 *
 * @module
 */

import { BadResponse, ConnectionClosed, ResponseParser } from "./parser.ts";
import { systemClock } from "../../clock.ts";
import type { Result } from "../record/mod.ts";
import type { Watchdog } from "./watchdog.ts";
import { type ErrorKind } from "../../results/mod.ts";
import type { RequestWriter } from "../../workload/mod.ts";

/** What to send. */
export interface RequestSpec {
  url: URL;
  method: string;
  headers: [string, string][];
  body?: Uint8Array;
}

/**
 * The part of a {@linkcode Result} a connection fills in (and, with a workload, reads: the
 * tick's sequence number and target; it keeps the body of a checked target).
 */
export type SendOutcome =
  & Pick<Result, "sentAt" | "doneAt" | "status" | "bytes" | "error" | "message">
  & Partial<Pick<Result, "seq" | "target" | "body">>;

/** One connection's worth of requests, one at a time. */
export interface HttpConnection {
  /** Opens the connection ahead of the first request; never rejects (send retries). */
  connect(): Promise<void>;
  /**
   * Sends the request and fills in `into` (send and end times, status and bytes, or the error);
   * never rejects.
   */
  send<R extends SendOutcome>(into: R): Promise<R>;
  /** Aborts what is in flight (it ends as `cancelled`) and closes the connection. */
  abort(): void;
  /** Closes the connection. */
  close(): void;
}

/** Opens a connection for a request: the run's connector, injectable for tests. */
export type Connector = (spec: RequestSpec, options: ConnectionOptions) => HttpConnection;

/** Fills in a request's outcome; returns `into`. */
export function outcome<R extends SendOutcome>(
  into: R,
  sentAt: number,
  doneAt: number,
  status: number,
  bytes: number,
  error?: ErrorKind,
  message?: string,
): R {
  into.sentAt = sentAt;
  into.doneAt = doneAt;
  into.status = status;
  into.bytes = bytes;
  into.error = error;
  into.message = message;
  return into;
}

/** Options of the connections. */
export interface ConnectionOptions {
  /** `raw` (the built-in HTTP/1.1 client; http:// only) or `fetch`. */
  engine: "raw" | "fetch";
  timeoutMs: number;
  now?: () => number;
  /** Shared timeout checker; without one each request arms its own timer. */
  watchdog?: Watchdog;
  /**
   * The run's workload, when requests differ (several targets, placeholders): each connection
   * writes its requests with a writer of its own. Without it, the one request of the spec.
   */
  workload?: { writer(): RequestWriter };
}

const enc = new TextEncoder();

/**
 * Encodes the request once: request line, Host, User-Agent, the user's headers, the body.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const bytes = encodeRequest({
 *   url: new URL("http://127.0.0.1:8000/api/work"),
 *   method: "GET",
 *   headers: [],
 * });
 * assert.match(new TextDecoder().decode(bytes), /^GET \/api\/work HTTP\/1.1\r\nHost: 127.0.0.1:8000\r\n/);
 * ```
 */
export function encodeRequest(spec: RequestSpec): Uint8Array {
  const target = spec.url.pathname + spec.url.search;
  const names = new Set(spec.headers.map(([k]) => k.toLowerCase()));
  let head = `${spec.method} ${target} HTTP/1.1\r\n`;
  if (!names.has("host")) head += `Host: ${spec.url.host}\r\n`;
  if (!names.has("user-agent")) head += "User-Agent: tpsdemo\r\n";
  if (!names.has("accept")) head += "Accept: */*\r\n";
  for (const [k, v] of spec.headers) head += `${k}: ${v}\r\n`;
  const body = spec.body ?? new Uint8Array(0);
  if (body.length > 0 || !["GET", "HEAD", "DELETE", "OPTIONS"].includes(spec.method)) {
    if (!names.has("content-length")) head += `Content-Length: ${body.length}\r\n`;
  }
  head += "\r\n";
  const h = enc.encode(head);
  const out = new Uint8Array(h.length + body.length);
  out.set(h);
  out.set(body, h.length);
  return out;
}

/** Maps a thrown error to a kind. */
export function classifyError(err: unknown): ErrorKind {
  if (err instanceof BadResponse) return "bad_response";
  if (err instanceof ConnectionClosed) return "reset";
  if (err instanceof Deno.errors.ConnectionRefused) return "refused";
  if (
    err instanceof Deno.errors.ConnectionReset || err instanceof Deno.errors.BrokenPipe ||
    err instanceof Deno.errors.UnexpectedEof || err instanceof Deno.errors.ConnectionAborted ||
    err instanceof Deno.errors.NotConnected
  ) return "reset";
  if (err instanceof Deno.errors.TimedOut) return "timeout";
  const text = String(err);
  if (/refused/i.test(text)) return "refused";
  if (/reset|broken pipe|closed/i.test(text)) return "reset";
  return "other";
}

/** The text of a thrown error. */
export function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The built-in HTTP/1.1 keep-alive client over `Deno.connect`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { newResult } from "../record/mod.ts";
 * const server = Deno.serve({ port: 0, onListen() {} }, () => new Response("ok"));
 * const url = new URL(`http://127.0.0.1:${server.addr.port}/`);
 * const c = new RawHttpConnection({ url, method: "GET", headers: [] }, { engine: "raw", timeoutMs: 5000 });
 * const r = await c.send(newResult(0, 0, 0));
 * assert.equal(r.status, 200);
 * c.close();
 * await server.shutdown();
 * ```
 */
export class RawHttpConnection implements HttpConnection {
  #request: Uint8Array;
  #hostname: string;
  #port: number;
  #timeoutMs: number;
  #now: () => number;
  #conn: Deno.TcpConn | undefined;
  #buf = new Uint8Array(64 * 1024);
  #parser = new ResponseParser();
  #why: "timeout" | "cancelled" | undefined;
  #head: boolean;
  #watchdog: Watchdog | undefined;
  #deadline = Infinity;
  #writer: RequestWriter | undefined;

  constructor(spec: RequestSpec, options: ConnectionOptions) {
    this.#writer = options.workload?.writer();
    this.#request = encodeRequest(spec);
    this.#hostname = spec.url.hostname.replace(/^\[|\]$/g, "");
    this.#port = Number(spec.url.port || 80);
    this.#timeoutMs = options.timeoutMs;
    this.#now = options.now ?? (() => performance.now());
    this.#head = spec.method === "HEAD";
    this.#watchdog = options.watchdog;
    this.#watchdog?.add(this);
  }

  async connect(): Promise<void> {
    if (this.#conn) return;
    try {
      const conn = await Deno.connect({ hostname: this.#hostname, port: this.#port });
      conn.setNoDelay(true);
      if (this.#conn) conn.close();
      else this.#conn = conn;
    } catch { /* the first send reports it */ }
  }

  expireIfDue(now: number): void {
    if (now >= this.#deadline) {
      this.#deadline = Infinity;
      this.#why = "timeout";
      this.#drop();
    }
  }

  async send<R extends SendOutcome>(into: R): Promise<R> {
    const started = this.#now();
    this.#why = undefined;
    let timer: AbortController | undefined;
    if (this.#watchdog) this.#deadline = started + this.#timeoutMs;
    else {
      // Without a watchdog, a timer of its own (chained: any timeout, however long).
      const t = timer = new AbortController();
      systemClock.sleep(this.#timeoutMs, t.signal).then(() => {
        if (t.signal.aborted) return;
        this.#why = "timeout";
        this.#drop();
      });
    }
    try {
      for (let attempt = 0;; attempt++) {
        const reused = this.#conn !== undefined;
        let sentAt = started;
        try {
          if (!this.#conn) {
            const conn = await Deno.connect({ hostname: this.#hostname, port: this.#port });
            if (this.#why) {
              conn.close(); // aborted or timed out while connecting
              throw new Error(this.#why);
            }
            conn.setNoDelay(true);
            this.#conn = conn;
          }
          const conn = this.#conn;
          // A fresh connection took time; a kept-alive one is written at once.
          if (!reused) sentAt = this.#now();
          const w = this.#writer;
          const request = w ? w.bytes(into as { seq: number; target: number }) : this.#request;
          let written = await conn.write(request);
          while (written < request.length) {
            written += await conn.write(request.subarray(written));
          }
          const target = into.target ?? 0;
          const keep = w ? w.keepsBody(target) : false;
          this.#parser.reset(w ? w.method(target) === "HEAD" : this.#head, keep);
          for (;;) {
            const n = await conn.read(this.#buf);
            const res = n === null ? this.#parser.end() : this.#parser.feed(this.#buf, n);
            if (res) {
              if (!res.keepAlive || n === null) this.#drop();
              if (keep) into.body = this.#parser.body;
              return outcome(into, sentAt, this.#now(), res.status, res.wireBytes);
            }
          }
        } catch (err) {
          this.#drop();
          if (this.#why) return outcome(into, sentAt, this.#now(), 0, 0, this.#why);
          // A kept-alive connection the server closed while idle: retry once on a fresh one.
          const idleClose = reused && attempt === 0 &&
            (err instanceof ConnectionClosed ? err.beforeResponse : classifyError(err) === "reset");
          if (idleClose) continue;
          return outcome(into, sentAt, this.#now(), 0, 0, classifyError(err), message(err));
        }
      }
    } finally {
      this.#deadline = Infinity;
      timer?.abort();
    }
  }

  abort(): void {
    this.#why = "cancelled";
    this.#drop();
  }

  close(): void {
    this.#watchdog?.delete(this);
    this.#drop();
  }

  #drop(): void {
    const c = this.#conn;
    this.#conn = undefined;
    try {
      c?.close();
    } catch { /* already closed */ }
  }
}
