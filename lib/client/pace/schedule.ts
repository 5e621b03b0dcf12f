/**
 * The pacer's schedule, pure: no clock, no sleeping. Given the time now and the ticks taken so
 * far, it says how long to wait and what each tick's scheduled time was.
 *
 * - Constant rate on an absolute schedule (`due = anchor + n·interval`), so lateness never
 *   accumulates into drift.
 * - When late, the next tick is due at once; its scheduled time is kept, so latency can be
 *   measured from it (coordinated omission).
 * - `maxDebt` bounds how many missed slots are still owed: past it the schedule re-anchors and the
 *   excess slots are counted as skipped instead of being sent in a burst.
 * - `burst` (token bucket size) lets up to `burst` ticks go back to back ahead of schedule; 1 means
 *   a uniform schedule.
 * - A rate change re-anchors at the current point: the next tick is due one new interval after
 *   the last one (or now, if that has passed), so it neither bursts nor drifts.
 *
 * @module
 */

/**
 * vegeta's `Pace(elapsed, hits)`: how long to wait before hit number `hits` (0-based) at `rate`
 * per second, `elapsed` ms after the start. 0 means due now.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(paceWait(0, 0, 100), 0);
 * assert.equal(paceWait(5, 1, 100), 5); // hit 1 is due at 10 ms
 * ```
 */
export function paceWait(elapsedMs: number, hits: number, rate: number): number {
  const due = (hits * 1000) / rate;
  return due > elapsedMs ? due - elapsedMs : 0;
}

/** Options of {@linkcode Schedule}. */
export interface ScheduleOptions {
  /** Ticks per second (> 0). */
  rate: number;
  /** Ticks that may go back to back ahead of schedule (token bucket size); default 1. */
  burst?: number;
  /** Missed slots still owed when late; past it they are skipped. Default Infinity. */
  maxDebt?: number;
  /** Time of the first tick, in ms on the caller's clock; default 0. */
  start?: number;
}

/** One released tick. */
export interface Tick {
  /** 0-based sequence number. */
  seq: number;
  /** When it was due (ms); earlier than the release when late, equal to it when early. */
  scheduledAt: number;
  /** Slots skipped just before it because the debt passed `maxDebt`. */
  skipped: number;
}

/**
 * The schedule's state.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const s = new Schedule({ rate: 1000 });
 * assert.equal(s.wait(0), 0);
 * assert.deepEqual(s.take(0), { seq: 0, scheduledAt: 0, skipped: 0 });
 * assert.equal(s.wait(0.4), 0.6);
 * ```
 */
export class Schedule {
  #rate: number;
  #interval: number;
  #burst: number;
  #maxDebt: number;
  #anchorAt: number;
  #anchorSeq = 0;
  #seq = 0;
  #lastScheduled = -Infinity;
  #skipped = 0;
  #pausedAt: number | undefined;

  constructor(options: ScheduleOptions) {
    if (!(options.rate > 0)) throw new RangeError(`rate must be > 0, got ${options.rate}`);
    this.#rate = options.rate;
    this.#interval = 1000 / options.rate;
    this.#burst = Math.max(1, options.burst ?? 1);
    this.#maxDebt = options.maxDebt ?? Infinity;
    this.#anchorAt = options.start ?? 0;
  }

  /** Current rate (ticks/s). */
  get rate(): number {
    return this.#rate;
  }

  /** Ticks taken so far. */
  get taken(): number {
    return this.#seq;
  }

  /** Slots skipped so far (debt past `maxDebt`). */
  get skipped(): number {
    return this.#skipped;
  }

  /** When the next tick is due (ms; Infinity while paused). */
  nextDue(): number {
    if (this.#pausedAt !== undefined) return Infinity;
    return this.#anchorAt + paceWait(0, this.#seq - this.#anchorSeq, this.#rate);
  }

  /** A constant rate never ends by itself. */
  readonly done = false;

  /** Only a rate plan has a scale (`StagedSchedule`): a constant rate is set directly. */
  setScale(_scale: number): void {}

  /** Stops releasing ticks at `now`. */
  pause(now: number): void {
    this.#pausedAt ??= now;
  }

  /**
   * Releases ticks again from `now`: the schedule moves on by the paused time, so the ticks it
   * would have released meanwhile are not owed.
   */
  resume(now: number): void {
    if (this.#pausedAt === undefined) return;
    const shift = Math.max(0, now - this.#pausedAt);
    this.#anchorAt += shift;
    this.#lastScheduled += shift;
    this.#pausedAt = undefined;
  }

  /** How long to wait at `now` before the next tick may go (0: now). */
  wait(now: number): number {
    const early = this.nextDue() - (this.#burst - 1) * this.#interval;
    return early > now ? early - now : 0;
  }

  /** Releases the next tick at `now` (call when `wait(now)` is 0). */
  take(now: number): Tick {
    let due = this.nextDue();
    let skipped = 0;
    const debt = (now - due) / this.#interval; // slots behind, beyond this one
    if (debt > this.#maxDebt) {
      skipped = Math.floor(debt - this.#maxDebt);
      if (skipped > 0) {
        this.#anchorAt = due + skipped * this.#interval;
        this.#anchorSeq = this.#seq;
        due = this.#anchorAt;
        this.#skipped += skipped;
      }
    }
    const tick = { seq: this.#seq++, scheduledAt: due <= now ? due : now, skipped };
    this.#lastScheduled = due;
    return tick;
  }

  /** Changes the rate at `now`, re-anchored so it neither bursts nor drifts. */
  setRate(rate: number, now: number): void {
    if (!(rate > 0)) throw new RangeError(`rate must be > 0, got ${rate}`);
    if (rate === this.#rate) return;
    const interval = 1000 / rate;
    const paused = this.#pausedAt;
    if (paused !== undefined) {
      // Re-anchored as of the pause; resume() moves it on.
      this.resume(paused);
      this.setRate(rate, paused);
      this.pause(paused);
      return;
    }
    const due = this.nextDue();
    const next = this.#seq === 0
      ? due
      : Math.max(this.#lastScheduled + interval, Math.min(now, due));
    this.#rate = rate;
    this.#interval = interval;
    this.#anchorAt = next;
    this.#anchorSeq = this.#seq;
  }
}
