/**
 * One HTTP request at a time over one keep-alive connection: a plain HTTP/1.1 client on
 * `Deno.connect` (the request encoded once and written in one call, the response parsed
 * incrementally), or `fetch` for `https://` and `--engine fetch`. Every failure is returned as
 * data with a kind, never thrown.
 *
 * @module
 */

import { BadResponse, ResponseParser } from "./http_parser.ts";

/** Why a request failed. */
export type ErrorKind = "refused" | "reset" | "timeout" | "bad_response" | "cancelled" | "other";

/** What to send. */
export interface RequestSpec {
  url: URL;
  method: string;
  headers: [string, string][];
  body?: Uint8Array;
}

/** The outcome of one request: a status, or an error kind. Times in ms on the given clock. */
export interface SendResult {
  /** HTTP status; 0 when the request failed. */
  status: number;
  /** Response bytes on the wire. */
  bytes: number;
  error?: ErrorKind;
  message?: string;
  /** When the request was written. */
  sentAt: number;
  /** When the response was complete (or the failure known). */
  doneAt: number;
}

/** One connection's worth of requests, one at a time. */
export interface HttpConnection {
  /** Opens the connection ahead of the first request; never rejects (send retries). */
  connect(): Promise<void>;
  /** Sends the request; never rejects. */
  send(): Promise<SendResult>;
  /** Aborts what is in flight (it ends as `cancelled`) and closes the connection. */
  abort(): void;
  /** Closes the connection. */
  close(): void;
}

/** Options of the connections. */
export interface ConnectionOptions {
  /** `raw` (the built-in HTTP/1.1 client; http:// only) or `fetch`. */
  engine: "raw" | "fetch";
  timeoutMs: number;
  now?: () => number;
  /** Shared timeout checker; without one each request arms its own timer. */
  watchdog?: Watchdog;
}

/** Something with a deadline the {@linkcode Watchdog} checks. */
export interface Expirable {
  /** Expires what is in flight if its deadline has passed. */
  expireIfDue(now: number): void;
}

/**
 * One timer for every connection's timeout: it checks the deadlines every `periodMs`, instead of
 * arming and clearing a timer per request (measured: 14% of the client's CPU at 45k requests/s).
 * Timeouts fire up to `periodMs` late.
 *
 * @example
 * ```ts
 * const dog = new Watchdog(10);
 * // … connections opened with { watchdog: dog } …
 * dog.close();
 * ```
 */
export class Watchdog {
  #members = new Set<Expirable>();
  #timer: ReturnType<typeof setInterval>;

  constructor(periodMs: number, now: () => number = () => performance.now()) {
    this.#timer = setInterval(() => {
      const t = now();
      for (const m of this.#members) m.expireIfDue(t);
    }, periodMs);
  }

  add(m: Expirable): void {
    this.#members.add(m);
  }

  delete(m: Expirable): void {
    this.#members.delete(m);
  }

  close(): void {
    clearInterval(this.#timer);
    this.#members.clear();
  }
}

const enc = new TextEncoder();

/**
 * Encodes the request once: request line, Host, User-Agent, the user's headers, the body.
 *
 * @example
 * ```ts
 * encodeRequest({ url: new URL("http://127.0.0.1:8000/api/work"), method: "GET", headers: [] });
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

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The built-in HTTP/1.1 keep-alive client over `Deno.connect`.
 *
 * @example
 * ```ts
 * const c = new RawHttpConnection({ url: new URL("http://127.0.0.1:8000/"), method: "GET", headers: [] }, { engine: "raw", timeoutMs: 5000 });
 * const r = await c.send(); // { status: 200, ... }
 * c.close();
 * ```
 */
export class RawHttpConnection implements HttpConnection, Expirable {
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

  constructor(spec: RequestSpec, options: ConnectionOptions) {
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

  async send(): Promise<SendResult> {
    const started = this.#now();
    this.#why = undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    if (this.#watchdog) this.#deadline = started + this.#timeoutMs;
    else {
      timer = setTimeout(() => {
        this.#why = "timeout";
        this.#drop();
      }, this.#timeoutMs);
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
          let written = await conn.write(this.#request);
          while (written < this.#request.length) {
            written += await conn.write(this.#request.subarray(written));
          }
          this.#parser.reset(this.#head);
          for (;;) {
            const n = await conn.read(this.#buf);
            const res = n === null
              ? this.#parser.end()
              : this.#parser.feed(this.#buf.subarray(0, n));
            if (res) {
              if (!res.keepAlive || n === null) this.#drop();
              return { status: res.status, bytes: res.wireBytes, sentAt, doneAt: this.#now() };
            }
          }
        } catch (err) {
          this.#drop();
          if (this.#why) {
            return { status: 0, bytes: 0, error: this.#why, sentAt, doneAt: this.#now() };
          }
          // A kept-alive connection the server closed while idle: retry once on a fresh one.
          const idleClose = reused && attempt === 0 &&
            (err instanceof BadResponse
              ? err.message === "connection closed before a response"
              : classifyError(err) === "reset");
          if (idleClose) continue;
          return {
            status: 0,
            bytes: 0,
            error: classifyError(err),
            message: message(err),
            sentAt,
            doneAt: this.#now(),
          };
        }
      }
    } finally {
      this.#deadline = Infinity;
      if (timer !== undefined) clearTimeout(timer);
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

/**
 * The `fetch` engine: for `https://` and anything the raw client does not handle.
 *
 * @example
 * ```ts
 * const c = new FetchConnection({ url: new URL("https://example.test/"), method: "GET", headers: [] }, { engine: "fetch", timeoutMs: 5000 });
 * ```
 */
export class FetchConnection implements HttpConnection {
  #spec: RequestSpec;
  #timeoutMs: number;
  #now: () => number;
  #controller: AbortController | undefined;
  #cancelled = false;

  constructor(spec: RequestSpec, options: ConnectionOptions) {
    this.#spec = spec;
    this.#timeoutMs = options.timeoutMs;
    this.#now = options.now ?? (() => performance.now());
  }

  connect(): Promise<void> {
    return Promise.resolve();
  }

  async send(): Promise<SendResult> {
    const controller = new AbortController();
    this.#controller = controller;
    this.#cancelled = false;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.#timeoutMs);
    const sentAt = this.#now();
    try {
      const res = await fetch(this.#spec.url, {
        method: this.#spec.method,
        headers: this.#spec.headers,
        body: this.#spec.body as Uint8Array<ArrayBuffer> | undefined,
        signal: controller.signal,
      });
      const body = await res.arrayBuffer();
      return { status: res.status, bytes: body.byteLength, sentAt, doneAt: this.#now() };
    } catch (err) {
      const error: ErrorKind = timedOut
        ? "timeout"
        : this.#cancelled
        ? "cancelled"
        : classifyError((err as { cause?: unknown })?.cause ?? err);
      return { status: 0, bytes: 0, error, message: message(err), sentAt, doneAt: this.#now() };
    } finally {
      clearTimeout(timer);
    }
  }

  abort(): void {
    this.#cancelled = true;
    this.#controller?.abort();
  }

  close(): void {}
}

/**
 * Opens the right kind of connection for `spec`: `raw` for http:// unless `fetch` is asked for.
 *
 * @example
 * ```ts
 * const conn = openConnection(spec, { engine: "raw", timeoutMs: 5000 });
 * ```
 */
export function openConnection(spec: RequestSpec, options: ConnectionOptions): HttpConnection {
  return options.engine === "raw" && spec.url.protocol === "http:"
    ? new RawHttpConnection(spec, options)
    : new FetchConnection(spec, options);
}
