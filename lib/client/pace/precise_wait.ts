/**
 * Waiting until a deadline with microsecond precision: a coarse sleep until shortly before it,
 * then a `performance.now()` busy-wait for the rest. How much to leave for the spin is not a
 * constant: a {@linkcode SpinCalibrator} learns it from the overshoot of the coarse sleeps it
 * observes (about 1.1 ms for `setTimeout` here, about 70 µs for `Atomics.wait` in a Worker).
 *
 * @module
 */

/** Options of {@linkcode SpinCalibrator}. */
export interface SpinCalibratorOptions {
  /** Threshold before anything is observed, ms (default 0.15). */
  initialMs?: number;
  /** Quantile of the observed overshoots to cover (default 0.99). */
  quantile?: number;
  /** Added to the quantile, ms (default 0.04). */
  marginMs?: number;
  /** Bounds of the threshold, ms (default [0.02, 3]). */
  minMs?: number;
  maxMs?: number;
  /** Overshoots remembered (default 256). */
  window?: number;
}

/**
 * Learns the spin threshold: the coarse sleep is asked to wake `threshold` ms before the
 * deadline, where `threshold` covers the `quantile` of recent overshoots plus a margin, but at
 * most 3x their median (rare outliers would otherwise make every tick spin for milliseconds).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const cal = new SpinCalibrator({ initialMs: 0.15 });
 * for (let i = 0; i < 16; i++) cal.observe(0.07);
 * assert.equal(cal.thresholdMs().toFixed(2), "0.11"); // 70 µs overshoot + 40 µs margin
 * ```
 */
export class SpinCalibrator {
  #ring: Float64Array;
  #count = 0;
  #quantile: number;
  #margin: number;
  #min: number;
  #max: number;
  #threshold: number;
  #dirty = false;
  #computedAt = 0;

  constructor(options: SpinCalibratorOptions = {}) {
    this.#ring = new Float64Array(options.window ?? 256);
    this.#quantile = options.quantile ?? 0.99;
    this.#margin = options.marginMs ?? 0.04;
    this.#min = options.minMs ?? 0.02;
    this.#max = options.maxMs ?? 3;
    this.#threshold = options.initialMs ?? 0.15;
  }

  /** Records how late a coarse sleep woke (ms; negative = early, counted as 0). */
  observe(overshootMs: number): void {
    this.#ring[this.#count++ % this.#ring.length] = Math.max(0, overshootMs);
    this.#dirty = true;
  }

  /** Overshoots observed so far. */
  get observed(): number {
    return this.#count;
  }

  /**
   * The current threshold (ms). It moves off the initial value after 16 observations and is
   * recomputed every 32 after that (a sort of the window: kept off the per-tick path).
   */
  thresholdMs(): number {
    const due = this.#computedAt < 16 ? this.#count >= 16 : this.#count - this.#computedAt >= 32;
    if (this.#dirty && due) {
      this.#computedAt = this.#count;
      const n = Math.min(this.#count, this.#ring.length);
      const sorted = this.#ring.slice(0, n).sort();
      const q = sorted[Math.min(n - 1, Math.ceil(this.#quantile * n) - 1)]!;
      // A few wake-ups late by milliseconds (the thread was not scheduled) must not turn every
      // tick into a long spin: the threshold stays within 3x the median overshoot.
      const robust = Math.min(q, 3 * sorted[Math.floor(n / 2)]!);
      this.#threshold = Math.min(this.#max, Math.max(this.#min, robust + this.#margin));
      this.#dirty = false;
    }
    return this.#threshold;
  }
}

/** What {@linkcode preciseWaitSync} needs: a clock and a blocking coarse sleep. */
export interface SyncWaitDeps {
  now(): number;
  /** Blocks about `ms` (may wake early, e.g. on a notify); returns whether woken early. */
  sleep(ms: number): boolean;
}

/**
 * Blocks until `deadline` (ms on `deps.now`): a coarse sleep until `threshold` before it, then a
 * spin. Feeds the coarse sleep's overshoot to `calibrator`. Returns false when the coarse sleep
 * was interrupted (the caller re-plans), true at the deadline.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // A fake clock: each read moves it 1 µs; the coarse sleep wakes 50 µs late.
 * let t = 0;
 * const deps = {
 *   now: () => (t += 0.001),
 *   sleep: (ms: number) => { t += ms + 0.05; return false; },
 * };
 * const cal = new SpinCalibrator({ initialMs: 0.1 });
 * assert.equal(preciseWaitSync(5, deps, cal), true);
 * assert.ok(t >= 5 && t < 5.01);
 * assert.equal(cal.observed, 1);
 * ```
 */
export function preciseWaitSync(
  deadline: number,
  deps: SyncWaitDeps,
  calibrator: SpinCalibrator,
): boolean {
  const coarse = deadline - deps.now() - calibrator.thresholdMs();
  if (coarse > 0) {
    const t0 = deps.now();
    const interrupted = deps.sleep(coarse);
    if (interrupted) return false;
    calibrator.observe(deps.now() - t0 - coarse);
  }
  while (deps.now() < deadline) { /* spin */ }
  return true;
}

/**
 * The async variant for a thread that must not block long: `setTimeout` until `threshold`
 * before the deadline, then a spin. On the main thread the spin blocks every response behind it;
 * tpsdemo uses it only in `bench/` to show why the pacer lives in a Worker.
 */
export async function preciseWait(
  deadline: number,
  deps: { now(): number; sleep(ms: number): Promise<void> },
  calibrator: SpinCalibrator,
): Promise<void> {
  const coarse = deadline - deps.now() - calibrator.thresholdMs();
  if (coarse > 0) {
    const t0 = deps.now();
    await deps.sleep(coarse);
    calibrator.observe(deps.now() - t0 - coarse);
  }
  while (deps.now() < deadline) { /* spin */ }
}
