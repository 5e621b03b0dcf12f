/**
 * Reading a response head from its bytes without building strings: header names matched case-
 * insensitively, values' bounds, tokens found, digits read. What the parser's hot path uses.
 *
 * @module
 */

export function lower(b: number): number {
  return b >= 65 && b <= 90 ? b | 0x20 : b;
}

/** Case-insensitive match of `name` (lowercase ASCII) at `buf[at..]`, followed by ':'. */
export function headerIs(buf: Uint8Array, at: number, end: number, name: Uint8Array): boolean {
  if (end - at <= name.length || buf[at + name.length] !== 58) return false;
  for (let i = 0; i < name.length; i++) if (lower(buf[at + i]!) !== name[i]) return false;
  return true;
}

const enc = new TextEncoder();
export const CONTENT_LENGTH = enc.encode("content-length");
export const TRANSFER_ENCODING = enc.encode("transfer-encoding");
export const CONNECTION = enc.encode("connection");
export const CLOSE = enc.encode("close");
export const KEEP_ALIVE = enc.encode("keep-alive");
export const CHUNKED = enc.encode("chunked");

/** Where a header value starts, blanks skipped. */
export function valueStart(buf: Uint8Array, from: number, end: number): number {
  let s = from;
  while (s < end && (buf[s] === 32 || buf[s] === 9)) s++;
  return s;
}

/** Where a header value ends, trailing blanks dropped. */
export function valueEnd(buf: Uint8Array, start: number, end: number): number {
  let e = end;
  while (e > start && (buf[e - 1] === 32 || buf[e - 1] === 9)) e--;
  return e;
}

/** Whether `buf[from..end)` holds `word` (lowercase ASCII), case-insensitively: no string built. */
export function holds(buf: Uint8Array, from: number, end: number, word: Uint8Array): boolean {
  outer: for (let i = from; i + word.length <= end; i++) {
    for (let j = 0; j < word.length; j++) if (lower(buf[i + j]!) !== word[j]) continue outer;
    return true;
  }
  return false;
}

/** The decimal digits of `buf[from..end)` as a number, or -1 when they are not 1-15 digits. */
export function digits(buf: Uint8Array, from: number, end: number): number {
  if (end <= from || end - from > 15) return -1;
  let n = 0;
  for (let i = from; i < end; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}
