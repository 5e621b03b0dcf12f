/**
 * Steering a run while it goes: {@linkcode Steering} is the run's side of the `RunControl` handle
 * (`run_control.ts`): it turns commands into pacer and controller changes, reports each as an
 * event, and keeps what the run asked for (the integral of the paced rate, what `achieved` is
 * measured against). What a command changes depends on the run:
 *
 * - a fixed rate: the rate (`+`/`-`: ×1.1 / ÷1.1);
 * - `--stages`: the plan's scale, so the shape is kept (a rate sets the scale that makes the
 *   rate of the moment that rate);
 * - `--adaptive`: the controller's ceiling (with `--stages`, the plan that is the ceiling);
 * - pause: no ticks (a plan's clock stops); the ticks not sent meanwhile are not owed;
 * - closed loop has no rate: only stop.
 *
 * @module
 */

import type { ControlEvent } from "../../results/mod.ts";
import type { Controller } from "./controller.ts";
import { type ControlCommand, type ControlOutcome, RATE_STEP } from "./run_control.ts";

export type { ControlEvent };
import type { Pacer } from "../pace/mod.ts";
import { RatePlan, type Shard, type Stage, StagedSchedule } from "../pace/mod.ts";

/** What {@linkcode Steering} drives. */
export interface SteeringOptions {
  /** The fixed rate, or the ceiling with a controller; 0 in closed loop. */
  rate: number;
  stages?: Stage[];
  /** This run's share of a sharded plan. */
  shard?: Shard;
  controller?: Controller;
  now: () => number;
  /** When the plan's clock starts. */
  start: number;
  /** Graceful stop (`stop` command). */
  stop: (reason: string) => void;
  onEvent: (e: ControlEvent) => void;
}

/** The run's side of `RunControl`: the rate as steered, and the commands' effects. */
export class Steering {
  #o: SteeringOptions;
  #pacer: Pacer | undefined;
  #plan: StagedSchedule | undefined;
  /** The fixed rate (or the controller's rate), and the ceiling with a controller. */
  #rate: number;
  #ceiling: number;
  #paused = false;
  /** The pacer paused because a plan asked for 0/s under a controller (not the user). */
  #idle = false;
  /**
   * What the run asked for so far (the integral of the paced rate): the segments closed at each
   * change, and the open one's start (undefined before the first tick) and rate.
   */
  #asked = 0;
  #segFrom: number | undefined;
  #segRate = 0;

  constructor(options: SteeringOptions) {
    this.#o = options;
    this.#ceiling = options.rate;
    this.#rate = options.controller ? options.controller.initialRate : options.rate;
    if (options.stages) {
      this.#plan = new StagedSchedule(new RatePlan(options.stages), {
        start: options.start,
        shard: options.shard,
      });
    }
  }

  /** Starts a plan's clock (at the run's first tick). */
  begin(t0: number): void {
    this.#o.start = t0;
    this.#plan?.moveStart(t0);
    this.#segFrom = t0;
    this.#segRate = this.#pacedRate();
  }

  /**
   * The requests the run asked for from its first tick to `now`: the plan's integral (stages,
   * scaled by the user's changes), or the integral of the rate the pacer was set to (a fixed
   * rate, a controller's decisions, the user's changes); paused time asks for none. 0 in closed
   * loop, which asks for nothing. `achieved` is sent ÷ this, in every mode.
   */
  askedBy(now: number = this.#o.now()): number {
    if (this.#o.rate === 0 || this.#segFrom === undefined) return 0;
    if (this.#plan && !this.#o.controller) return this.#plan.askedBy(now);
    return this.#asked + (this.#segRate * Math.max(0, now - this.#segFrom)) / 1000;
  }

  /** The rate the pacer paces at when no plan drives it (0 while paused or idle). */
  #pacedRate(): number {
    return this.#paused || this.#idle || this.#o.rate === 0 ? 0 : this.#rate;
  }

  /** Closes the asked-for segment before the paced rate changes; call `#opened` after. */
  #closing(): void {
    if (this.#segFrom === undefined) return;
    const now = this.#o.now();
    this.#asked += (this.#segRate * Math.max(0, now - this.#segFrom)) / 1000;
    this.#segFrom = now;
  }

  #opened(): void {
    this.#segRate = this.#pacedRate();
  }

  /** Where this run's first tick is in its plan's time (0 unless the plan starts at 0/s). */
  get planOffset(): number {
    const t = this.#plan?.plan.timeOf(this.#o.shard?.index ?? 0) ?? 0;
    return Number.isFinite(t) ? t : 0;
  }

  /** The pacer, once started. */
  set pacer(p: Pacer | undefined) {
    this.#pacer = p;
  }

  get paused(): boolean {
    return this.#paused;
  }

  /** The rate the pacer runs at now (0 while paused and in closed loop). */
  get rate(): number {
    if (this.#paused || this.#o.rate === 0) return 0;
    if (this.#plan && !this.#o.controller) return this.#plan.rateAt(this.#o.now());
    return this.#rate;
  }

  /** The rate at the run's end: an ended plan's at its last moment (not the 0 past its end). */
  get finalRate(): number {
    const p = this.#plan;
    if (!p || this.#o.controller || !this.planEnded) return this.rate;
    const now = this.#o.now();
    return p.rateAt(now - (p.planTime(now) - p.plan.durationMs) - 1e-6);
  }

  /** The ceiling a controller may not pass now: the plan's rate, or the steered ceiling. */
  get ceiling(): number {
    return this.#plan ? this.#plan.rateAt(this.#o.now()) : this.#ceiling;
  }

  /** Whether a plan is over (it asks for no more ticks). */
  get planEnded(): boolean {
    return this.#plan !== undefined && !this.#paused &&
      this.#plan.planTime(this.#o.now()) >= this.#plan.plan.durationMs;
  }

  /** The rate a controller decided, held under the ceiling; returns the rate the pacer got. */
  decide(rate: number): number {
    const r = Math.min(rate, this.ceiling);
    return this.#setRate(r);
  }

  /**
   * Re-reads a plan that is a controller's ceiling (call it often, e.g. every 100 ms): the
   * controller's target follows the plan, and the pacer idles while the plan asks for 0/s.
   */
  follow(): void {
    const c = this.#o.controller;
    if (!c || !this.#plan || this.#paused) return;
    const ceiling = this.ceiling;
    c.setTarget(Math.max(1, ceiling));
    if (ceiling < 1) {
      if (!this.#idle) this.#pacer?.pause();
      this.#closing();
      this.#idle = true;
      this.#opened();
      return;
    }
    if (this.#idle) this.#pacer?.resume();
    this.#closing();
    this.#idle = false;
    this.#opened();
    if (this.#rate > ceiling) this.#setRate(ceiling);
  }

  #setRate(r: number): number {
    if (r >= 1 && r !== this.#rate) {
      this.#closing();
      this.#rate = r;
      this.#opened();
      this.#pacer?.setRate(r);
    }
    return this.#rate;
  }

  #event(event: ControlEvent["event"], source: string): ControlOutcome {
    const e: ControlEvent = {
      type: "event",
      t: Math.round(this.#o.now() - this.#o.start) / 1000,
      event,
      source,
    };
    if (event === "rate" || event === "resume") {
      e.rate = Math.round((this.#o.controller ? this.ceiling : this.rate) * 10) / 10;
      if (this.#plan) e.scale = Math.round(this.#plan.scale * 1000) / 1000;
    }
    this.#o.onEvent(e);
    return { ok: true, event: e };
  }

  /** Applies a command (what `RunControl.apply` reaches). */
  apply(command: ControlCommand, source: string): ControlOutcome {
    if (command.type === "stop") {
      this.#o.stop("control");
      return this.#event("stop", source);
    }
    if (this.#o.rate === 0) {
      return { ok: false, status: 409, message: "a closed-loop run has no rate to change" };
    }
    switch (command.type) {
      case "toggle":
        return this.apply({ type: this.#paused ? "resume" : "pause" }, source);
      case "pause":
        if (this.#paused) return { ok: false, status: 409, message: "already paused" };
        this.#closing();
        this.#paused = true;
        this.#opened();
        this.#plan?.pause(this.#o.now());
        this.#pacer?.pause();
        return this.#event("pause", source);
      case "resume":
        if (!this.#paused) return { ok: false, status: 409, message: "not paused" };
        this.#closing();
        this.#paused = false;
        this.#opened();
        this.#plan?.resume(this.#o.now());
        if (!this.#idle) this.#pacer?.resume();
        return this.#event("resume", source);
      case "faster":
      case "slower":
        return this.#scaleBy(command.type === "faster" ? RATE_STEP : 1 / RATE_STEP, source);
      case "rate": {
        if (!(command.rate >= 1 && command.rate <= 10_000_000)) {
          return { ok: false, status: 400, message: "rate must be from 1 to 10000000 per second" };
        }
        const now = this.#plan ? this.#plan.rateAt(this.#o.now()) : this.#ceiling;
        if (this.#plan && !(now > 0)) {
          return {
            ok: false,
            status: 409,
            message: "the stages ask for 0/s now: a rate scales them, and 0 cannot be scaled",
          };
        }
        return this.#scaleBy(command.rate / (this.#plan ? now : this.#ceiling), source);
      }
    }
  }

  #scaleBy(factor: number, source: string): ControlOutcome {
    if (this.#plan) {
      const scale = this.#plan.scale * factor;
      this.#plan.setScale(scale, this.#o.now());
      if (!this.#o.controller) this.#pacer?.setScale(scale);
    } else {
      this.#ceiling = Math.min(10_000_000, Math.max(1, this.#ceiling * factor));
    }
    if (this.#o.controller) {
      this.#o.controller.setTarget(Math.max(1, this.ceiling));
      if (this.#rate > this.ceiling) this.#setRate(this.ceiling);
    } else if (!this.#plan) {
      this.#setRate(this.#ceiling);
    }
    return this.#event("rate", source);
  }
}
