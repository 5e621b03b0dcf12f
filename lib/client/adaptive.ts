/**
 * Adaptive rate controllers, pure: window statistics in, next rate out. No clock, no I/O; the
 * run loop and the simulator feed them the same {@linkcode WindowStats}.
 *
 * - {@linkcode SeedController} (`--adaptive=seed`): the source document's EWMA of the measured
 *   send interval with a dead zone, kept faithfully as the reference to beat.
 * - {@linkcode CapacityController} (`--adaptive`): sees both sides of the bottleneck. On the
 *   client side, dispatch lag and a growing queue; on the target side, overload errors
 *   (503/429/timeouts/connection failures) and queueing delay, read from a low latency percentile
 *   (p10) against its unloaded baseline, as Envoy's and BBR's min-RTT (noise moves the median, a
 *   queue moves every percentile). On congestion it sets the rate from the measured goodput (what
 *   the target delivered, as BBR does), drains the queue it built for one window, holds, then
 *   probes upward with growing steps so it finds capacity that grows.
 *
 * @module
 */

import type { WindowStats } from "./window_stats.ts";

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

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/**
 * Fewest completions a window needs before a controller reads it: the driver extends a window
 * (up to {@linkcode MAX_WINDOW_MS}) until it has them, so percentiles are not read off a handful.
 */
export const MIN_WINDOW_COMPLETIONS = 20;
/**
 * How long the capacity controller remembers what the target delivered at a cut, ms: probes go
 * at the smallest step up to the highest of them (and 5% past), so a capacity found is not
 * overshot at a growing step; a capacity that fell is forgotten after this long.
 */
export const PEAK_MS = 10_000;
/** Longest a window is extended while waiting for completions, ms. */
export const MAX_WINDOW_MS = 2000;

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

  constructor(options: ControllerOptions & { alpha?: number }) {
    this.#target = options.target;
    this.#min = options.minRate ?? 1;
    this.initialRate = options.target;
    this.#alpha = options.alpha ?? 0.2;
  }

  get cuts(): number {
    return this.#cuts;
  }

  setTarget(target: number): void {
    this.#target = Math.max(this.#min, target);
  }

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

/** Tunables of {@linkcode CapacityController}, with their defaults. */
export interface CapacityControllerOptions extends ControllerOptions {
  /** Fraction of the measured goodput to settle at after a cut (default 0.97). */
  headroom?: number;
  /** Overload fraction of completions that counts as congestion (default 0.01). */
  errorThreshold?: number;
  /** How long to hold after a cut before probing again, ms (default 2000). */
  holdMs?: number;
  /** Probe step (fraction of the rate per window, default 0.02); doubles every 4 clean windows. */
  probeStep?: number;
  /** Largest probe step (default 0.25). */
  maxProbeStep?: number;
  /** Shortest window, ms (default 250). */
  minWindowMs?: number;
  /** Starting rate (default target/8, at least minRate); startup doubles it each clean window. */
  startRate?: number;
}

type Phase = "startup" | "drain" | "hold" | "probe";

/**
 * Shortest window in start-up, ms: each one doubles the rate, so the last one overshoots the
 * capacity up to 2x, and its length is what that costs (against a limiter, half its requests
 * refused: 70 503s of a 35 s run at 300/s with 250 ms windows, in the simulator and on nginx).
 */
export const STARTUP_WINDOW_MS = 100;

/**
 * tpsdemo's controller (`--adaptive`). See the module doc for the idea; the phases:
 * - `startup`: double each clean window ({@linkcode STARTUP_WINDOW_MS}), up to the target;
 * - on congestion (overload errors over 1%, queueing delay for two windows, or client lag):
 *   `settle = goodput · headroom`, then `drain`: below `settle` by what the queue it built needs
 *   (the in-flight requests beyond Little's law at the unloaded latency), window after window
 *   until that queue is gone;
 * - `hold` at `settle` (2 s; 0.5 s after a start-up cut), then `probe`: +2% a window up to 5%
 *   past the capacity found (the most delivered at a cut in the last {@linkcode PEAK_MS}), +1%
 *   within 5% of it, then the step doubles every four clean windows, so a capacity that grows is
 *   found in seconds while a probe past a fixed one costs little.
 * Latency alone moves nothing: a cut needs errors, or a low percentile (p10) above its baseline
 * by more than noise (max(1 ms, 10% of p50, 4 mean deviations)) twice in a row.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const c = new CapacityController({ target: 2000 });
 * assert.equal(c.initialRate, 250);
 * ```
 */
export class CapacityController implements Controller {
  readonly name = "capacity";
  readonly initialRate: number;
  #o: Required<CapacityControllerOptions>;
  #phase: Phase = "startup";
  #cuts = 0;
  #baseP10 = NaN;
  #baseP50 = NaN;
  /** Mean time in flight when unloaded (Little's law: in-flight / goodput), seconds. */
  #baseFlight = NaN;
  #dev = 0;
  #latencyStreak = 0;
  #phaseSince = 0;
  #settle = NaN;
  #probes = 0;
  #prevGoodput = NaN;
  #clientCeiling = Infinity;
  /** How long the hold after the last cut lasts, ms (shorter after a start-up cut). */
  #holdFor = 0;
  /** Whether the last cut came in start-up (its settle point is not a capacity found). */
  #startupCut = false;
  /** What the target delivered at each congestion cut of the last PEAK_MS, and when. */
  #found: { t: number; goodput: number }[] = [];

  constructor(options: CapacityControllerOptions) {
    const min = options.minRate ?? 1;
    this.#o = {
      target: options.target,
      minRate: min,
      headroom: options.headroom ?? 0.97,
      errorThreshold: options.errorThreshold ?? 0.01,
      holdMs: options.holdMs ?? 2000,
      probeStep: options.probeStep ?? 0.02,
      maxProbeStep: options.maxProbeStep ?? 0.25,
      minWindowMs: options.minWindowMs ?? 250,
      startRate: options.startRate ?? Math.max(min, options.target / 8),
    };
    this.initialRate = clamp(this.#o.startRate, min, options.target);
  }

  get cuts(): number {
    return this.#cuts;
  }

  setTarget(target: number): void {
    this.#o.target = Math.max(this.#o.minRate, target);
  }

  /** The current phase. */
  get phase(): Phase {
    return this.#phase;
  }

  /** The unloaded latency baseline (p10, p50) learned so far, ms. */
  get baseline(): { p10: number; p50: number } {
    return { p10: this.#baseP10, p50: this.#baseP50 };
  }

  #windowMs(s: WindowStats): number {
    const p50 = Number.isFinite(s.latencyP50) ? s.latencyP50 : 0;
    // Start-up doubles the rate each window: short ones, so an overshoot lasts little.
    const min = this.#phase === "startup" ? STARTUP_WINDOW_MS : this.#o.minWindowMs;
    return Math.max(min, 2 * p50);
  }

  #enter(phase: Phase, now: number) {
    this.#phase = phase;
    this.#phaseSince = now;
  }

  /** Requests queued at the target beyond what the unloaded latency explains. */
  #queued(s: WindowStats, rate: number): number {
    if (!Number.isFinite(this.#baseFlight)) return 0;
    return Math.max(0, s.inFlight - rate * this.#baseFlight);
  }

  #drainRate(windowMs: number, queued: number): number {
    return Math.max(this.#settle * 0.5, this.#settle - queued / (windowMs / 1000));
  }

  next(s: WindowStats): Decision {
    const o = this.#o;
    const sec = s.durationMs / 1000;
    const interval = 1000 / s.rate;
    const sendRate = s.sent / sec;
    const goodputNow = s.ok / sec;
    // Two windows of goodput: one window's count moves with latency noise at its edges.
    const goodput = Number.isFinite(this.#prevGoodput)
      ? (goodputNow + this.#prevGoodput) / 2
      : goodputNow;
    this.#prevGoodput = goodputNow;
    while (this.#found.length > 0 && this.#found[0].t < s.now - PEAK_MS) this.#found.shift();
    const errFrac = s.completed > 0 ? s.overload / s.completed : 0;
    const windowMs = this.#windowMs(s);

    // Client side: its queue growing, or sends later than a slot with a queue not draining.
    const clientLimited = s.queueEnd > 0 && s.queueEnd >= s.queueStart &&
      (s.queueEnd > s.queueStart || s.lagP90 > Math.max(interval, 1));
    // Target side: overload errors, or queueing delay on a low percentile for two windows.
    const p10 = s.latencyP10;
    let latencyUp = false;
    if (Number.isFinite(p10) && Number.isFinite(this.#baseP10)) {
      const threshold = Math.max(1, 0.1 * this.#baseP50, 5 * this.#dev);
      latencyUp = p10 - this.#baseP10 > threshold;
    }
    this.#latencyStreak = latencyUp ? this.#latencyStreak + 1 : 0;
    const errors = errFrac > o.errorThreshold;
    // Two windows in a row, three where the latency itself is noisy (deviation over 8% of p10).
    const streakNeeded = this.#dev > 0.08 * this.#baseP10 ? 3 : 2;
    const congested = errors || this.#latencyStreak >= streakNeeded;

    const clean = !errors && !latencyUp && !clientLimited && Number.isFinite(p10) && s.ok >= 10;
    if (clean && this.#phase !== "drain") {
      // Learn the unloaded latency: quick to follow it down, slow to follow it up.
      const flight = goodputNow > 0 ? s.inFlight / goodputNow : NaN;
      if (!Number.isFinite(this.#baseP10)) {
        this.#baseP10 = p10;
        this.#baseP50 = s.latencyP50;
        this.#baseFlight = flight;
        // A prior on the noise until windows show it: a quarter of the first reading.
        this.#dev = 0.25 * p10;
      } else {
        const d = p10 - this.#baseP10;
        this.#dev += 0.1 * (Math.abs(d) - this.#dev);
        this.#baseP10 += (d < 0 ? 0.5 : 0.05) * d;
        this.#baseP50 += 0.05 * (s.latencyP50 - this.#baseP50);
        if (Number.isFinite(flight)) this.#baseFlight += 0.1 * (flight - this.#baseFlight);
      }
    }

    if (this.#phase === "drain") {
      // The queue we built still shows in latency while it drains: only errors cut again.
      if (!errors) {
        const queued = this.#queued(s, this.#settle);
        if (queued > Math.max(2, 0.01 * this.#settle) && s.now - this.#phaseSince < 5000) {
          return { rate: this.#drainRate(windowMs, queued), windowMs, reason: "drain" };
        }
        this.#latencyStreak = 0;
        this.#enter("hold", s.now);
        return { rate: this.#settle, windowMs, reason: "settle" };
      }
    }

    if (congested || clientLimited) {
      this.#cuts++;
      this.#probes = 0;
      this.#latencyStreak = 0;
      let reason: string;
      if (congested) {
        // What the target delivered: the two windows' mean; when it refuses, the last window's
        // if lower, as a limiter's burst lets more through for a while than it sustains, and the
        // mean still holds the window it went through in.
        const delivered = errors ? Math.min(goodput, goodputNow) : goodput;
        if (this.#phase !== "startup") this.#found.push({ t: s.now, goodput: delivered });
        this.#settle = clamp(delivered * o.headroom, o.minRate, o.target);
        reason = errors ? "cut:errors" : "cut:latency";
      } else {
        // What was sent can run past what the target delivers (a burst into its queue during
        // start-up): settle at the lower of the two, or the drain that follows never empties the
        // target's queue and the settle point overshoots its capacity.
        const delivered = Math.min(sendRate, goodputNow);
        this.#clientCeiling = sendRate;
        this.#settle = clamp(delivered * 0.95, o.minRate, o.target);
        reason = "cut:client";
      }
      // A start-up cut reads its goodput off short windows of a rate that doubled each time, and
      // often low (0.66x of a FastAPI target's capacity in a real run): a short hold, and the
      // probes that follow escalate from it.
      this.#startupCut = this.#phase === "startup";
      this.#holdFor = this.#startupCut ? o.holdMs / 4 : o.holdMs;
      this.#enter("drain", s.now);
      const queued = congested ? this.#queued(s, this.#settle) : s.queueEnd;
      const rate = clamp(this.#drainRate(windowMs, queued), o.minRate, o.target);
      return { rate, windowMs, reason };
    }

    switch (this.#phase) {
      case "startup":
        return { rate: clamp(s.rate * 2, o.minRate, o.target), windowMs, reason: "startup" };
      case "hold":
        if (s.now - this.#phaseSince < this.#holdFor) {
          return { rate: this.#settle, windowMs, reason: "hold" };
        }
        this.#enter("probe", s.now);
        break;
    }
    if (s.rate >= o.target) return { rate: o.target, windowMs, reason: "hold" };
    // Probing past a client ceiling we hit before goes at half the smallest step; up to 10%
    // past the last capacity found, at the smallest step (up to 5% past it); beyond that (it grew),
    // the step doubles every four clean windows.
    // A client ceiling is what the client could send once (a start-up burst, a busy machine):
    // forgotten once a clean window sends past it, or probing would creep at the half step for
    // ever after (it did: a climb back after a loss took 12 s).
    if (clean && sendRate >= this.#clientCeiling * 1.05) this.#clientCeiling = Infinity;
    const nearCeiling = s.rate >= this.#clientCeiling * 0.95 &&
      s.rate < this.#clientCeiling * 1.05;
    // The capacity last found: the settle point's, or the most the target delivered at a cut of
    // the last PEAK_MS, whichever is higher (one cut read low, off a window not yet saturated,
    // and probes escalated right where the capacity was: overshoots of 10%, cuts, drains).
    let known = this.#startupCut ? 0 : this.#settle / o.headroom;
    for (const f of this.#found) known = Math.max(known, f.goodput);
    if (s.rate < known * 1.05) this.#probes = 0;
    // Near the capacity found (within 5% of it) half the step: the latency needs two or three
    // windows to show a queue, and the probe climbs meanwhile (+2% a window went 6-8% past it).
    const nearKnown = s.rate >= known * 0.95 && s.rate < known * 1.05;
    const step = nearCeiling || nearKnown
      ? o.probeStep / 2
      : Math.min(o.maxProbeStep, o.probeStep * 2 ** Math.floor(this.#probes / 4));
    this.#probes++;
    return { rate: clamp(s.rate * (1 + step), o.minRate, o.target), windowMs, reason: "probe" };
  }
}

/**
 * Builds the controller for `--adaptive[=seed]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(createController("seed", { target: 100 }).name, "seed");
 * ```
 */
export function createController(
  mode: "seed" | "capacity",
  options: ControllerOptions,
): Controller {
  return mode === "seed" ? new SeedController(options) : new CapacityController(options);
}
