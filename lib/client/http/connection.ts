/**
 * One HTTP request at a time over one keep-alive connection: the contract
 * ({@linkcode HttpConnection}), and the plain HTTP/1.1 client on `Deno.connect` (the request
 * encoded once and written in one call, the response parsed incrementally). The `fetch` engine
 * is `fetch_connection.ts`. Every failure is returned as data with a kind, never thrown.
 *
 * @module
 */

import { ConnectionClosed, ResponseParser } from "./parser.ts";
import { dial, type DialSpec, type TlsSettings } from "./dial.ts";
import { type ConnIo, connIo } from "./io.ts";
import { classifyError, encodeRequest, message, type RequestSpec } from "./wire.ts";

export { classifyError, encodeRequest, message, type RequestSpec };
import { systemClock } from "../../clock.ts";
import type { Result } from "../record/mod.ts";
import type { Watchdog } from "./watchdog.ts";
import { type ErrorKind } from "../../results/mod.ts";
import type { RequestWriter } from "../../workload/mod.ts";

/**
 * The part of a {@linkcode Result} a connection fills in (and, with a workload, reads: the
 * tick's sequence number and target; it keeps the body of a checked target).
 */
export type SendOutcome =
  & Pick<Result, "sentAt" | "doneAt" | "status" | "bytes" | "error" | "message">
  & Partial<
    Pick<Result, "seq" | "target" | "body" | "newConnection" | "connectMs" | "tlsMs" | "ttfbMs">
  >;

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
  /** `raw` (the built-in HTTP/1.1 client, plain or TLS) or `fetch` (the runtime's: HTTP/2). */
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
  /** TLS settings for `https://` (`--cacert`, `--cert`/`--key`, `--insecure-hostname`). */
  tls?: TlsSettings;
  /** Connect to this address instead of the URL's host (`--connect-to`). */
  connectTo?: { hostname: string; port: number };
  /** False: a new connection per request (`--no-keepalive`). */
  keepAlive?: boolean;
  /** Requests a connection carries before it is replaced (`--conn-reuse`). */
  connReuse?: number;
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
  #dial: DialSpec;
  #timeoutMs: number;
  #now: () => number;
  /** The open connection: its reads, writes and close. */
  #io: ConnIo | undefined;
  /** Phases of a connection opened ahead (by `connect`), told with its first request. */
  #opened: { connectMs: number; tlsMs: number } | undefined;
  /** Requests sent on this connection, and how many it may carry. */
  #uses = 0;
  #maxUses: number;
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
    const tls = spec.url.protocol === "https:";
    this.#dial = {
      hostname: spec.url.hostname.replace(/^\[|\]$/g, ""),
      port: Number(spec.url.port || (tls ? 443 : 80)),
      tls,
      ...(options.connectTo ? { connectTo: options.connectTo } : {}),
      ...(options.tls ? { settings: options.tls } : {}),
    };
    this.#maxUses = options.keepAlive === false ? 1 : options.connReuse ?? Infinity;
    this.#timeoutMs = options.timeoutMs;
    this.#now = options.now ?? (() => performance.now());
    this.#head = spec.method === "HEAD";
    this.#watchdog = options.watchdog;
    this.#watchdog?.add(this);
  }

  async connect(): Promise<void> {
    if (this.#io || this.#maxUses === 1) return; // no keep-alive: each request connects
    try {
      const d = await dial(this.#dial, this.#now);
      // Opened before the first tick, while the process starts: counted, not timed (its phases
      // would be the start-up's, not the target's).
      if (this.#io) d.conn.close();
      else [this.#io, this.#opened] = [connIo(d.conn), { connectMs: NaN, tlsMs: NaN }];
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
        const reused = this.#io !== undefined && this.#opened === undefined;
        let sentAt = started;
        try {
          if (!this.#io) {
            const d = await dial(this.#dial, this.#now);
            if (this.#why) {
              d.conn.close(); // aborted or timed out while connecting
              throw new Error(this.#why);
            }
            [this.#io, this.#opened] = [connIo(d.conn), d];
          }
          const io = this.#io;
          if (this.#opened) {
            // A fresh connection: its phases are this request's; its time is not service time.
            into.newConnection = true;
            into.connectMs = this.#opened.connectMs;
            into.tlsMs = this.#opened.tlsMs;
            this.#opened = undefined;
            this.#uses = 0;
            sentAt = this.#now();
          }
          const w = this.#writer;
          const request = w ? w.bytes(into as { seq: number; target: number }) : this.#request;
          let written = await io.write(request);
          while (written < request.length) {
            written += await io.write(request.subarray(written));
          }
          const target = into.target ?? 0;
          const keep = w ? w.keepsBody(target) : false;
          this.#parser.reset(w ? w.method(target) === "HEAD" : this.#head, keep);
          let first = true;
          for (;;) {
            const n = await io.read(this.#buf);
            if (first) (into.ttfbMs = this.#now() - sentAt, first = false);
            const res = n === 0 ? this.#parser.end() : this.#parser.feed(this.#buf, n);
            if (res) {
              if (!res.keepAlive || n === 0 || ++this.#uses >= this.#maxUses) this.#drop();
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
    const c = this.#io;
    this.#io = undefined;
    this.#opened = undefined;
    try {
      c?.close();
    } catch { /* already closed */ }
  }
}
