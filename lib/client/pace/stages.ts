/**
 * Load shapes: a rate plan (linear ramps from one rate to the next, jumps, holds; `--stages`,
 * read by `lib/cli/stages_flag.ts`), and the schedule that paces it. Tick k is due when the plan's integral (the ticks it
 * asks for since its start) reaches k, so the schedule stays drift-free through ramps and every
 * tick keeps its exact scheduled time (latency stays corrected for coordinated omission). Pure:
 * no clock, no sleeping.
 *
 * @module
 */

import { Schedule, type ScheduleOptions, type Tick } from "./schedule.ts";

/** Shard `index` (0-based) of `count`: every count-th tick of the whole schedule. */
export interface Shard {
  index: number;
  count: number;
}

/** One stage: ramp linearly from the previous rate (0 at the start) to `rate` over `durationMs`. */
export interface Stage {
  durationMs: number;
  rate: number;
}

interface Segment {
  /** Plan time at its start and end, ms. */
  t0: number;
  t1: number;
  /** Rates at its start and end, per second. */
  r0: number;
  r1: number;
  /** Ticks the plan asked for by its start, and by its end. */
  n0: number;
  n1: number;
}

/**
 * A piecewise-linear rate over plan time (ms from the plan's start): its rate and its integral at
 * any time, and the time at which the integral reaches n.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const plan = new RatePlan([{ durationMs: 10_000, rate: 100 }]); // 0 → 100/s over 10 s
 * assert.equal(plan.rateAt(5_000), 50);
 * assert.equal(plan.ticksBy(10_000), 500);
 * assert.equal(plan.timeOf(125), 5_000); // a quarter of the ticks by half the time
 * assert.equal(plan.timeOf(500), Infinity); // the plan asks for no more
 * ```
 */
export class RatePlan {
  readonly durationMs: number;
  readonly total: number;
  readonly peak: number;
  #segments: Segment[] = [];

  constructor(stages: Stage[]) {
    let t = 0, r = 0, n = 0;
    for (const s of stages) {
      const n1 = n + ((r + s.rate) / 2) * (s.durationMs / 1000);
      this.#segments.push({ t0: t, t1: t + s.durationMs, r0: r, r1: s.rate, n0: n, n1 });
      t += s.durationMs;
      r = s.rate;
      n = n1;
    }
    this.durationMs = t;
    this.total = n;
    this.peak = Math.max(0, ...stages.map((s) => s.rate));
  }

  #at(t: number): Segment | undefined {
    for (const s of this.#segments) if (t < s.t1) return s;
    return undefined;
  }

  /** The rate at plan time `t` (0 past the end). */
  rateAt(t: number): number {
    const s = this.#at(Math.max(0, t));
    if (!s) return 0;
    return s.r0 + ((s.r1 - s.r0) * (Math.max(0, t) - s.t0)) / (s.t1 - s.t0);
  }

  /** The ticks asked for from the start to plan time `t`. */
  ticksBy(t: number): number {
    if (t <= 0) return 0;
    const s = this.#at(t);
    if (!s) return this.total;
    const d = t - s.t0, slope = (s.r1 - s.r0) / (s.t1 - s.t0);
    return s.n0 + (s.r0 * d + (slope * d * d) / 2) / 1000;
  }

  /** The plan time at which the integral reaches `n`, or Infinity if it never does. */
  timeOf(n: number): number {
    for (const s of this.#segments) {
      if (n >= s.n1) continue;
      const x = (n - s.n0) * 1000; // rate·ms
      if (x <= 0) return s.t0;
      // r0·d + a·d² = x with a = (r1 − r0) / (2 D): the root that is stable for a → 0.
      const a = (s.r1 - s.r0) / (2 * (s.t1 - s.t0));
      return s.t0 + (2 * x) / (s.r0 + Math.sqrt(Math.max(0, s.r0 * s.r0 + 4 * a * x)));
    }
    return Infinity;
  }
}

/**
 * The schedule of a rate plan: the same surface as `Schedule` (wait, take), plus a scale on
 * the plan (`+`/`-` at run time) and pause/resume (the plan's clock stops while paused).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const s = new StagedSchedule(new RatePlan([{ durationMs: 0, rate: 1000 }, { durationMs: 10, rate: 1000 }]));
 * const due: number[] = [];
 * for (let t = 0; t <= 20; t += 0.5) while (s.wait(t) === 0) due.push(s.take(t).scheduledAt);
 * assert.deepEqual(due, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
 * assert.equal(s.done, true);
 * ```
 */
export class StagedSchedule implements TickSchedule {
  readonly plan: RatePlan;
  #start: number;
  #paused = 0;
  #pausedAt: number | undefined;
  #scale = 1;
  #anchorSeq = 0;
  #anchorN = 0;
  #seq = 0;
  #lastNow = 0;
  /** This schedule's ticks asked for before the last scale change, and that change's plan time. */
  #askedBefore = 0;
  #askedFrom = 0;

  /** Shard i of N takes the plan's ticks i, i + N, i + 2N, … (its share is 1/N of the rate). */
  #every = 1;

  constructor(
    plan: RatePlan,
    options: { start?: number; scale?: number; shard?: Shard } = {},
  ) {
    this.plan = plan;
    this.#start = options.start ?? 0;
    this.#lastNow = this.#start;
    this.#scale = options.scale ?? 1;
    this.#every = options.shard?.count ?? 1;
    this.#anchorN = options.shard?.index ?? 0;
  }

  /** Moves the plan's start, before its first tick (the run starts it with its first tick). */
  moveStart(start: number): void {
    this.#start = start;
  }

  /** The plan's time at `now` (it stops while paused). */
  planTime(now: number): number {
    return (this.#pausedAt ?? now) - this.#start - this.#paused;
  }

  /** The rate asked for at `now`, scaled (0 while paused). */
  rateAt(now: number): number {
    if (this.#pausedAt !== undefined) return 0;
    return (this.plan.rateAt(this.planTime(now)) * this.#scale) / this.#every;
  }

  /** The rate asked for when the schedule was last asked to wait, scaled. */
  get rate(): number {
    return this.rateAt(this.#lastNow);
  }

  get scale(): number {
    return this.#scale;
  }

  get taken(): number {
    return this.#seq;
  }

  get skipped(): number {
    return 0;
  }

  /** All ticks taken, or the plan's clock past its end: a late pacer does not stretch a plan. */
  get done(): boolean {
    if (this.#pausedAt !== undefined) return false;
    return this.nextDue() === Infinity || this.planTime(this.#lastNow) >= this.plan.durationMs;
  }

  /** When the next tick is due (ms; Infinity while paused or past the plan's end). */
  nextDue(): number {
    if (this.#pausedAt !== undefined) return Infinity;
    const n = this.#anchorN + ((this.#seq - this.#anchorSeq) * this.#every) / this.#scale;
    return this.#start + this.#paused + this.plan.timeOf(n);
  }

  /** How long to wait at `now` before the next tick (0: now; Infinity: none to come). */
  wait(now: number): number {
    this.#lastNow = now;
    const due = this.nextDue();
    return due > now ? due - now : 0;
  }

  /** Releases the next tick at `now` (call when `wait(now)` is 0). */
  take(now: number): Tick {
    this.#lastNow = now;
    const due = this.nextDue();
    return { seq: this.#seq++, scheduledAt: due <= now ? due : now, skipped: 0 };
  }

  /**
   * The ticks this schedule asked for from its start to `now`: the plan's integral, scaled, this
   * shard's share (paused time asks for none). What a run's `achieved` is measured against.
   */
  askedBy(now: number): number {
    const since = this.plan.ticksBy(this.planTime(now)) - this.plan.ticksBy(this.#askedFrom);
    return this.#askedBefore + (Math.max(0, since) * this.#scale) / this.#every;
  }

  /** A plan's rate is set by its stages and scale: a constant rate is for `Schedule`. */
  setRate(_rate: number, _now: number): void {}

  /** Scales the rest of the plan by `scale` (> 0) from the next tick on (from `now` for asked). */
  setScale(scale: number, now = this.#lastNow): void {
    if (!(scale > 0)) throw new RangeError(`scale must be > 0, got ${scale}`);
    this.#askedBefore = this.askedBy(now);
    this.#askedFrom = Math.max(this.#askedFrom, this.planTime(now));
    this.#anchorN += ((this.#seq - this.#anchorSeq) * this.#every) / this.#scale;
    this.#anchorSeq = this.#seq;
    this.#scale = scale;
  }

  /** Stops the plan's clock at `now`. */
  pause(now: number): void {
    this.#pausedAt ??= now;
  }

  /** Restarts it at `now`, where it stopped: the paused time is not owed. */
  resume(now: number): void {
    if (this.#pausedAt === undefined) return;
    this.#paused += Math.max(0, now - this.#pausedAt);
    this.#pausedAt = undefined;
  }
}

/** What the pacers pace: a constant-rate `Schedule` or a plan's `StagedSchedule`. */
export interface TickSchedule {
  readonly rate: number;
  readonly taken: number;
  readonly skipped: number;
  /** True once a plan asks for no more ticks (never for a constant rate). */
  readonly done: boolean;
  wait(now: number): number;
  take(now: number): Tick;
  /** A constant rate's change (a plan ignores it). */
  setRate(rate: number, now: number): void;
  /** A plan's scale (a constant rate ignores it: its rate is set directly). */
  setScale(scale: number): void;
  pause(now: number): void;
  resume(now: number): void;
}

/**
 * The schedule for a pacer's options: the plan of `stages` when given, else the constant `rate`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(scheduleFor({ rate: 100 }).done, false);
 * assert.equal(scheduleFor({ rate: 1, stages: [{ durationMs: 1000, rate: 0 }] }).done, true);
 * ```
 */
export function scheduleFor(
  options: ScheduleOptions & { stages?: Stage[]; shard?: Shard },
): TickSchedule {
  const { shard } = options;
  if (options.stages) {
    return new StagedSchedule(new RatePlan(options.stages), { start: options.start, shard });
  }
  if (!shard) return new Schedule(options);
  return new Schedule({
    ...options,
    start: (options.start ?? 0) + shardPhase(options.rate, shard),
  });
}

/**
 * Where shard i of N's constant-rate schedule starts after the whole schedule's start, ms: at
 * its share `rate` (R/N), i/R, so the shards' ticks interleave into one client's at R.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(shardPhase(100, { index: 1, count: 3 }), 10 / 3); // R = 300/s: every 3.33 ms
 * ```
 */
export function shardPhase(rate: number, shard: Shard): number {
  return (shard.index * 1000) / (rate * shard.count);
}
