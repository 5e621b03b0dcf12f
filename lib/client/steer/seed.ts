/**
 * {@linkcode SeedController} (`--adaptive=seed`): the source document's EWMA of the measured
 * send interval with a dead zone, kept faithfully as the reference to beat.
 *
 * @module
 */

import type { WindowStats } from "../record/mod.ts";
import { clamp, type Controller, type ControllerOptions, type Decision } from "./controller.ts";

/**
 * The source document's adaptive rate, faithfully: an EWMA of the measured send interval;
 * ×0.9 when `ewma/interval > 1.1`, +1 when `< 0.95`, clamped to [1, target]. It starts at the
 * target and applies once per window (the source applied it per tick; per window keeps the same
 * dead zone and lets both controllers share one driver).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const seed = new SeedController({ target: 100 });
 * assert.equal(seed.initialRate, 100);
 * ```
 */
export class SeedController implements Controller {
  readonly name = "seed";
  readonly initialRate: number;
  #target: number;
  #min: number;
  #ewma = NaN;
  #cuts = 0;
  #alpha: number;

  /** `alpha` is the EWMA's weight of the newest window (default 0.2). */
  constructor(options: ControllerOptions & { alpha?: number }) {
    this.#target = options.target;
    this.#min = options.minRate ?? 1;
    this.initialRate = options.target;
    this.#alpha = options.alpha ?? 0.2;
  }

  /** Decisions that lowered the rate. */
  get cuts(): number {
    return this.#cuts;
  }

  /** Moves the ceiling (at least the lowest rate). */
  setTarget(target: number): void {
    this.#target = Math.max(this.#min, target);
  }

  /** Next rate from the last window's statistics. */
  next(s: WindowStats): Decision {
    const interval = 1000 / s.rate;
    const measured = s.sent > 0 ? s.durationMs / s.sent : s.durationMs;
    this.#ewma = Number.isNaN(this.#ewma)
      ? measured
      : this.#alpha * measured + (1 - this.#alpha) * this.#ewma;
    const ratio = this.#ewma / interval;
    let rate = s.rate;
    let reason = "hold";
    if (ratio > 1.1) {
      rate = s.rate * 0.9;
      reason = "cut:interval";
    } else if (ratio < 0.95) {
      rate = s.rate + 1;
      reason = "probe";
    }
    rate = clamp(rate, this.#min, this.#target);
    if (rate < s.rate) this.#cuts++;
    return { rate, windowMs: 250, reason };
  }
}
