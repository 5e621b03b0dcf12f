/**
 * The one error of the workload: a targets file, a data file, a placeholder or a check that
 * cannot be read. Its message names where (`file:line`) and what is allowed, in std's style, so
 * the CLI can print it as it is and exit 2.
 *
 * @module
 */

/**
 * A workload that cannot be read. `where` is `file:line` (or a flag's name) when known; `what` is
 * the message without it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const e = new WorkloadError("unknown method 'FETCH'", "targets.txt:3");
 * assert.equal(e.message, "targets.txt:3: unknown method 'FETCH'");
 * assert.equal(new WorkloadError("bad").at("a.txt:1").message, "a.txt:1: bad");
 * ```
 */
export class WorkloadError extends Error {
  override name = "WorkloadError";
  /** `file:line`, when known. */
  readonly where: string | undefined;
  /** What is wrong and what is allowed, without `where`. */
  readonly what: string;

  constructor(what: string, where?: string) {
    super(where === undefined ? what : `${where}: ${what}`);
    this.what = what;
    this.where = where;
  }

  /** This error placed at `where`, unless it already names a place. */
  at(where: string): WorkloadError {
    return this.where === undefined ? new WorkloadError(this.what, where) : this;
  }
}

/** Runs `fn`; a {@linkcode WorkloadError} it throws comes out placed at `where`. */
export function placed<T>(where: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw e instanceof WorkloadError ? e.at(where) : e;
  }
}
