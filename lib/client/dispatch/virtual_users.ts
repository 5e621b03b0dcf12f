/**
 * Virtual users, the closed model (`run --vus N`, or `--stages` in `vu`): each VU sends its next
 * request when its last one ended, with no pacer. A {@linkcode VuPlan} says how many are active
 * over time (ramps interpolate, as nGrinder's ramp-up and k6's `ramping-vus` do); the
 * {@linkcode VirtualUsers} gate lets VU i take a request only while i is below that count, so a
 * VU that must stop finishes its request in flight and then waits, and one that is added starts
 * its first request at once. Pure of time: the run's clock moves the count.
 *
 * @module
 */

/** One stage: ramp linearly from the previous count (0 at the start) to `vus` over `durationMs`. */
export interface VuStage {
  durationMs: number;
  vus: number;
}

interface Segment {
  t0: number;
  t1: number;
  v0: number;
  v1: number;
}

/**
 * A piecewise-linear count of VUs over plan time (ms from its start). On a ramp the count steps
 * where the line reaches a whole number (up: the count is the line rounded down; down: rounded
 * up, as k6 counts them); `0s` stages jump; past the end, none.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const plan = new VuPlan([{ durationMs: 0, vus: 2 }, { durationMs: 6000, vus: 8 }]);
 * assert.deepEqual([plan.vusAt(0), plan.vusAt(999), plan.vusAt(1000), plan.vusAt(5999)], [2, 2, 3, 7]);
 * assert.equal(plan.nextChange(0), 1000); // 3 VUs from 1 s
 * assert.equal(plan.nextChange(5500), 6000); // the plan's end: none after it
 * assert.deepEqual([plan.peak, plan.durationMs, plan.vusAt(6000)], [8, 6000, 0]);
 * ```
 */
export class VuPlan {
  readonly durationMs: number;
  /** The most VUs the plan has at once. */
  readonly peak: number;
  #segments: Segment[] = [];

  constructor(stages: VuStage[]) {
    let t = 0, v = 0;
    for (const s of stages) {
      this.#segments.push({ t0: t, t1: t + s.durationMs, v0: v, v1: s.vus });
      t += s.durationMs;
      v = s.vus;
    }
    this.durationMs = t;
    this.peak = Math.max(0, ...stages.map((s) => s.vus));
  }

  /** VUs active at plan time `t` (0 past the end). */
  vusAt(t: number): number {
    const s = this.#segments.find((s) => Math.max(0, t) < s.t1);
    if (!s) return 0;
    const x = s.v0 + ((s.v1 - s.v0) * (Math.max(0, t) - s.t0)) / (s.t1 - s.t0);
    return s.v1 >= s.v0 ? Math.floor(x + 1e-9) : Math.ceil(x - 1e-9);
  }

  /** The plan time after `t` at which the count next changes (Infinity: it never does). */
  nextChange(t: number): number {
    const count = this.vusAt(t);
    for (const s of this.#segments) {
      if (s.t1 <= t) continue;
      if (s.v1 !== s.v0) {
        // Where the line reaches the next whole number, on its way.
        const k = s.v1 > s.v0 ? count + 1 : count - 1;
        const at = s.t0 + ((s.t1 - s.t0) * (k - s.v0)) / (s.v1 - s.v0);
        if (at > t && at < s.t1) return at;
      }
      // The segment's end: the next one starts (a jump), or the plan ends.
      if (this.vusAt(s.t1) !== count) return s.t1;
    }
    return Infinity;
  }
}

/**
 * The gate between the VUs and their requests: VU i (a consumer's index) takes its next request
 * while it is active, else waits until it is, or until the VUs end.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const vus = new VirtualUsers(1);
 * let n = 0;
 * const next = () => n++;
 * assert.equal(vus.take(0, next), 0); // active: at once
 * const waiting = vus.take(1, next); // not yet
 * assert.ok(waiting instanceof Promise);
 * vus.set(2);
 * assert.equal(await waiting, 1);
 * vus.end();
 * assert.equal(vus.take(0, next), undefined);
 * ```
 */
export class VirtualUsers {
  #active: number;
  #waiting: (((go: boolean) => void) | undefined)[] = [];
  #ended = false;

  constructor(active = 0) {
    this.#active = active;
  }

  /** VUs active now. */
  get active(): number {
    return this.#active;
  }

  /** Sets the VUs active: those added take their first request at once. */
  set(n: number): void {
    this.#active = n;
    const w = this.#waiting;
    for (let i = 0; i < Math.min(n, w.length); i++) {
      const go = w[i];
      if (!go) continue;
      w[i] = undefined;
      go(true);
    }
  }

  /** Ends every VU: the waiting ones stop at once, the others after their request in flight. */
  end(): void {
    this.#ended = true;
    for (const go of this.#waiting.splice(0)) go?.(false);
  }

  /** VU `i`'s next request from `next`: at once while it is active, else once it is. */
  take<T>(i: number, next: () => T | undefined): T | undefined | Promise<T | undefined> {
    if (this.#ended) return undefined;
    if (i < this.#active) return next();
    return new Promise((resolve) => {
      this.#waiting[i] = (go) => resolve(go ? next() : undefined);
    });
  }
}
