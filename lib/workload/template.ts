/**
 * A request compiled before the first tick: its bytes encoded once (request line, Host,
 * User-Agent, Accept, the headers, Content-Length, the body), and, when it holds placeholders,
 * the slots they fill. A request without placeholders is one static `Uint8Array`, what the
 * one-request client always sent; one with placeholders writes its literal pieces and each
 * slot's value into a scratch buffer that its connection owns: no parsing, no string building
 * and no allocation per request (a `{{row.X}}` in the URL, percent-encoded, is the exception).
 *
 * @module
 */

import { type Placeholder, scanPlaceholderBytes, scanPlaceholders } from "./placeholders.ts";

/** What a request is made of, placeholders unexpanded. */
export interface RequestParts {
  /** `http://host:port/path?query`; placeholders allowed in the path and query only. */
  url: string;
  method: string;
  headers: [string, string][];
  body?: Uint8Array;
}

/** What the slots of one request are filled from. */
export interface FillContext {
  /** The request's sequence number, unique across shards. */
  seq: number;
  /** The request's data row (`--data`), when the run has one. */
  row: readonly string[] | undefined;
}

/** The buffers one connection fills its requests into (grown as needed, never shrunk). */
export class Scratch {
  head: Uint8Array = new Uint8Array(2048);
  body: Uint8Array = new Uint8Array(1024);
}

type Piece = Uint8Array | Slot;
interface Slot {
  p: Placeholder;
  /** The data column of a `row` placeholder. */
  col: number;
  /** In the URL: a row's value is percent-encoded. */
  inUrl: boolean;
}

const enc = new TextEncoder();
const NO_BODY = new Set(["GET", "HEAD", "DELETE", "OPTIONS"]);
const HEX = enc.encode("0123456789abcdef");
const ALNUM = enc.encode("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");

/** The origin and the request target of a URL that may hold placeholders in its path. */
export function splitUrl(url: string): { origin: URL; target: string } {
  const m = /^(https?:\/\/[^/?#]+)([^#]*)/i.exec(url);
  if (!m) throw new TypeError(`not an http:// or https:// URL: ${url}`);
  const origin = new URL(m[1]!);
  const raw = m[2]!;
  // Without placeholders, the target as URL normalises it (what the client always sent).
  const target = raw.includes("{{") ? (raw.startsWith("/") ? raw : `/${raw}`) : (() => {
    const u = new URL(url);
    return u.pathname + u.search;
  })();
  return { origin, target };
}

/**
 * A compiled request.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const t = new RequestTemplate({ url: "http://127.0.0.1:8000/u/{{seq}}", method: "GET", headers: [] });
 * const scratch = new Scratch();
 * const text = (b: Uint8Array) => new TextDecoder().decode(b);
 * assert.match(text(t.fill({ seq: 42, row: undefined }, scratch)), /^GET \/u\/42 HTTP\/1.1\r\nHost: 127.0.0.1:8000\r\n/);
 * const s = new RequestTemplate({ url: "http://127.0.0.1:8000/", method: "GET", headers: [] });
 * assert.ok(s.static !== undefined);
 * ```
 */
export class RequestTemplate {
  /** The request's bytes when it holds no placeholder. */
  readonly static: Uint8Array | undefined;
  readonly origin: URL;
  readonly method: string;
  readonly parts: RequestParts;
  #head: Piece[] = [];
  #body: Piece[] = [];
  /** Content-Length is written per request (the body holds slots). */
  #lengthSlot = false;
  #columns: readonly string[];
  /** Random bytes for UUIDs and strings, refilled when used up. */
  #random = new Uint8Array(4096);
  #randomAt = 4096;

  constructor(parts: RequestParts, columns: readonly string[] = []) {
    this.parts = parts;
    this.method = parts.method;
    this.#columns = columns;
    const { origin, target } = splitUrl(parts.url);
    this.origin = origin;
    const names = new Set(parts.headers.map(([k]) => k.toLowerCase()));
    const body = parts.body ?? new Uint8Array(0);
    const bodySlots = scanPlaceholderBytes(body);
    let head = `${parts.method} ${target} HTTP/1.1\r\n`;
    const urlEnd = head.length;
    if (!names.has("host")) head += `Host: ${origin.host}\r\n`;
    if (!names.has("user-agent")) head += "User-Agent: tpsdemo\r\n";
    if (!names.has("accept")) head += "Accept: */*\r\n";
    for (const [k, v] of parts.headers) head += `${k}: ${v}\r\n`;
    const wantsLength = body.length > 0 || bodySlots.length > 0 || !NO_BODY.has(parts.method);
    let tail = "\r\n";
    if (wantsLength && !names.has("content-length")) {
      if (bodySlots.length > 0) this.#lengthSlot = true;
      else head += `Content-Length: ${body.length}\r\n`;
    }
    this.#head = this.#pieces(head, scanPlaceholders(head), urlEnd);
    if (this.#lengthSlot) tail = "";
    this.#body = this.#bodyPieces(body, bodySlots);
    if (this.#head.every((p) => p instanceof Uint8Array) && bodySlots.length === 0) {
      const h = enc.encode(head + tail);
      const out = new Uint8Array(h.length + body.length);
      out.set(h);
      out.set(body, h.length);
      this.static = out;
    } else {
      this.#headEnd = enc.encode(tail);
    }
  }

  #headEnd = new Uint8Array(0);

  #slot(p: Placeholder, inUrl: boolean): Slot {
    const col = p.kind === "row" ? this.#columns.indexOf(p.column!) : -1;
    if (p.kind === "row" && col < 0) {
      throw new RangeError(`{{row.${p.column}}}: no such column in the data`);
    }
    return { p, col, inUrl };
  }

  #pieces(text: string, slots: Placeholder[], urlEnd: number): Piece[] {
    const out: Piece[] = [];
    let at = 0;
    for (const p of slots) {
      if (p.start > at) out.push(enc.encode(text.slice(at, p.start)));
      out.push(this.#slot(p, p.start < urlEnd));
      at = p.end;
    }
    if (at < text.length) out.push(enc.encode(text.slice(at)));
    return out;
  }

  #bodyPieces(body: Uint8Array, slots: Placeholder[]): Piece[] {
    const out: Piece[] = [];
    let at = 0;
    for (const p of slots) {
      if (p.start > at) out.push(body.subarray(at, p.start));
      out.push(this.#slot(p, false));
      at = p.end;
    }
    if (at < body.length) out.push(body.subarray(at));
    return out;
  }

  /** The request's bytes for `ctx`, in `scratch` (valid until its next fill). */
  fill(ctx: FillContext, scratch: Scratch): Uint8Array {
    if (this.static) return this.static;
    let bodyLen = 0;
    if (this.#lengthSlot) {
      bodyLen = this.#write(this.#body, ctx, scratch, "body", 0);
    }
    let n = this.#write(this.#head, ctx, scratch, "head", 0);
    if (this.#lengthSlot) {
      n = this.#put(scratch, "head", n, CONTENT_LENGTH);
      n = this.#digits(scratch, "head", n, bodyLen);
      n = this.#put(scratch, "head", n, CRLF2);
      n = this.#put(scratch, "head", n, scratch.body.subarray(0, bodyLen));
    } else {
      n = this.#put(scratch, "head", n, this.#headEnd);
      n = this.#write(this.#body, ctx, scratch, "head", n);
    }
    return scratch.head.subarray(0, n);
  }

  /** The request for the `fetch` engine: URL, headers and body with the slots filled. */
  request(ctx: FillContext): { url: string; headers: [string, string][]; body?: Uint8Array } {
    const text = (s: string) => this.#expand(s, scanPlaceholders(s), ctx);
    const body = this.parts.body && enc.encode(text(new TextDecoder().decode(this.parts.body)));
    return {
      url: text(this.parts.url),
      headers: this.parts.headers.map(([k, v]) => [k, text(v)]),
      ...(body ? { body } : {}),
    };
  }

  #expand(s: string, slots: Placeholder[], ctx: FillContext): string {
    let out = "", at = 0;
    const scratch = new Scratch();
    for (const p of slots) {
      out += s.slice(at, p.start);
      const n = this.#value(this.#slot(p, false), ctx, scratch, "head", 0);
      out += new TextDecoder().decode(scratch.head.subarray(0, n));
      at = p.end;
    }
    return out + s.slice(at);
  }

  #write(pieces: Piece[], ctx: FillContext, s: Scratch, into: "head" | "body", at: number): number {
    for (const p of pieces) {
      at = p instanceof Uint8Array ? this.#put(s, into, at, p) : this.#value(p, ctx, s, into, at);
    }
    return at;
  }

  #value(slot: Slot, ctx: FillContext, s: Scratch, into: "head" | "body", at: number): number {
    const p = slot.p;
    switch (p.kind) {
      case "seq":
        return this.#digits(s, into, at, ctx.seq);
      case "rand":
        return this.#digits(s, into, at, p.a! + Math.floor(Math.random() * (p.b! - p.a! + 1)));
      case "uuid":
        return this.#uuid(s, into, at);
      case "randstr": {
        const buf = this.#room(s, into, at + p.n!);
        for (let i = 0; i < p.n!; i++) buf[at + i] = ALNUM[this.#byte() % ALNUM.length]!;
        return at + p.n!;
      }
      case "row": {
        const v = ctx.row?.[slot.col] ?? "";
        const text = slot.inUrl ? encodeURIComponent(v) : v;
        let buf = this.#room(s, into, at + text.length * 3);
        const r = enc.encodeInto(text, buf.subarray(at));
        if (r.read! < text.length) {
          buf = this.#room(s, into, at + text.length * 4);
          return at + enc.encodeInto(text, buf.subarray(at)).written!;
        }
        return at + r.written!;
      }
    }
  }

  #byte(): number {
    if (this.#randomAt >= this.#random.length) {
      crypto.getRandomValues(this.#random);
      this.#randomAt = 0;
    }
    return this.#random[this.#randomAt++]!;
  }

  /** A version 4 UUID, written as hex without a string. */
  #uuid(s: Scratch, into: "head" | "body", at: number): number {
    const buf = this.#room(s, into, at + 36);
    for (let i = 0; i < 16; i++) {
      let b = this.#byte();
      if (i === 6) b = (b & 0x0f) | 0x40;
      if (i === 8) b = (b & 0x3f) | 0x80;
      if (i === 4 || i === 6 || i === 8 || i === 10) buf[at++] = 45; // '-'
      buf[at++] = HEX[b >> 4]!;
      buf[at++] = HEX[b & 15]!;
    }
    return at;
  }

  #digits(s: Scratch, into: "head" | "body", at: number, n: number): number {
    let v = Math.trunc(n);
    const buf = this.#room(s, into, at + 21);
    if (v < 0) (buf[at++] = 45, v = -v);
    let len = 1;
    for (let x = v; x >= 10; x = Math.floor(x / 10)) len++;
    for (let i = len - 1; i >= 0; i--) (buf[at + i] = 48 + (v % 10), v = Math.floor(v / 10));
    return at + len;
  }

  #put(s: Scratch, into: "head" | "body", at: number, bytes: Uint8Array): number {
    this.#room(s, into, at + bytes.length).set(bytes, at);
    return at + bytes.length;
  }

  /** The buffer `into`, at least `size` long (grown by doubling, content kept). */
  #room(s: Scratch, into: "head" | "body", size: number): Uint8Array {
    let buf = s[into];
    if (buf.length >= size) return buf;
    let len = buf.length * 2;
    while (len < size) len *= 2;
    const grown = new Uint8Array(len);
    grown.set(buf);
    s[into] = buf = grown;
    return buf;
  }
}

const CRLF2 = enc.encode("\r\n\r\n");
const CONTENT_LENGTH = enc.encode("Content-Length: ");
