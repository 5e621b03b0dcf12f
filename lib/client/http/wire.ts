/**
 * What goes on the wire and what comes back wrong: a request encoded once into bytes, and a
 * thrown error mapped to its kind (refused, reset, timeout, tls, malformed response, other).
 *
 * @module
 */

import { BadResponse, ConnectionClosed } from "./parser.ts";
import { TlsError } from "./dial.ts";
import type { ErrorKind } from "../../results/mod.ts";

/** What to send. */
export interface RequestSpec {
  url: URL;
  method: string;
  headers: [string, string][];
  body?: Uint8Array;
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
  if (err instanceof TlsError) return "tls";
  if (err instanceof ConnectionClosed) return "reset";
  if (err instanceof Deno.errors.ConnectionRefused) return "refused";
  if (
    err instanceof Deno.errors.ConnectionReset || err instanceof Deno.errors.BrokenPipe ||
    err instanceof Deno.errors.UnexpectedEof || err instanceof Deno.errors.ConnectionAborted ||
    err instanceof Deno.errors.NotConnected
  ) return "reset";
  if (err instanceof Deno.errors.TimedOut) return "timeout";
  const text = String(err);
  if (/lookup address|name or service not known|dns error|no address associated/i.test(text)) {
    return "dns";
  }
  if (/refused/i.test(text)) return "refused";
  if (/reset|broken pipe|closed/i.test(text)) return "reset";
  return "other";
}

/** The text of a thrown error. */
export function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
