/**
 * The `fetch` engine (for `https://` and `--engine fetch`), and {@linkcode openConnection}, the
 * run's default connector, which picks it or the raw HTTP/1.1 client.
 *
 * @module
 */

import {
  classifyError,
  type ConnectionOptions,
  type Connector,
  type HttpConnection,
  message,
  outcome,
  RawHttpConnection,
  type RequestSpec,
  type SendOutcome,
} from "./connection.ts";
import { systemClock } from "../../clock.ts";
import { type ErrorKind } from "../../results/mod.ts";
import type { RequestWriter } from "../../workload/mod.ts";

/**
 * The `fetch` engine: for `https://` and anything the raw client does not handle.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { newResult } from "../record/mod.ts";
 * const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const url = new URL(`http://127.0.0.1:${probe.addr.port}/`);
 * probe.close(); // nothing listens there now
 * const c = new FetchConnection({ url, method: "GET", headers: [] }, { engine: "fetch", timeoutMs: 5000 });
 * const r = await c.send(newResult(0, 0, 0));
 * assert.equal(r.status, 0);
 * assert.equal(r.error, "refused");
 * ```
 */
export class FetchConnection implements HttpConnection {
  #spec: RequestSpec;
  #timeoutMs: number;
  #now: () => number;
  #controller: AbortController | undefined;
  #cancelled = false;
  #writer: RequestWriter | undefined;
  /** A client with the run's CAs and client certificate, when it has any. */
  #client: Deno.HttpClient | undefined;

  constructor(spec: RequestSpec, options: ConnectionOptions) {
    this.#spec = spec;
    const t = options.tls;
    if (t?.caCerts || t?.cert) {
      this.#client = Deno.createHttpClient({
        ...(t.caCerts ? { caCerts: t.caCerts } : {}),
        ...(t.cert && t.key ? { cert: t.cert, key: t.key } : {}),
      });
    }
    this.#writer = options.workload?.writer();
    this.#timeoutMs = options.timeoutMs;
    this.#now = options.now ?? (() => performance.now());
  }

  connect(): Promise<void> {
    return Promise.resolve();
  }

  async send<R extends SendOutcome>(into: R): Promise<R> {
    const controller = new AbortController();
    this.#controller = controller;
    this.#cancelled = false;
    let timedOut = false;
    // Any timeout, however long (setTimeout alone would fire at once past 24.8 days).
    const timer = new AbortController();
    systemClock.sleep(this.#timeoutMs, timer.signal).then(() => {
      if (timer.signal.aborted) return;
      timedOut = true;
      controller.abort();
    });
    const sentAt = this.#now();
    try {
      const req = this.#writer
        ? this.#writer.fetch(into as { seq: number; target: number })
        : this.#spec;
      const res = await fetch(req.url, {
        method: req.method,
        headers: req.headers,
        body: req.body as Uint8Array<ArrayBuffer> | undefined,
        signal: controller.signal,
        ...(this.#client ? { client: this.#client } : {}),
      });
      const body = await res.arrayBuffer();
      if (this.#writer?.keepsBody(into.target ?? 0)) into.body = new Uint8Array(body);
      return outcome(into, sentAt, this.#now(), res.status, body.byteLength);
    } catch (err) {
      const error: ErrorKind = timedOut
        ? "timeout"
        : this.#cancelled
        ? "cancelled"
        : classifyError((err as { cause?: unknown })?.cause ?? err);
      return outcome(into, sentAt, this.#now(), 0, 0, error, message(err));
    } finally {
      timer.abort();
    }
  }

  abort(): void {
    this.#cancelled = true;
    this.#controller?.abort();
  }

  close(): void {
    this.#client?.close();
  }
}

/**
 * Opens the right kind of connection for `spec`: `raw` for http:// unless `fetch` is asked for.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RawHttpConnection } from "./connection.ts";
 * const spec = { url: new URL("http://127.0.0.1:8000/"), method: "GET", headers: [] };
 * assert.ok(openConnection(spec, { engine: "raw", timeoutMs: 5000 }) instanceof RawHttpConnection);
 * assert.ok(openConnection(spec, { engine: "fetch", timeoutMs: 5000 }) instanceof FetchConnection);
 * ```
 */
export const openConnection: Connector = (spec, options) => {
  return options.engine === "raw"
    ? new RawHttpConnection(spec, options)
    : new FetchConnection(spec, options);
};
