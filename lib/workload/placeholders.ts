/**
 * The placeholder language, parsing only (the request compiler fills them in):
 *
 * - `{{seq}}`: the request's sequence number;
 * - `{{uuid}}`: a random version 4 UUID;
 * - `{{rand:A:B}}`: a random integer from A to B (integers, A ≤ B, negatives allowed);
 * - `{{randstr:N}}`: N random characters of `A-Za-z0-9` (1 ≤ N ≤ 1024);
 * - `{{row.COLUMN}}`: the request's data row's value in COLUMN (`--data`).
 *
 * Spaces just inside the braces are allowed (`{{ seq }}`). There is no escape: `{{` always starts a
 * placeholder, and one that is not one of these is an error. Bodies are scanned as bytes (they
 * may be binary); only what lies between `{{` and `}}` is read.
 *
 * @module
 */

import { WorkloadError } from "./errors.ts";
import type { TargetSpec } from "./spec.ts";

/** One placeholder; `start`/`end` are offsets (characters in text, bytes in a body) of `{{…}}`. */
export interface Placeholder {
  kind: "seq" | "uuid" | "rand" | "randstr" | "row";
  start: number;
  end: number;
  /** `rand`: the lowest value. */
  a?: number;
  /** `rand`: the highest value. */
  b?: number;
  /** `randstr`: the length. */
  n?: number;
  /** `row`: the column's name. */
  column?: string;
}

const ALLOWED = "placeholders are {{seq}}, {{uuid}}, {{rand:A:B}} (integers, A <= B), " +
  "{{randstr:N}} (1 <= N <= 1024) and {{row.COLUMN}}; '{{' always starts one";

const MAX_RANDSTR = 1024;

/** What is inside `{{…}}`, as a placeholder without its offsets. */
function parseInner(inner: string, start: number, end: number): Placeholder {
  const t = inner.trim();
  const bad = (why: string) => new WorkloadError(`{{${inner}}}: ${why}; ${ALLOWED}`);
  if (t === "seq" || t === "uuid") return { kind: t, start, end };
  let m = /^rand:(-?\d+):(-?\d+)$/.exec(t);
  if (m) {
    const a = Number(m[1]);
    const b = Number(m[2]);
    if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b)) throw bad("A and B are too large");
    if (a > b) throw bad("A is above B");
    return { kind: "rand", start, end, a, b };
  }
  m = /^randstr:(\d+)$/.exec(t);
  if (m) {
    const n = Number(m[1]);
    if (n < 1 || n > MAX_RANDSTR) throw bad(`N must be from 1 to ${MAX_RANDSTR}`);
    return { kind: "randstr", start, end, n };
  }
  m = /^row\.([^\s{}]+)$/.exec(t);
  if (m) return { kind: "row", start, end, column: m[1]! };
  throw bad("unknown placeholder");
}

/**
 * The placeholders of a text, in order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(scanPlaceholders("/u/{{seq}}?n={{rand:1:9}}"), [
 *   { kind: "seq", start: 3, end: 10 },
 *   { kind: "rand", start: 13, end: 25, a: 1, b: 9 },
 * ]);
 * assert.deepEqual(scanPlaceholders("no braces"), []);
 * assert.throws(() => scanPlaceholders("{{sequence}}"), /\{\{sequence\}\}: unknown placeholder/);
 * ```
 */
export function scanPlaceholders(text: string): Placeholder[] {
  const out: Placeholder[] = [];
  for (let at = text.indexOf("{{"); at >= 0; at = text.indexOf("{{", at)) {
    const close = text.indexOf("}}", at + 2);
    if (close < 0) throw unclosed(text.slice(at, at + 20));
    out.push(parseInner(text.slice(at + 2, close), at, close + 2));
    at = close + 2;
  }
  return out;
}

const OPEN = 0x7b; // {
const CLOSE = 0x7d; // }

/**
 * The placeholders of a body, by byte offsets: the bytes `{{` and `}}` delimit them (UTF-8 text
 * between); the rest of the body may be anything, binary included.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const body = new TextEncoder().encode('{"é":"{{uuid}}"}');
 * assert.deepEqual(scanPlaceholderBytes(body), [{ kind: "uuid", start: 7, end: 15 }]);
 * ```
 */
export function scanPlaceholderBytes(bytes: Uint8Array): Placeholder[] {
  const out: Placeholder[] = [];
  const n = bytes.length;
  for (let at = 0; at < n - 1; at++) {
    if (bytes[at] !== OPEN || bytes[at + 1] !== OPEN) continue;
    let close = at + 2;
    while (close < n - 1 && !(bytes[close] === CLOSE && bytes[close + 1] === CLOSE)) close++;
    if (close >= n - 1) throw unclosed(ascii(bytes.subarray(at, at + 20)));
    out.push(parseInner(ascii(bytes.subarray(at + 2, close)), at, close + 2));
    at = close + 1;
  }
  return out;
}

const dec = new TextDecoder();

/** A placeholder's bytes as text (UTF-8, so a column may have any name). */
function ascii(bytes: Uint8Array): string {
  return dec.decode(bytes);
}

function unclosed(from: string): WorkloadError {
  return new WorkloadError(
    `'${from}…' opens a placeholder that is never closed with '}}'; ${ALLOWED}`,
  );
}

/**
 * Checks a target's `{{row.X}}` placeholders against the data's columns (`undefined`: no
 * `--data`), and every placeholder of its URL, headers and body; an error names the target's
 * `where`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const spec = {
 *   name: "GET /u", weight: 1, method: "GET", url: "http://h/u/{{row.id}}", headers: [],
 *   checks: [], where: "targets.txt:3",
 * };
 * validatePlaceholders(spec, ["id", "name"]);
 * assert.throws(() => validatePlaceholders(spec, undefined), /targets.txt:3: .*--data/);
 * assert.throws(() => validatePlaceholders(spec, ["uid"]), /columns: uid/);
 * ```
 */
export function validatePlaceholders(
  spec: TargetSpec,
  columns: readonly string[] | undefined,
): void {
  const found: Placeholder[] = [];
  try {
    found.push(...scanPlaceholders(spec.url));
    for (const [, value] of spec.headers) found.push(...scanPlaceholders(value));
    if (spec.body) found.push(...scanPlaceholderBytes(spec.body));
  } catch (e) {
    throw e instanceof WorkloadError ? e.at(spec.where) : e;
  }
  for (const p of found) {
    if (p.kind !== "row") continue;
    if (columns === undefined) {
      throw new WorkloadError(
        `{{row.${p.column}}} needs a data file: give --data FILE.csv (a header row, then rows)`,
        spec.where,
      );
    }
    if (!columns.includes(p.column!)) {
      throw new WorkloadError(
        `{{row.${p.column}}}: the data has no column '${p.column}'; columns: ${columns.join(", ")}`,
        spec.where,
      );
    }
  }
}
