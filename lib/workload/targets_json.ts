/**
 * vegeta's JSON format: one object a line, `{"method": "GET", "url": "http://…", "header":
 * {"X": ["a", "b"]}, "body": "<base64>"}`; `url` is required, `method` defaults to the default
 * method (`--method`, else GET). tpsdemo's extras are optional fields: `"name"`, `"weight"`,
 * `"expect"` and `"check"` (a string or an array of them). Blank lines and `#` lines are skipped;
 * any other field is an error (a typo like `"headers"` would otherwise be lost).
 *
 * @module
 */

import { WorkloadError } from "./errors.ts";
import { addExtra } from "./extras.ts";
import { checkHeader, checkMethod, checkUrl, type RawTarget } from "./spec.ts";

const FIELDS = ["method", "url", "header", "body", "name", "weight", "expect", "check"];

/**
 * The targets of a JSON-format file, in order. `file` names it in errors (`file:line`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const line = '{"method":"POST","url":"http://goku","body":"UHVuY2gh","header":{"X":["a","b"]},"weight":2}';
 * const [t] = readJsonTargets(line, "t.json");
 * assert.deepEqual(t?.headers, [["X", "a"], ["X", "b"]]);
 * assert.equal(new TextDecoder().decode(t?.body), "Punch!");
 * assert.equal(t?.extras.weight, 2);
 * ```
 */
export function readJsonTargets(text: string, file: string): RawTarget[] {
  const out: RawTarget[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "" || line.startsWith("#")) continue;
    const where = `${file}:${i + 1}`;
    try {
      out.push(readObject(line, where));
    } catch (e) {
      throw e instanceof WorkloadError ? e.at(where) : e;
    }
  }
  return out;
}

function readObject(line: string, where: string): RawTarget {
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch (e) {
    throw new WorkloadError(`not a JSON object (${(e as Error).message}); ${SHAPE}`);
  }
  if (o === null || typeof o !== "object" || Array.isArray(o)) {
    throw new WorkloadError(`not a JSON object; ${SHAPE}`);
  }
  const obj = o as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!FIELDS.includes(key)) {
      throw new WorkloadError(`unknown field '${key}'; allowed: ${FIELDS.join(", ")}`);
    }
  }
  const { method, url, header, body } = obj;
  if (typeof url !== "string") throw new WorkloadError(`'url' must be a string; ${SHAPE}`);
  if (method !== undefined && typeof method !== "string") {
    throw new WorkloadError("'method' must be a string, e.g. \"GET\"");
  }
  const target: RawTarget = {
    method: method === undefined ? undefined : checkMethod(method),
    url: checkUrl(url),
    headers: headers(header),
    extras: { checks: [] },
    where,
  };
  if (body !== undefined && body !== null) target.body = base64(body);
  for (const key of ["name", "weight", "expect"]) {
    if (obj[key] !== undefined) addExtra(target.extras, key, obj[key]);
  }
  const check = obj.check;
  for (const c of Array.isArray(check) ? check : check === undefined ? [] : [check]) {
    addExtra(target.extras, "check", c);
  }
  return target;
}

const SHAPE = 'a target is {"method": "GET", "url": "http://…", "header": {"Name": ["value"]}, ' +
  '"body": "<base64>"} on one line';

function headers(header: unknown): [string, string][] {
  if (header === undefined || header === null) return [];
  if (typeof header !== "object" || Array.isArray(header)) {
    throw new WorkloadError(`'header' must be an object of arrays of strings; ${SHAPE}`);
  }
  const out: [string, string][] = [];
  for (const [name, values] of Object.entries(header)) {
    const list = typeof values === "string" ? [values] : values;
    if (!Array.isArray(list) || list.some((v) => typeof v !== "string")) {
      throw new WorkloadError(`header '${name}' must be an array of strings, e.g. ["a", "b"]`);
    }
    for (const v of list as string[]) out.push(checkHeader(name, v));
  }
  return out;
}

function base64(body: unknown): Uint8Array {
  const bad = () => new WorkloadError("'body' must be a base64 string (standard alphabet)");
  if (typeof body !== "string") throw bad();
  let bin: string;
  try {
    bin = atob(body);
  } catch {
    throw bad();
  }
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}
