/**
 * The five pacers of source 2, as they were written: (1) `sleep(1/tps)` after each call; (2) an
 * absolute schedule, `next_tick += interval`; (3) sleep, then a busy-wait for the last 0.5 ms;
 * (4) AIMD on the measured interval (> 1.5x planned: ×0.7, else +1); (5) an EWMA (α 0.2) of the
 * measured interval with a dead zone (> 1.1: ×0.9, < 0.95: +1, clamped to [1, target]).
 *
 * On a real target they run as the source wrote them, in Python (`pacers.py`). For the simulator,
 * the two adaptive ones are controllers here ({@linkcode AimdController}; the EWMA is tpsdemo's
 * own `SeedController`, which keeps the source's rule), and {@linkcode FixedController} is what
 * pacers 1–3 are to it: a fixed rate (its virtual clock has no timer error, so their timing does
 * not differ there).
 *
 * @module
 */

import { clamp, type Controller, type Decision } from "../../lib/client/steer/mod.ts";
import type { WindowStats } from "../../lib/client/record/mod.ts";

/** The source's pacers, by number. */
export type PacerKind = 1 | 2 | 3 | 4 | 5;

/** The source's names for them. */
export const PACER_NAMES: Record<PacerKind, string> = {
  1: "1 sleep(1/tps) after each call",
  2: "2 absolute schedule",
  3: "3 sleep + spin (0.5 ms)",
  4: "4 AIMD (x0.7 / +1)",
  5: "5 EWMA + dead zone",
};

/**
 * Source pacer 4 for the simulator: AIMD on the measured send interval, once per window (as
 * tpsdemo's `SeedController` applies pacer 5: the same rule, one driver for every controller).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(new AimdController(100).initialRate, 100);
 * ```
 */
export class AimdController implements Controller {
  readonly name = "aimd";
  readonly initialRate: number;
  #target: number;
  #cuts = 0;

  /** Starts at `target`, never above it. */
  constructor(target: number) {
    this.initialRate = this.#target = target;
  }

  /** Decisions that lowered the rate. */
  get cuts(): number {
    return this.#cuts;
  }

  /** Moves the ceiling. */
  setTarget(target: number): void {
    this.#target = Math.max(1, target);
  }

  /** ×0.7 when the window's send interval exceeded 1.5x the planned one, else +1. */
  next(s: WindowStats): Decision {
    const measured = s.sent > 0 ? s.durationMs / s.sent : s.durationMs;
    const cut = measured > 1.5 * (1000 / s.rate);
    if (cut) this.#cuts++;
    const rate = clamp(cut ? s.rate * 0.7 : s.rate + 1, 1, this.#target);
    return { rate, windowMs: 250, reason: cut ? "cut:interval" : "probe" };
  }
}

/**
 * A fixed rate: pacers 1–3 to the simulator.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(new FixedController(100).initialRate, 100);
 * ```
 */
export class FixedController implements Controller {
  readonly name = "fixed";
  readonly cuts = 0;
  readonly initialRate: number;

  /** Always `rate`. */
  constructor(rate: number) {
    this.initialRate = rate;
  }

  /** Nothing moves it. */
  setTarget(): void {}

  /** The same rate, every window. */
  next(_s: WindowStats): Decision {
    return { rate: this.initialRate, windowMs: 250, reason: "hold" };
  }
}
