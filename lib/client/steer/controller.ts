/**
 * What an adaptive rate controller is: pure, window statistics in, next rate out. No clock, no
 * I/O; the run loop and the simulator feed every controller the same {@linkcode WindowStats},
 * and end each window by the same rule ({@linkcode MIN_WINDOW_COMPLETIONS},
 * {@linkcode MAX_WINDOW_MS}). The controllers are in `seed.ts` (`--adaptive=seed`) and
 * `capacity.ts` (`--adaptive`); `create.ts` builds the one a run asks for.
 *
 * @module
 */

import type { WindowStats } from "../record/mod.ts";

/** A controller's decision. */
export interface Decision {
  /** Next rate (ticks/s). */
  rate: number;
  /** Length of the next window (ms). */
  windowMs: number;
  /** Why, for the stats line and the JSON (`hold`, `probe`, `cut:overload`, …). */
  reason: string;
}

/** A rate controller. */
export interface Controller {
  readonly name: string;
  /** The rate to start at. */
  readonly initialRate: number;
  /** Decisions that lowered the rate. */
  readonly cuts: number;
  /** Next rate from the last window's statistics. */
  next(stats: WindowStats): Decision;
  /** Moves the ceiling (run-time control, or a `--stages` plan): never above it from now on. */
  setTarget(target: number): void;
}

/** Options shared by the controllers. */
export interface ControllerOptions {
  /** The rate asked for: the controllers never go above it. */
  target: number;
  /** Lowest rate (default 1). */
  minRate?: number;
}

/**
 * Fewest completions a window needs before a controller reads it: the driver extends a window
 * (up to {@linkcode MAX_WINDOW_MS}) until it has them, so percentiles are not read off a handful.
 */
export const MIN_WINDOW_COMPLETIONS = 20;
/** Longest a window is extended while waiting for completions, ms. */
export const MAX_WINDOW_MS = 2000;

/**
 * `v` clamped to `[lo, hi]` (`hi` wins when `lo > hi`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(clamp(5, 1, 3), 3);
 * ```
 */
export const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));
