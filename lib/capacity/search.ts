/**
 * The capacity search, pure: which rate to try next, given what the steps so far showed, and
 * the report it ends with. The method:
 *
 * 1. **Bracket**: from the start rate, double while a step meets every objective (up to the
 *    maximum); halve while it does not. A step passes when every `--slo` holds over the step
 *    (after its warm-up), some response came back, and the client sent at least 95% of the rate
 *    asked (`judge.ts`: a step that fails says why, with the value measured).
 * 2. **Bisect** between the highest pass and the lowest fail until they are within the precision
 *    (default 5% of the pass).
 * 3. **Confirm**: run the answer again; if it fails this time, the lowest fail comes down to it
 *    and the bisection goes on below (at most {@linkcode MAX_CONFIRMS} times), so the rate
 *    reported has passed every time it ran.
 *
 * @module
 */

export { judgeStep, type StepResult } from "./judge.ts";
export type { StepRow } from "../results/mod.ts";

/** Most confirmations of an answer before the search reports what it has. */
export const MAX_CONFIRMS = 3;

/** Options of {@linkcode CapacitySearch}. */
export interface SearchOptions {
  /** First rate tried (default 50). */
  start?: number;
  /** Highest rate tried (default 100,000). */
  max?: number;
  /** Relative width at which the bisection stops (default 0.05). */
  precision?: number;
}

/**
 * The search's state: ask {@linkcode CapacitySearch.next} for a rate, run a step at it, tell
 * {@linkcode CapacitySearch.record} whether it passed; until `next()` is undefined.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const s = new CapacitySearch({ start: 100, precision: 0.05 });
 * for (let rate = s.next(); rate !== undefined; rate = s.next()) s.record(rate, rate <= 730);
 * assert.ok(s.answer! <= 730 && s.answer! >= 730 / 1.05);
 * ```
 */
export class CapacitySearch {
  #start: number;
  #max: number;
  #precision: number;
  /** Highest rate that passed (every time it ran), and lowest that failed. */
  #lo: number | undefined;
  #hi: number | undefined;
  #confirms = 0;
  #confirming = false;
  #done = false;
  /** Every rate that passed, and that failed, at least once. */
  #passed = new Set<number>();
  #failed = new Set<number>();

  constructor(options: SearchOptions = {}) {
    this.#start = Math.max(1, options.start ?? 50);
    this.#max = Math.max(this.#start, options.max ?? 100_000);
    this.#precision = options.precision ?? 0.05;
  }

  /** The highest rate that met every objective every time it ran (so far). */
  get answer(): number | undefined {
    return this.#lo;
  }

  /** The lowest rate that failed (so far). */
  get lowestFail(): number | undefined {
    return this.#hi;
  }

  /** Whether the search reached its maximum without a failure. */
  get ceilingReached(): boolean {
    return this.#done && this.#hi === undefined && this.#lo === this.#max;
  }

  /** The next rate to try, or undefined when the search is over. */
  next(): number | undefined {
    if (this.#done) return undefined;
    const lo = this.#lo, hi = this.#hi;
    if (hi === undefined) return lo === undefined ? this.#start : Math.min(this.#max, lo * 2);
    if (lo === undefined) {
      const r = Math.floor(hi / 2);
      if (r < 1) {
        this.#done = true;
        return undefined;
      }
      return r;
    }
    const mid = Math.floor((lo + hi) / 2);
    if (hi / lo - 1 > this.#precision && mid > lo && mid < hi) return mid;
    if (this.#confirms < MAX_CONFIRMS) {
      this.#confirming = true;
      return lo;
    }
    this.#done = true;
    return undefined;
  }

  /** What the step at `rate` showed. */
  record(rate: number, pass: boolean): void {
    if (this.#confirming) {
      this.#confirming = false;
      this.#confirms++;
      if (pass) {
        this.#done = true;
        return;
      }
    }
    (pass ? this.#passed : this.#failed).add(rate);
    // The lowest failure bounds the answer; the answer is the highest rate below it that never
    // failed (a pass above a failure is noise, and not believed).
    this.#hi = this.#failed.size > 0 ? Math.min(...this.#failed) : undefined;
    const below = [...this.#passed].filter((r) =>
      !this.#failed.has(r) && (this.#hi === undefined || r < this.#hi)
    );
    this.#lo = below.length > 0 ? Math.max(...below) : undefined;
    if (pass && this.#hi === undefined && rate >= this.#max) this.#done = true;
  }
}
