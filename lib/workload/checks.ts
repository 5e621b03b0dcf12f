/**
 * Response checks, judged on every response of a target: the status it must have
 * (`expect=200-299,410`, a {@linkcode StatusSet}; 200-399 when unsaid) and what its body must hold,
 * in a small language ({@linkcode parseCheck}):
 *
 * - `body~"TEXT"`: the body contains TEXT (bytes, no decoding; `\"` and `\\` escape);
 * - `body!~"TEXT"`: it does not;
 * - `json.PATH==VALUE`, `json.PATH!=VALUE`: the JSON body's field at PATH (`user.id`,
 *   `items.0.sku`: keys, or indexes into arrays) equals, or does not, VALUE: a JSON number,
 *   `"string"`, `true`, `false` or `null`; `!=` also passes when the field is absent;
 * - `json.PATH exists`: the field is there (even as `null`).
 *
 * A body that is not JSON fails every json check. Only targets with json checks pay for decoding
 * and parsing, once per response ({@linkcode failedCheck}).
 *
 * @module
 */

import { WorkloadError } from "./errors.ts";

const STATUS_ALLOWED = "status codes and ranges from 100 to 599, comma-separated, " +
  "e.g. '200-299,410'";

/** A set of HTTP status codes: a 600-entry table, so {@linkcode StatusSet.has} allocates nothing. */
export class StatusSet {
  /** As written. */
  readonly text: string;
  #codes = new Uint8Array(600);

  constructor(text: string, ranges: readonly (readonly [number, number])[]) {
    this.text = text;
    for (const [lo, hi] of ranges) this.#codes.fill(1, lo, hi + 1);
  }

  /** Whether `status` is in the set. */
  has(status: number): boolean {
    return this.#codes[status] === 1;
  }
}

/**
 * Reads an `expect=` list of codes and ranges.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const ok = parseStatusSet("200-299,410");
 * assert.ok(ok.has(204) && ok.has(410));
 * assert.ok(!ok.has(404) && !ok.has(0) && !ok.has(1000));
 * assert.throws(() => parseStatusSet("2xx"), /'2xx'/);
 * ```
 */
export function parseStatusSet(text: string): StatusSet {
  const ranges = text.split(",").map((part) => {
    const m = /^\s*(\d{3})(?:\s*-\s*(\d{3}))?\s*$/.exec(part);
    const lo = Number(m?.[1]);
    const hi = m?.[2] === undefined ? lo : Number(m[2]);
    if (!m || lo < 100 || hi > 599 || lo > hi) {
      throw new WorkloadError(`expect '${text}': '${part.trim()}' is not one of ${STATUS_ALLOWED}`);
    }
    return [lo, hi] as const;
  });
  return new StatusSet(text, ranges);
}

/** The statuses a target must answer with when it does not say: 200-399. */
export const DEFAULT_EXPECT: StatusSet = parseStatusSet("200-399");

/** A check on a response body. */
export type BodyCheck = TextCheck | JsonCheck;

interface CheckBase {
  /** The check as written, for reports. */
  readonly text: string;
  /** Whether the body passes. */
  test(body: Uint8Array): boolean;
}

/** `body~"TEXT"` or `body!~"TEXT"`. */
export interface TextCheck extends CheckBase {
  readonly kind: "contains" | "lacks";
  /** TEXT, UTF-8 encoded once. */
  readonly needle: Uint8Array;
}

/** `json.PATH==VALUE`, `json.PATH!=VALUE` or `json.PATH exists`. */
export interface JsonCheck extends CheckBase {
  readonly kind: "json";
  readonly path: readonly string[];
  readonly op: "==" | "!=" | "exists";
  readonly value?: string | number | boolean | null;
  /** Judges an already parsed JSON body. */
  testValue(json: unknown): boolean;
}

const CHECK_ALLOWED = `body~"TEXT", body!~"TEXT", json.PATH==VALUE, json.PATH!=VALUE or ` +
  `json.PATH exists (TEXT quoted, with \\" and \\\\ escapes; PATH keys or array indexes ` +
  `joined by dots; VALUE a JSON number, "string", true, false or null)`;

const enc = new TextEncoder();
const dec = new TextDecoder("utf-8", { fatal: true });

/**
 * Reads a body check.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const body = new TextEncoder().encode('{"user":{"id":42,"tags":["a"]},"token":"x"}');
 * assert.ok(parseCheck('body~"token"').test(body));
 * assert.ok(parseCheck('body!~"error"').test(body));
 * assert.ok(parseCheck("json.user.id==42").test(body));
 * assert.ok(parseCheck('json.user.tags.0=="a"').test(body));
 * assert.ok(parseCheck("json.user.name exists").test(body) === false);
 * assert.throws(() => parseCheck("status==200"), /'status==200'/);
 * ```
 */
export function parseCheck(text: string): BodyCheck {
  const t = text.trim();
  const bad = (why: string) =>
    new WorkloadError(`check '${text}': ${why}; a check is ${CHECK_ALLOWED}`);
  const body = /^body\s*(!?~)\s*(.*)$/s.exec(t);
  if (body) {
    const needle = enc.encode(unquote(body[2]!, bad));
    if (needle.length === 0) throw bad("TEXT is empty");
    const lacks = body[1] === "!~";
    return {
      text,
      kind: lacks ? "lacks" : "contains",
      needle,
      test: (b: Uint8Array) => contains(b, needle) !== lacks,
    };
  }
  const json = /^json((?:\.[^.\s=!]+)+)\s*(?:(==|!=)\s*(.*)|\s(exists))$/s.exec(t);
  if (!json) throw bad("not a form it knows");
  const path = json[1]!.slice(1).split(".");
  if (json[4]) return jsonCheck(text, path, "exists", undefined);
  let value: unknown;
  try {
    value = JSON.parse(json[3]!);
  } catch {
    throw bad(`VALUE '${json[3]}' is not JSON`);
  }
  if (value !== null && typeof value === "object") throw bad("VALUE must be a scalar");
  return jsonCheck(text, path, json[2] as "==" | "!=", value as string | number | boolean | null);
}

function jsonCheck(
  text: string,
  path: string[],
  op: JsonCheck["op"],
  value: string | number | boolean | null | undefined,
): JsonCheck {
  const testValue = (json: unknown): boolean => {
    let at = json;
    for (const key of path) {
      if (Array.isArray(at) && /^\d+$/.test(key)) {
        if (Number(key) >= at.length) return op === "!=";
        at = at[Number(key)];
      } else if (at !== null && typeof at === "object" && Object.hasOwn(at, key)) {
        at = (at as Record<string, unknown>)[key];
      } else {
        return op === "!=";
      }
    }
    return op === "exists" ? true : (at === value) === (op === "==");
  };
  return {
    text,
    kind: "json",
    path,
    op,
    ...(op === "exists" ? {} : { value }),
    testValue,
    test: (b: Uint8Array) => {
      const parsed = parseJson(b);
      return parsed !== NOT_JSON && testValue(parsed);
    },
  };
}

const NOT_JSON = Symbol("not JSON");

function parseJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(dec.decode(body));
  } catch {
    return NOT_JSON;
  }
}

/** The quoted TEXT of a body check, unescaped. */
function unquote(q: string, bad: (why: string) => WorkloadError): string {
  if (q.length < 2 || q[0] !== '"' || q[q.length - 1] !== '"') throw bad("TEXT must be quoted");
  let out = "";
  for (let i = 1; i < q.length - 1; i++) {
    const c = q[i]!;
    if (c === '"') throw bad('a quote inside TEXT must be escaped as \\"');
    if (c !== "\\") {
      out += c;
      continue;
    }
    const next = q[++i];
    if ((next !== '"' && next !== "\\") || i >= q.length - 1) {
      throw bad('only \\" and \\\\ escape inside TEXT');
    }
    out += next;
  }
  return out;
}

/** Whether `haystack` holds `needle` (a plain byte search; no allocation). */
export function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  const m = needle.length;
  const first = needle[0];
  for (let i = haystack.indexOf(first!); i >= 0 && i <= haystack.length - m;) {
    let k = 1;
    while (k < m && haystack[i + k] === needle[k]) k++;
    if (k === m) return true;
    i = haystack.indexOf(first!, i + 1);
  }
  return m === 0;
}

/**
 * The first check `body` fails, or `undefined` when it passes them all; the body is decoded and
 * parsed at most once, and only when a json check needs it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const checks = [parseCheck("json.ok==true"), parseCheck('body~"done"')];
 * const body = (s: string) => new TextEncoder().encode(s);
 * assert.equal(failedCheck(checks, body('{"ok":true,"s":"done"}')), undefined);
 * assert.equal(failedCheck(checks, body("not json, done"))?.text, "json.ok==true");
 * ```
 */
export function failedCheck(
  checks: readonly BodyCheck[],
  body: Uint8Array,
): BodyCheck | undefined {
  let parsed: unknown = undefined;
  let done = false;
  for (const check of checks) {
    if (check.kind !== "json") {
      if (!check.test(body)) return check;
      continue;
    }
    if (!done) (parsed = parseJson(body), done = true);
    if (parsed === NOT_JSON || !check.testValue(parsed)) return check;
  }
  return undefined;
}
