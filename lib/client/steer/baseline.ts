/**
 * {@linkcode Baseline}: the unloaded latency the capacity controller reads each window against,
 * learned from the windows that show no congestion.
 *
 * @module
 */

import type { WindowStats } from "../record/mod.ts";
import { TUNING } from "./tunables.ts";

/**
 * The target's unloaded latency: its p10 and p50, the mean time in flight (Little's law:
 * in-flight / goodput), and how much the p10 wanders about its baseline (its noise). A queue
 * at the target moves the p10 above it by more than that noise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const b = new Baseline();
 * assert.equal(b.raised(50), false); // nothing learned yet
 * ```
 */
export class Baseline {
  #p10 = NaN;
  #p50 = NaN;
  /** Mean time in flight when unloaded, seconds. */
  #flight = NaN;
  /** Mean deviation of the p10 from its baseline, ms. */
  #dev = 0;

  /** The p10 baseline, ms (NaN until a window taught it). */
  get p10(): number {
    return this.#p10;
  }

  /** The p50 baseline, ms (NaN until a window taught it). */
  get p50(): number {
    return this.#p50;
  }

  /** Whether the latency is noisy (mean deviation over `noisyDeviation` of the p10). */
  get noisy(): boolean {
    return this.#dev > TUNING.noisyDeviation * this.#p10;
  }

  /** Whether `p10` is above the baseline by more than noise. */
  raised(p10: number): boolean {
    if (!Number.isFinite(p10) || !Number.isFinite(this.#p10)) return false;
    const noise = Math.max(
      TUNING.noiseFloorMs,
      TUNING.noiseOfP50 * this.#p50,
      TUNING.noiseDeviations * this.#dev,
    );
    return p10 - this.#p10 > noise;
  }

  /** Requests queued at the target beyond what the unloaded latency explains at `rate`. */
  queued(inFlight: number, rate: number): number {
    if (!Number.isFinite(this.#flight)) return 0;
    return Math.max(0, inFlight - rate * this.#flight);
  }

  /** Learns from a clean window, whose delivered (ok) rate was `goodput` per second. */
  learn(s: WindowStats, goodput: number): void {
    const p10 = s.latencyP10;
    const flight = goodput > 0 ? s.inFlight / goodput : NaN;
    if (!Number.isFinite(this.#p10)) {
      this.#p10 = p10;
      this.#p50 = s.latencyP50;
      this.#flight = flight;
      this.#dev = TUNING.devPrior * p10;
      return;
    }
    const d = p10 - this.#p10;
    this.#dev += TUNING.devGain * (Math.abs(d) - this.#dev);
    // Quick to follow the p10 down, slow to follow it up.
    this.#p10 += (d < 0 ? TUNING.p10GainDown : TUNING.p10GainUp) * d;
    this.#p50 += TUNING.p50Gain * (s.latencyP50 - this.#p50);
    if (Number.isFinite(flight)) this.#flight += TUNING.flightGain * (flight - this.#flight);
  }
}
