/**
 * {@linkcode CapacityController} (`--adaptive`): a rate controller that sees both sides of the
 * bottleneck. On the client side, its queue and dispatch lag; on the target side, overload errors
 * (503/429/timeouts/connection failures) and queueing delay, read from a low latency percentile
 * (p10) against its unloaded baseline, as Envoy's and BBR's min-RTT (noise moves the median, a
 * queue moves every percentile). On congestion it sets the rate from the measured goodput (what
 * the target delivered, as BBR does), drains the queue it built, holds, then probes upward with
 * steps that grow past the capacity found. Its tunables are in `tunables.ts`.
 *
 * @module
 */

import type { WindowStats } from "../record/mod.ts";
import { clamp, type Controller, type Decision } from "./controller.ts";
import { type CapacityControllerOptions, TUNING } from "./tunables.ts";
import { Baseline } from "./baseline.ts";

type Phase = "startup" | "drain" | "hold" | "probe";

/** What one window says, read before the decision changes anything. */
interface Reading {
  /** Length of the next window, ms. */
  windowMs: number;
  /** Sent and delivered (ok) per second in the window. */
  sendRate: number;
  goodputNow: number;
  /** Delivered per second, the mean of this window and the last. */
  goodput: number;
  /** Overload errors over the threshold. */
  errors: boolean;
  /** Overload errors, or the p10 raised (above its baseline by more than noise) for long enough. */
  congested: boolean;
  /** The client's queue growing, or not draining while its sends run late. */
  clientLimited: boolean;
  /** No errors, no raised p10, no client limit, and a p10 off enough ok completions. */
  clean: boolean;
}

/**
 * tpsdemo's controller (`--adaptive`). See the module doc for the idea; the phases, with the
 * defaults of {@linkcode TUNING}:
 * - `startup`: double the rate each window that does not cut, up to the target (windows ≥ 100 ms);
 * - a cut, on congestion (overload errors over 1% of completions, or a raised p10 two windows in
 *   a row, three where the latency is noisy) or on the client falling behind: settle at 0.97 of
 *   what the target delivered, or after a client cut 0.95 of the lower of sent and delivered;
 * - `drain`: below the settle point by what empties the queue in a window (the target's queue:
 *   the in-flight requests beyond Little's law at the unloaded latency; at a client cut, the
 *   client's own), never below half the settle point, window after window while the target's
 *   queue lasts, for 5 s at most; in a drain only errors cut again;
 * - `hold` at the settle point (2 s; 0.5 s after a start-up cut), then `probe`: +2% a window
 *   below the capacity found (the settle point over the headroom, none after a start-up cut, or
 *   the most delivered at a congestion cut in the last 10 s, whichever is higher), +1% within 5%
 *   of it or of a client ceiling hit before, and past it the step doubles every four probe
 *   windows (up to 25%), so a capacity that grows is found in seconds while a probe past a fixed
 *   one costs little. At the target it holds there.
 * Latency noise moves nothing: a latency cut needs the p10 above its baseline by more than noise
 * (max(1 ms, 10% of the baseline p50, 5 mean deviations)).
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
  #base = new Baseline();
  #latencyStreak = 0;
  #phaseSince = 0;
  #settle = NaN;
  /** Probe windows since the last cut, or since one whose rate was under 5% past the capacity. */
  #probes = 0;
  #prevGoodput = NaN;
  /** What the client sent at the last client cut; Infinity before one, or once sent 5% past. */
  #clientCeiling = Infinity;
  /** How long the hold after the last cut lasts, ms (shorter after a start-up cut). */
  #holdFor = 0;
  /** Whether the last cut came in start-up (its settle point is not a capacity found). */
  #startupCut = false;
  /** What the target delivered at each congestion cut after start-up, of the last `peakMs`. */
  #found: { t: number; goodput: number }[] = [];

  /** Options left out take their defaults from {@linkcode TUNING}. */
  constructor(options: CapacityControllerOptions) {
    const min = options.minRate ?? 1;
    this.#o = {
      target: options.target,
      minRate: min,
      headroom: options.headroom ?? TUNING.headroom,
      errorThreshold: options.errorThreshold ?? TUNING.errorThreshold,
      holdMs: options.holdMs ?? TUNING.holdMs,
      probeStep: options.probeStep ?? TUNING.probeStep,
      maxProbeStep: options.maxProbeStep ?? TUNING.maxProbeStep,
      minWindowMs: options.minWindowMs ?? TUNING.minWindowMs,
      startRate: options.startRate ?? Math.max(min, options.target / TUNING.startDivisor),
    };
    this.initialRate = clamp(this.#o.startRate, min, options.target);
  }

  /** Decisions that lowered the rate. */
  get cuts(): number {
    return this.#cuts;
  }

  /** Moves the ceiling (at least the lowest rate). */
  setTarget(target: number): void {
    this.#o.target = Math.max(this.#o.minRate, target);
  }

  /** The current phase. */
  get phase(): Phase {
    return this.#phase;
  }

  /** The unloaded latency baseline (p10, p50) learned so far, ms. */
  get baseline(): { p10: number; p50: number } {
    return { p10: this.#base.p10, p50: this.#base.p50 };
  }

  /** Next rate from the last window's statistics. */
  next(s: WindowStats): Decision {
    const r = this.#read(s);
    // A drain's windows still show the queue it built: none teaches, and only errors cut again.
    if (r.clean && this.#phase !== "drain") this.#base.learn(s, r.goodputNow);
    if (this.#phase === "drain" && !r.errors) return this.#drain(s, r);
    if (r.congested || r.clientLimited) return this.#cut(s, r);
    switch (this.#phase) {
      case "startup": {
        const rate = this.#clamp(s.rate * TUNING.startupGrowth);
        return { rate, windowMs: r.windowMs, reason: "startup" };
      }
      case "hold":
        return this.#hold(s, r);
      default:
        return this.#probe(s, r);
    }
  }

  #clamp(rate: number): number {
    return clamp(rate, this.#o.minRate, this.#o.target);
  }

  #enter(phase: Phase, now: number) {
    this.#phase = phase;
    this.#phaseSince = now;
  }

  /** Reads the window; keeps what the next read needs (goodput, the latency streak, `#found`). */
  #read(s: WindowStats): Reading {
    const sec = s.durationMs / 1000;
    const goodputNow = s.ok / sec;
    // Two windows of goodput: one window's count moves with latency noise at its edges.
    const goodput = Number.isFinite(this.#prevGoodput)
      ? (goodputNow + this.#prevGoodput) / 2
      : goodputNow;
    this.#prevGoodput = goodputNow;
    while (this.#found.length > 0 && this.#found[0]!.t < s.now - TUNING.peakMs) this.#found.shift();
    const errors = (s.completed > 0 ? s.overload / s.completed : 0) > this.#o.errorThreshold;
    const latencyUp = this.#base.raised(s.latencyP10);
    this.#latencyStreak = latencyUp ? this.#latencyStreak + 1 : 0;
    const streak = this.#base.noisy ? TUNING.noisyLatencyWindows : TUNING.latencyWindows;
    const clientLimited = this.#clientLimited(s);
    return {
      windowMs: this.#windowMs(s),
      sendRate: s.sent / sec,
      goodputNow,
      goodput,
      errors,
      congested: errors || this.#latencyStreak >= streak,
      clientLimited,
      clean: !errors && !latencyUp && !clientLimited && Number.isFinite(s.latencyP10) &&
        s.ok >= TUNING.minCleanOk,
    };
  }

  /** Next window's length: two p50s, at least `minWindowMs` (`startupWindowMs` in start-up). */
  #windowMs(s: WindowStats): number {
    const p50 = Number.isFinite(s.latencyP50) ? s.latencyP50 : 0;
    const min = this.#phase === "startup" ? TUNING.startupWindowMs : this.#o.minWindowMs;
    return Math.max(min, TUNING.windowP50s * p50);
  }

  /** The client's queue growing, or not draining while its p90 lag exceeds a slot (and 1 ms). */
  #clientLimited(s: WindowStats): boolean {
    const interval = 1000 / s.rate;
    return s.queueEnd > 0 && s.queueEnd >= s.queueStart &&
      (s.queueEnd > s.queueStart || s.lagP90 > Math.max(interval, TUNING.lagFloorMs));
  }

  /** Below the settle point by what empties `queued` in a window, half of it at the least. */
  #drainRate(windowMs: number, queued: number): number {
    return Math.max(this.#settle * TUNING.drainFloor, this.#settle - queued / (windowMs / 1000));
  }

  /** Cuts: sets the settle point below what was delivered (or sent), and starts a drain. */
  #cut(s: WindowStats, r: Reading): Decision {
    this.#cuts++;
    this.#probes = 0;
    this.#latencyStreak = 0;
    const reason = r.congested ? this.#settleOnTarget(s, r) : this.#settleOnClient(r);
    // A start-up cut reads its goodput off short windows of a rate that doubled each time, often
    // low: a short hold, and no capacity found, so the probes that follow escalate from it.
    this.#startupCut = this.#phase === "startup";
    this.#holdFor = this.#o.holdMs * (this.#startupCut ? TUNING.startupHoldFraction : 1);
    this.#enter("drain", s.now);
    // The queue to drain: the target's on congestion, the client's own on client lag.
    const queued = r.congested ? this.#base.queued(s.inFlight, this.#settle) : s.queueEnd;
    return { rate: this.#clamp(this.#drainRate(r.windowMs, queued)), windowMs: r.windowMs, reason };
  }

  /** A congestion cut's settle point: below what the target delivered. Returns the reason. */
  #settleOnTarget(s: WindowStats, r: Reading): string {
    // What the target delivered: the two windows' mean; when it refuses, the last window's if
    // lower, as a limiter's burst lets more through for a while than it sustains, and the mean
    // still holds the window it went through in.
    const delivered = r.errors ? Math.min(r.goodput, r.goodputNow) : r.goodput;
    if (this.#phase !== "startup") this.#found.push({ t: s.now, goodput: delivered });
    this.#settle = this.#clamp(delivered * this.#o.headroom);
    return r.errors ? "cut:errors" : "cut:latency";
  }

  /** A client cut's settle point: below what the client sent and the target delivered. */
  #settleOnClient(r: Reading): string {
    // What was sent can run past what the target delivers (a burst into its queue during
    // start-up): settle at the lower of the two, or the drain that follows never empties the
    // target's queue and the settle point overshoots its capacity.
    const delivered = Math.min(r.sendRate, r.goodputNow);
    this.#clientCeiling = r.sendRate;
    this.#settle = this.#clamp(delivered * TUNING.clientHeadroom);
    return "cut:client";
  }

  /** Drains while the target's queue lasts, `maxDrainMs` at most; then holds (`settle`). */
  #drain(s: WindowStats, r: Reading): Decision {
    const queued = this.#base.queued(s.inFlight, this.#settle);
    const left = queued > Math.max(TUNING.drainedRequests, TUNING.drainedFraction * this.#settle);
    if (left && s.now - this.#phaseSince < TUNING.maxDrainMs) {
      return { rate: this.#drainRate(r.windowMs, queued), windowMs: r.windowMs, reason: "drain" };
    }
    this.#latencyStreak = 0;
    this.#enter("hold", s.now);
    return { rate: this.#settle, windowMs: r.windowMs, reason: "settle" };
  }

  /** Holds at the settle point for `holdFor`, then probes (from this window on). */
  #hold(s: WindowStats, r: Reading): Decision {
    if (s.now - this.#phaseSince < this.#holdFor) {
      return { rate: this.#settle, windowMs: r.windowMs, reason: "hold" };
    }
    this.#enter("probe", s.now);
    return this.#probe(s, r);
  }

  /** Probes upward by the step `#step` gives; at the target, holds there. */
  #probe(s: WindowStats, r: Reading): Decision {
    const o = this.#o;
    if (s.rate >= o.target) return { rate: o.target, windowMs: r.windowMs, reason: "hold" };
    const step = this.#step(s, r);
    this.#probes++;
    return { rate: this.#clamp(s.rate * (1 + step)), windowMs: r.windowMs, reason: "probe" };
  }

  /**
   * The probe step: half of it within 5% of a client ceiling hit before or of the capacity found,
   * so the probe does not climb past it while a queue takes windows to show in latency; the whole
   * step below; more than 5% past it, doubling every four probe windows up to `maxProbeStep`.
   */
  #step(s: WindowStats, r: Reading): number {
    const o = this.#o;
    const band = TUNING.nearBand;
    // A client ceiling is what the client could send once (a start-up burst, a busy machine):
    // forgotten once a clean window sends 5% past it, or probing would creep at the half step.
    if (r.clean && r.sendRate >= this.#clientCeiling * (1 + band)) this.#clientCeiling = Infinity;
    const known = this.#known();
    if (s.rate < known * (1 + band)) this.#probes = 0;
    const near = (x: number) => s.rate >= x * (1 - band) && s.rate < x * (1 + band);
    if (near(this.#clientCeiling) || near(known)) return o.probeStep * TUNING.nearStepFraction;
    const doublings = Math.floor(this.#probes / TUNING.probesPerDoubling);
    return Math.min(o.maxProbeStep, o.probeStep * 2 ** doublings);
  }

  /**
   * The capacity found: the settle point over the headroom (none after a start-up cut), or the
   * most delivered at a congestion cut of the last `peakMs`, whichever is higher, so one cut read
   * low (off a window not yet saturated) does not let probes escalate right at the capacity.
   */
  #known(): number {
    let known = this.#startupCut ? 0 : this.#settle / this.#o.headroom;
    for (const f of this.#found) known = Math.max(known, f.goodput);
    return known;
  }
}
