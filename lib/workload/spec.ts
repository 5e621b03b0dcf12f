/**
 * What a targets file says, target by target ({@linkcode TargetSpec}), and the rules each part
 * must follow: the method, the URL, a header, a name, a weight. Each rule throws a
 * {@linkcode WorkloadError} that names what is allowed; the parsers place it at `file:line`.
 *
 * @module
 */

import type { BodyCheck, StatusSet } from "./checks.ts";
import { WorkloadError } from "./errors.ts";

/** One target of a targets file, placeholders (`{{seq}}`, …) left as written. */
export interface TargetSpec {
  /** Unique in the file: `#@ name=` or `METHOD /path` (` #2`, ` #3` when repeated). */
  name: string;
  /** Its share of the mix, > 0. Default 1. */
  weight: number;
  method: string;
  url: string;
  /** In order, a name repeated when the file repeats it; the defaults merged in. */
  headers: [string, string][];
  body?: Uint8Array;
  /** The statuses it must answer with; `undefined`: {@linkcode DEFAULT_EXPECT}. */
  expect?: StatusSet;
  /** What its response bodies must hold. */
  checks: BodyCheck[];
  /** `file:line` of its `METHOD URL` line (or its JSON line). */
  where: string;
}

/** What a target's extras say (`#@` lines, or the JSON format's extra fields). */
export interface Extras {
  name?: string;
  weight?: number;
  expect?: StatusSet;
  checks: BodyCheck[];
}

/** A target as a format reads it, before names, defaults and bodies are settled. */
export interface RawTarget {
  /** `undefined`: a line with only a URL, which takes the default method. */
  method: string | undefined;
  url: string;
  headers: [string, string][];
  /** The JSON format's body (decoded from base64). */
  body?: Uint8Array;
  /** The http format's `@path`, as written, and the `file:line` of that line. */
  bodyFile?: { path: string; where: string };
  extras: Extras;
  /** `file:line` of its `METHOD URL` line or JSON object. */
  where: string;
}

/** The methods a target may use, upper-case as vegeta's. */
export const METHODS: readonly string[] = [
  "GET",
  "HEAD",
  "POST",
  "PUT",
  "PATCH",
  "DELETE",
  "OPTIONS",
];

/**
 * Checks a method.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(checkMethod("POST"), "POST");
 * assert.throws(() => checkMethod("get"), /allowed: GET, HEAD/);
 * ```
 */
export function checkMethod(method: string): string {
  if (!METHODS.includes(method)) {
    throw new WorkloadError(
      `unknown method '${method}'; allowed: ${METHODS.join(", ")} (upper-case)`,
    );
  }
  return method;
}

const PLACEHOLDER = /\{\{[^{}]*\}\}/g;

/**
 * Checks a URL that may hold placeholders: with each one taken out (replaced by `1`, which fits a
 * host, a port or a path), it must be an absolute `http://` or `https://` URL, with no space or
 * control character anywhere.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(checkUrl("http://api:8080/u/{{seq}}?q={{row.q}}"), "http://api:8080/u/{{seq}}?q={{row.q}}");
 * assert.throws(() => checkUrl("ftp://host/file"), /http:\/\/ or https:\/\//);
 * assert.throws(() => checkUrl("/path"), /http:\/\/ or https:\/\//);
 * ```
 */
export function checkUrl(url: string): string {
  const bare = url.replace(PLACEHOLDER, "1");
  let ok = /^https?:\/\/[^/?#]/i.test(bare) && !/\s/.test(url) && !hasControl(url, false);
  try {
    ok &&= new URL(bare).hostname !== "";
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new WorkloadError(
      `URL '${url}' is not one to send to: it must be an absolute URL that starts with ` +
        "http:// or https:// and a host, with no spaces (placeholders allowed)",
    );
  }
  return url;
}

/** Whether `s` holds a control character (CR, LF, NUL, DEL, …; a tab too unless `tabOk`). */
function hasControl(s: string, tabOk: boolean): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && !(tabOk && c === 9)) || c === 0x7f) return true;
  }
  return false;
}

/** RFC 9110's token: what a header name is made of. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Checks a header: a name (an RFC 9110 token) and a value with no CR, LF or other control
 * character but tab. The value may hold placeholders; the name may not.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(checkHeader("X-Id", "{{uuid}}"), ["X-Id", "{{uuid}}"]);
 * assert.throws(() => checkHeader("", "x"), /'Name: value'/);
 * assert.throws(() => checkHeader("X-A", "a\r\nX-B: b"), /CR/);
 * ```
 */
export function checkHeader(name: string, value: string): [string, string] {
  const show = JSON.stringify(`${name}: ${value}`);
  if (!TOKEN.test(name)) {
    throw new WorkloadError(
      `malformed header ${show}: a header is 'Name: value', the name a token ` +
        "(letters, digits and !#$%&'*+-.^_`|~), no spaces",
    );
  }
  if (hasControl(value, true)) {
    throw new WorkloadError(`malformed header ${show}: a value may not hold CR, LF or controls`);
  }
  return [name, value];
}

/**
 * Reads a header line, `Name: value` (spaces around the value dropped).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseHeaderLine("Authorization: Token DEADBEEF"), ["Authorization", "Token DEADBEEF"]);
 * assert.throws(() => parseHeaderLine("X-Account-ID 99"), /malformed header/);
 * ```
 */
export function parseHeaderLine(line: string): [string, string] {
  const colon = line.indexOf(":");
  if (colon < 0) {
    throw new WorkloadError(
      `malformed header ${JSON.stringify(line)}: a header is 'Name: value' (no colon found)`,
    );
  }
  return checkHeader(line.slice(0, colon), line.slice(colon + 1).trim());
}

/** The longest target name. */
export const MAX_NAME = 64;

/**
 * Checks a target's name: 1 to 64 of `A-Z a-z 0-9 _ . : / -`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(checkName("api/login"), "api/login");
 * assert.throws(() => checkName("log in"), /A-Za-z0-9/);
 * ```
 */
export function checkName(name: string): string {
  if (!/^[A-Za-z0-9_.:/-]+$/.test(name) || name.length > MAX_NAME) {
    throw new WorkloadError(
      `name '${name}' is not one: 1 to ${MAX_NAME} of A-Za-z0-9_.:/- (no spaces)`,
    );
  }
  return name;
}

/**
 * Checks a weight: a number > 0 (decimals allowed; the mix keeps 3).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(checkWeight("2.5"), 2.5);
 * assert.equal(checkWeight(3), 3);
 * assert.throws(() => checkWeight("0"), /> 0/);
 * assert.throws(() => checkWeight("lots"), /> 0/);
 * ```
 */
export function checkWeight(weight: string | number): number {
  const w = typeof weight === "number"
    ? weight
    : /^\s*(\d+(\.\d*)?|\.\d+)\s*$/.test(weight)
    ? Number(weight)
    : NaN;
  if (!(Number.isFinite(w) && w > 0)) {
    throw new WorkloadError(`weight '${weight}' must be a number > 0, e.g. 'weight=3' or 0.5`);
  }
  return w;
}

/**
 * The name of a target that gives none: `METHOD /path`, the URL's path without its query
 * (placeholders as written), at most 64 characters.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(defaultName("GET", "http://goku:9090/path/to/dragon?item=ball"), "GET /path/to/dragon");
 * assert.equal(defaultName("HEAD", "https://host"), "HEAD /");
 * ```
 */
export function defaultName(method: string, url: string): string {
  const rest = url.replace(/^[a-z]+:\/\/[^/?#]*/i, "");
  const path = rest.replace(/[?#].*$/s, "");
  return `${method} ${path.startsWith("/") ? path : `/${path}`}`.slice(0, MAX_NAME);
}
