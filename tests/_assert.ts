/**
 * The assertions the tests use, over `node:assert/strict` (JSR's `@std/assert` is out of reach).
 *
 * @module
 */

import assert from "node:assert/strict";

/** Deep equality. */
export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  if (message === undefined) assert.deepStrictEqual(actual, expected);
  else assert.deepStrictEqual(actual, expected, message);
}

/** Truthiness. */
export function assertOk(value: unknown, message?: string): asserts value {
  if (message === undefined) assert.ok(value);
  else assert.ok(value, message);
}

/** `lo <= actual <= hi`. */
export function assertBetween(actual: number, lo: number, hi: number, message?: string): void {
  if (!(actual >= lo && actual <= hi)) {
    throw new assert.AssertionError({
      message: `${message ?? "value"}: expected ${actual} in [${lo}, ${hi}]`,
    });
  }
}

/** Runs `fn`, expects it to throw an instance of `type`, returns the error. */
export function assertThrows<E extends Error>(
  fn: () => unknown,
  type: new (...args: never[]) => E,
): E {
  try {
    fn();
  } catch (e) {
    if (e instanceof type) return e;
    throw new assert.AssertionError({ message: `expected ${type.name}, got ${e}` });
  }
  throw new assert.AssertionError({ message: `expected ${type.name} to be thrown` });
}
