/**
 * tpsdemo's extras to a target, which vegeta reads as comments: `#@` lines just before its
 * `METHOD URL` line, of `key=value` pairs, e.g.
 * `#@ name=login weight=3 expect=200-299,410 check=body~"token" check=json.user.id==42`.
 * Keys: `name`, `weight`, `expect` (each once), `check` (as many as wanted). A value runs to the
 * next ` key=` or the line's end, so `check=json.user exists` needs no quotes; a quoted TEXT may
 * hold anything. In the JSON format the same keys are fields of the target's object.
 *
 * @module
 */

import { parseCheck, parseStatusSet } from "./checks.ts";
import { WorkloadError } from "./errors.ts";
import { checkName, checkWeight, type Extras } from "./spec.ts";

/** The keys of a `#@` line, for messages. */
export const EXTRA_KEYS: readonly string[] = ["name", "weight", "expect", "check"];

const KEY_AHEAD = /^\s+[A-Za-z_][A-Za-z0-9_]*=/;

/**
 * The `key=value` pairs of a `#@` line (without its `#@`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(splitPairs(' name=a check=body~"x y=z" check=json.u exists'), [
 *   ["name", "a"], ["check", 'body~"x y=z"'], ["check", "json.u exists"],
 * ]);
 * ```
 */
export function splitPairs(text: string): [string, string][] {
  const out: [string, string][] = [];
  let i = text.length - text.trimStart().length;
  while (i < text.length) {
    const key = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(text.slice(i));
    if (!key) {
      throw new WorkloadError(
        `'#@${text}': expected key=value pairs, e.g. '#@ name=login weight=3'; ` +
          `keys: ${EXTRA_KEYS.join(", ")}`,
      );
    }
    i += key[0].length;
    const start = i;
    let quoted = false;
    for (; i < text.length; i++) {
      const c = text[i]!;
      if (quoted) {
        if (c === "\\") i++;
        else if (c === '"') quoted = false;
      } else if (c === '"') {
        quoted = true;
      } else if (/\s/.test(c) && KEY_AHEAD.test(text.slice(i))) {
        break;
      }
    }
    out.push([key[1]!, text.slice(start, i).trim()]);
    while (i < text.length && /\s/.test(text[i]!)) i++;
  }
  return out;
}

export type { Extras };

/**
 * Adds one extra to `extras`: checks the key and its value; `name`, `weight` and `expect` may be
 * given once.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const x: Extras = { checks: [] };
 * addExtra(x, "weight", "3");
 * addExtra(x, "check", 'body~"ok"');
 * assert.equal(x.weight, 3);
 * assert.equal(x.checks.length, 1);
 * assert.throws(() => addExtra(x, "weight", "4"), /given twice/);
 * assert.throws(() => addExtra(x, "wieght", "4"), /unknown extra 'wieght'/);
 * ```
 */
export function addExtra(extras: Extras, key: string, value: unknown): void {
  if (!EXTRA_KEYS.includes(key)) {
    throw new WorkloadError(`unknown extra '${key}'; allowed: ${EXTRA_KEYS.join(", ")}`);
  }
  if (key !== "check" && extras[key as "name" | "weight" | "expect"] !== undefined) {
    throw new WorkloadError(`'${key}' is given twice for one target`);
  }
  const text = (what: string) => {
    if (typeof value === "string") return value;
    if (typeof value === "number" && key !== "name") return String(value);
    throw new WorkloadError(`'${key}' must be ${what}, got ${JSON.stringify(value)}`);
  };
  switch (key) {
    case "name":
      extras.name = checkName(text("a string"));
      return;
    case "weight":
      extras.weight = checkWeight(typeof value === "number" ? value : text("a number"));
      return;
    case "expect":
      extras.expect = parseStatusSet(text("a string like '200-299,410'"));
      return;
    case "check":
      extras.checks.push(parseCheck(text("a string like 'body~\"ok\"'")));
  }
}

/**
 * Reads a `#@` line (without its `#@`) into `extras`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const x: Extras = { checks: [] };
 * readExtrasLine(x, " name=login weight=3 expect=200-299,410 check=json.user.id==42");
 * assert.equal(x.name, "login");
 * assert.ok(x.expect?.has(410));
 * assert.equal(x.checks[0]?.text, "json.user.id==42");
 * ```
 */
export function readExtrasLine(extras: Extras, text: string): void {
  for (const [key, value] of splitPairs(text)) addExtra(extras, key, value);
}
