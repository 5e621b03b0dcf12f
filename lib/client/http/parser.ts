/**
 * An incremental HTTP/1.1 response parser over raw bytes: status line, headers,
 * `Content-Length` and chunked bodies, keep-alive and `Connection: close`. Bytes arrive in any
 * split; {@linkcode ResponseParser.feed} says when a response is complete. Pure: no I/O.
 *
 * @module
 */

import { BadResponse, ConnectionClosed, type ParsedResponse } from "./response.ts";
import {
  CHUNKED,
  CLOSE,
  CONNECTION,
  CONTENT_LENGTH,
  digits,
  headerIs,
  holds,
  KEEP_ALIVE,
  TRANSFER_ENCODING,
  valueEnd,
  valueStart,
} from "./bytes.ts";

export { BadResponse, ConnectionClosed, type ParsedResponse };

const CR = 13;
const LF = 10;
const MAX_HEAD = 64 * 1024;
const MAX_KEPT = 1024 * 1024; // the most of a body kept for a response check: its start

type State = "head" | "length" | "chunk-size" | "chunk-data" | "chunk-crlf" | "trailers" | "eof";

/**
 * Parses one response at a time from a byte stream; call {@linkcode reset} before the next.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const p = new ResponseParser();
 * const res = p.feed(new TextEncoder().encode("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
 * assert.equal(res?.status, 200);
 * assert.equal(res?.keepAlive, true);
 * assert.equal(res?.wireBytes, 40);
 * ```
 */
export class ResponseParser {
  #state: State = "head";
  #head = new Uint8Array(1024);
  #headLen = 0;
  #status = 0;
  #keepAlive = true;
  #remaining = 0;
  #body = 0;
  #wire = 0;
  #sizeLine = "";
  #trailerLineLen = 0;
  #noBody = false;
  /** Keep the body's bytes (for a response check), up to `MAX_KEPT`. */
  #keep = false;
  #kept = new Uint8Array(0);
  #keptLen = 0;

  /**
   * Prepares for the next response; `noBody` for a HEAD request, `keepBody` to keep the body's
   * bytes (a response check reads them; other responses only count them).
   */
  reset(noBody = false, keepBody = false): void {
    this.#keep = keepBody;
    this.#keptLen = 0;
    this.#state = "head";
    this.#headLen = 0;
    this.#status = 0;
    this.#keepAlive = true;
    this.#remaining = 0;
    this.#body = 0;
    this.#wire = 0;
    this.#sizeLine = "";
    this.#trailerLineLen = 0;
    this.#noBody = noBody;
  }

  /**
   * Feeds bytes. Returns the response once complete (bytes past its end are an error: one
   * request at a time), or undefined when more are needed. Throws {@linkcode BadResponse}.
   */
  feed(chunk: Uint8Array, length = chunk.length): ParsedResponse | undefined {
    let i = 0;
    const n = length;
    this.#wire += n;
    while (i < n) {
      switch (this.#state) {
        case "head": {
          i = this.#feedHead(chunk, i, n);
          break;
        }
        case "length": {
          if (this.#remaining === 0) return this.#done(n - i);
          const take = Math.min(this.#remaining, n - i);
          this.#remaining -= take;
          this.#body += take;
          if (this.#keep) this.#keepBytes(chunk, i, take);
          i += take;
          if (this.#remaining === 0) return this.#done(n - i);
          break;
        }
        case "eof":
          this.#body += n - i;
          if (this.#keep) this.#keepBytes(chunk, i, n - i);
          i = n;
          break;
        case "chunk-size": {
          const b = chunk[i++]!;
          if (b === LF) {
            const hex = this.#sizeLine.replace(/;.*$/, "").trim();
            if (!/^[0-9a-fA-F]{1,8}$/.test(hex)) {
              throw new BadResponse(`bad chunk size "${this.#sizeLine.trim()}"`);
            }
            this.#remaining = parseInt(hex, 16);
            this.#sizeLine = "";
            if (this.#remaining === 0) {
              this.#state = "trailers";
              this.#trailerLineLen = 0;
            } else this.#state = "chunk-data";
          } else if (b !== CR) {
            if (this.#sizeLine.length > 64) throw new BadResponse("chunk size line too long");
            this.#sizeLine += String.fromCharCode(b);
          }
          break;
        }
        case "chunk-data": {
          const take = Math.min(this.#remaining, n - i);
          this.#remaining -= take;
          this.#body += take;
          if (this.#keep) this.#keepBytes(chunk, i, take);
          i += take;
          if (this.#remaining === 0) {
            this.#state = "chunk-crlf";
            this.#remaining = 2;
          }
          break;
        }
        case "chunk-crlf": {
          const b = chunk[i++];
          if ((this.#remaining === 2 && b !== CR) || (this.#remaining === 1 && b !== LF)) {
            throw new BadResponse("chunk not followed by CRLF");
          }
          if (--this.#remaining === 0) this.#state = "chunk-size";
          break;
        }
        case "trailers": {
          const b = chunk[i++];
          if (b === LF) {
            if (this.#trailerLineLen === 0) return this.#done(n - i);
            this.#trailerLineLen = 0;
          } else if (b !== CR) this.#trailerLineLen++;
          break;
        }
      }
    }
    // A response without a body can end exactly with its head.
    if (this.#state === "length" && this.#remaining === 0) return this.#done(0);
    return undefined;
  }

  /** The body kept since the last `reset(…, true)` (its first `MAX_KEPT` bytes); a view. */
  get body(): Uint8Array {
    return this.#kept.subarray(0, this.#keptLen);
  }

  #keepBytes(chunk: Uint8Array, from: number, count: number): void {
    const n = Math.min(count, MAX_KEPT - this.#keptLen);
    if (n <= 0) return;
    if (this.#kept.length < this.#keptLen + n) {
      const grown = new Uint8Array(Math.min(MAX_KEPT, Math.max(4096, (this.#keptLen + n) * 2)));
      grown.set(this.#kept.subarray(0, this.#keptLen));
      this.#kept = grown;
    }
    this.#kept.set(chunk.subarray(from, from + n), this.#keptLen);
    this.#keptLen += n;
  }

  /**
   * The connection closed: completes a read-until-close body, otherwise throws
   * {@linkcode ConnectionClosed}.
   */
  end(): ParsedResponse {
    if (this.#state === "eof") return this.#done(0);
    throw new ConnectionClosed(this.#state === "head" && this.#headLen === 0);
  }

  /** The response, in one object the parser reuses: read it before the next `feed`. */
  #done(extra: number): ParsedResponse {
    if (extra > 0) throw new BadResponse(`${extra} unexpected bytes after the response`);
    const r = this.#result;
    r.status = this.#status;
    r.bodyBytes = this.#body;
    r.keepAlive = this.#keepAlive && this.#state !== "eof";
    r.wireBytes = this.#wire;
    this.#state = "head";
    return r;
  }

  #result: ParsedResponse = { status: 0, bodyBytes: 0, keepAlive: true, wireBytes: 0 };

  #feedHead(chunk: Uint8Array, from: number, n: number): number {
    // Copy into the head buffer until the blank line.
    for (let i = from; i < n; i++) {
      if (this.#headLen === this.#head.length) {
        if (this.#headLen >= MAX_HEAD) throw new BadResponse("response head over 64 KiB");
        const bigger = new Uint8Array(this.#head.length * 2);
        bigger.set(this.#head);
        this.#head = bigger;
      }
      const b = chunk[i]!;
      this.#head[this.#headLen++] = b;
      const h = this.#head, l = this.#headLen;
      if (b === LF && l >= 4 && h[l - 2] === CR && h[l - 3] === LF && h[l - 4] === CR) {
        this.#parseHead();
        if (this.#state === "head") {
          // 1xx interim response: discard and read the real one.
          this.#headLen = 0;
          continue;
        }
        return i + 1;
      }
    }
    return n;
  }

  #parseHead(): void {
    const h = this.#head;
    const end = this.#headLen;
    // Status line: HTTP/1.x SSS ...
    if (
      end < 12 || h[0] !== 72 || h[1] !== 84 || h[2] !== 84 || h[3] !== 80 || h[4] !== 47 ||
      h[8] !== 32
    ) {
      throw new BadResponse("no HTTP status line");
    }
    const d0 = h[9]! - 48, d1 = h[10]! - 48, d2 = h[11]! - 48;
    if (d0 < 1 || d0 > 5 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) {
      throw new BadResponse("bad status code");
    }
    this.#status = d0 * 100 + d1 * 10 + d2;
    const http10 = h[5] === 49 && h[7] === 48;
    this.#keepAlive = !http10;
    let length = -1;
    let chunked = false;
    let line = 0;
    while (line < end && h[line] !== LF) line++;
    line++;
    while (line < end) {
      let eol = line;
      while (eol < end && h[eol] !== LF) eol++;
      const stop = eol > line && h[eol - 1] === CR ? eol - 1 : eol;
      if (stop > line) {
        // Read from the bytes: a response head builds no string.
        if (headerIs(h, line, stop, CONTENT_LENGTH)) {
          const a = valueStart(h, line + CONTENT_LENGTH.length + 1, stop);
          const b = valueEnd(h, a, stop);
          length = digits(h, a, b);
          if (length < 0) {
            throw new BadResponse(
              `bad Content-Length "${new TextDecoder().decode(h.subarray(a, b))}"`,
            );
          }
        } else if (headerIs(h, line, stop, TRANSFER_ENCODING)) {
          const a = valueStart(h, line + TRANSFER_ENCODING.length + 1, stop);
          const b = valueEnd(h, a, stop);
          chunked = b - a >= CHUNKED.length && holds(h, b - CHUNKED.length, b, CHUNKED);
        } else if (headerIs(h, line, stop, CONNECTION)) {
          const a = valueStart(h, line + CONNECTION.length + 1, stop);
          const b = valueEnd(h, a, stop);
          if (holds(h, a, b, CLOSE)) this.#keepAlive = false;
          else if (holds(h, a, b, KEEP_ALIVE)) this.#keepAlive = true;
        }
      }
      line = eol + 1;
    }
    const s = this.#status;
    if (s >= 100 && s < 200) {
      this.#state = "head";
      return;
    }
    if (this.#noBody || s === 204 || s === 304) {
      this.#state = "length";
      this.#remaining = 0;
    } else if (chunked) {
      this.#state = "chunk-size";
    } else if (length >= 0) {
      this.#state = "length";
      this.#remaining = length;
    } else {
      this.#state = "eof";
    }
  }
}
