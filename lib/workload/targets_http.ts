/**
 * vegeta's http format, as it is: a `METHOD URL` line, then `Name: value` header lines, then an
 * optional `@path/to/body` line; targets apart by blank lines (or simply one after the other,
 * vegeta's "simple targets"); `#` lines are comments wherever they are. tpsdemo's extras ride in
 * `#@` comment lines just before a target. One addition: a line with only a URL is a target with
 * the default method (`--method`, else GET).
 *
 * @module
 */

import { WorkloadError } from "./errors.ts";
import { readExtrasLine } from "./extras.ts";
import { checkMethod, checkUrl, parseHeaderLine, type RawTarget } from "./spec.ts";

/** A line that starts a target inside another: `UPPER WORD` (no header is that), or a URL. */
const STARTS_TARGET = /^(?:[A-Z]+[ \t]+\S+$|https?:\/\/|\{\{)/;

/**
 * The targets of an http-format file, in order. `file` names it in errors (`file:line`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const [t] = readHttpTargets("#@ weight=2\nPOST http://goku:9090/things\nX-Account-ID: 99\n@new.json\n", "t.txt");
 * assert.equal(t?.method, "POST");
 * assert.deepEqual(t?.headers, [["X-Account-ID", "99"]]);
 * assert.deepEqual(t?.bodyFile, { path: "new.json", where: "t.txt:4" });
 * assert.equal(t?.extras.weight, 2);
 * ```
 */
export function readHttpTargets(text: string, file: string): RawTarget[] {
  const out: RawTarget[] = [];
  const lines = text.split("\n");
  let current: RawTarget | undefined;
  let pending: RawTarget["extras"] | undefined;
  let pendingWhere = "";
  for (let i = 0; i < lines.length; i++) {
    const where = `${file}:${i + 1}`;
    const line = lines[i]!.trim();
    try {
      if (line === "") {
        current = undefined;
      } else if (line.startsWith("#@")) {
        if (pending === undefined) (pending = { checks: [] }, pendingWhere = where);
        readExtrasLine(pending, line.slice(2));
      } else if (line.startsWith("#")) {
        // a comment
      } else if (current === undefined || STARTS_TARGET.test(line)) {
        current = { ...requestLine(line), headers: [], extras: pending ?? { checks: [] }, where };
        pending = undefined;
        out.push(current);
      } else if (pending !== undefined) {
        throw new WorkloadError(
          `a '#@' line (at ${pendingWhere}) must come just before a target's 'METHOD URL' line`,
        );
      } else if (current.bodyFile !== undefined) {
        throw new WorkloadError(
          "the '@body' line ends a target: expected a blank line or the next 'METHOD URL' line",
        );
      } else if (line.startsWith("@")) {
        const path = line.slice(1).trim();
        if (path === "") throw new WorkloadError("'@' names no body file: write '@path/to/body'");
        current.bodyFile = { path, where };
      } else {
        current.headers.push(parseHeaderLine(line));
      }
    } catch (e) {
      throw e instanceof WorkloadError ? e.at(where) : e;
    }
  }
  if (pending !== undefined) {
    throw new WorkloadError("a '#@' line with no target after it", pendingWhere);
  }
  return out;
}

/** `METHOD URL`, or only a URL. */
function requestLine(line: string): { method: string | undefined; url: string } {
  const parts = line.split(/[ \t]+/);
  if (parts.length === 1 && /^(https?:\/\/|\{\{)/i.test(line)) {
    return { method: undefined, url: checkUrl(line) };
  }
  if (parts[0]!.endsWith(":")) {
    throw new WorkloadError(
      `'${line}' looks like a header, but no 'METHOD URL' line comes before it ` +
        "(a blank line ends a target)",
    );
  }
  if (parts.length !== 2) {
    throw new WorkloadError(
      `expected a target line 'METHOD URL' (e.g. 'GET http://host/path'), got '${line}'`,
    );
  }
  return { method: checkMethod(parts[0]!), url: checkUrl(parts[1]!) };
}
