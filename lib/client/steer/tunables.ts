/**
 * The capacity controller's tunables, all in one place: the options a caller may set
 * ({@linkcode CapacityControllerOptions}) and {@linkcode TUNING}, their defaults and the fixed
 * constants, each with what it does and why. How each figure was measured is in BENCHMARKS.md.
 *
 * @module
 */

import type { ControllerOptions } from "./controller.ts";

/** Options of the capacity controller; the defaults are in {@linkcode TUNING}. */
export interface CapacityControllerOptions extends ControllerOptions {
  /** Fraction of what the target delivered to settle at after a congestion cut (default 0.97). */
  headroom?: number;
  /** Overload fraction of completions that counts as congestion (default 0.01). */
  errorThreshold?: number;
  /** How long to hold after a drain before probing, ms (default 2000; ¼ after a start-up cut). */
  holdMs?: number;
  /** Probe step, fraction of the rate per window (default 0.02); see {@linkcode TUNING}. */
  probeStep?: number;
  /** Largest probe step (default 0.25). */
  maxProbeStep?: number;
  /** Shortest window after start-up, ms (default 250). */
  minWindowMs?: number;
  /** Starting rate (default target/8, at least minRate); start-up doubles it each window. */
  startRate?: number;
}

/** The capacity controller's defaults and fixed constants. */
export const TUNING = {
  // Defaults of the options.
  /** After a congestion cut, settle at this part of what was delivered: its queue then empties. */
  headroom: 0.97,
  /** Overload errors over this part of completions are congestion, not the odd failure. */
  errorThreshold: 0.01,
  /** Hold after a drain, ms: windows at the settle point show the emptied target before a climb. */
  holdMs: 2000,
  /** Probe step per window: small, so a probe past capacity builds little queue before it shows. */
  probeStep: 0.02,
  /** Largest escalated probe step: a capacity that grew is reached fast, not leapt far past. */
  maxProbeStep: 0.25,
  /** Shortest window after start-up, ms: completions enough for a p10, four decisions a second. */
  minWindowMs: 250,
  /** Start at the target over this: three doublings reach it, and no burst at it comes first. */
  startDivisor: 8,

  // Start-up and windows.
  /** Shortest start-up window, ms: each doubles the rate; a short one cuts a 2x overshoot short. */
  startupWindowMs: 100,
  /** Start-up's rate factor per window: the capacity is found in log2(target/start) windows. */
  startupGrowth: 2,
  /** A window lasts at least this many p50s, so most of what it sends completes within it. */
  windowP50s: 2,

  // Reading congestion.
  /** A p10 rise under this, ms, is noise whatever the baseline: timer and scheduling jitter. */
  noiseFloorMs: 1,
  /** ... or under this part of the baseline p50: the noise grows with the latency. */
  noiseOfP50: 0.1,
  /** ... or under this many mean deviations of the p10 from its baseline: the noise measured. */
  noiseDeviations: 5,
  /** Windows in a row of a raised p10 that make a cut: one raised window can be noise. */
  latencyWindows: 2,
  /** ... where the latency is noisy (see `noisyDeviation`): noise raises more windows in a row. */
  noisyLatencyWindows: 3,
  /** The latency is noisy when its mean deviation is over this part of the baseline p10. */
  noisyDeviation: 0.08,
  /** A dispatch lag (p90) under this, ms, is on time whatever the send interval: timer jitter. */
  lagFloorMs: 1,

  // Learning the unloaded latency (from clean windows outside a drain).
  /** Fewest ok completions in a clean window (one that teaches): fewer give no p10 to trust. */
  minCleanOk: 10,
  /** Noise assumed until windows show it, a part of the first p10: one reading shows no spread. */
  devPrior: 0.25,
  /** EWMA gain of the p10's mean deviation: about ten windows, to follow the noise as it moves. */
  devGain: 0.1,
  /** EWMA gain of the p10 baseline downward: quick, a lower p10 is the unloaded latency showing. */
  p10GainDown: 0.5,
  /** EWMA gain of the p10 baseline upward: slow, so a queue building slowly is not learned. */
  p10GainUp: 0.05,
  /** EWMA gain of the p50 baseline: slow, as it only sets a noise floor. */
  p50Gain: 0.05,
  /** EWMA gain of the unloaded time in flight (Little's law), which sizes drains: ten windows. */
  flightGain: 0.1,

  // Cuts and drains.
  /** After a client cut, settle at this part of the lower of sent and delivered: under it. */
  clientHeadroom: 0.95,
  /** Part of `holdMs` to hold after a start-up cut: its settle point is often read low. */
  startupHoldFraction: 0.25,
  /** A drain goes no lower than this part of the settle point: a queue misread costs little. */
  drainFloor: 0.5,
  /** A target queue of at most this many requests counts as drained: in-flight counts jitter. */
  drainedRequests: 2,
  /** ... or of at most this part of the settle rate: the jitter grows with the rate. */
  drainedFraction: 0.01,
  /** Longest a drain goes on, ms: against a stale baseline (a slower target) a queue never ends. */
  maxDrainMs: 5000,

  // Probing.
  /** How long what was delivered at a cut counts as a capacity found, ms: a fallen one goes. */
  peakMs: 10_000,
  /** Near a capacity found or client ceiling (this part either side): the near step; past, grow. */
  nearBand: 0.05,
  /** The near step, a part of `probeStep`: a queue takes two or three windows to show. */
  nearStepFraction: 0.5,
  /** Past the capacity found the step doubles every this many probes: a grown one is found fast. */
  probesPerDoubling: 4,
} as const;
