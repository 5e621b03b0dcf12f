/**
 * The closed loop's side of the wiring, where no pacer runs: each consumer takes its next request
 * as soon as its last one ended ({@linkcode closedLoopTicks}); with virtual users
 * ({@linkcode ClosedModel}), consumer i takes one only while VU i is active, the count following
 * a plan on the run's clock, and each interval says how many were active and their mean latency.
 *
 * @module
 */

import type { Clock } from "../clock.ts";
import type { IntervalSnapshot } from "../results/mod.ts";
import type { RunConfig } from "./config.ts";
import { VirtualUsers, VuPlan } from "./dispatch/mod.ts";
import type { Lifecycle } from "./lifecycle.ts";
import type { Live, Result, ResultPool } from "./record/mod.ts";

/**
 * Closed loop: the next request of whichever consumer asks, stamped now (there is no schedule);
 * undefined once the run stopped, `--requests` were taken or the data ran out.
 */
export function closedLoopTicks(
  config: RunConfig,
  life: Lifecycle,
  live: Live,
  now: () => number,
  results: ResultPool,
): () => Result | undefined {
  let seq = 0;
  const w = config.workload;
  return (): Result | undefined => {
    if (life.stopped || seq >= (config.requests ?? Infinity)) return undefined;
    if (w?.exhausted(seq)) return void life.stop("data");
    live.scheduled++;
    const t = now();
    const r = results.get(seq++, t, t);
    if (w) {
      r.target = w.targetOf(r.seq);
      if (live.byTarget) live.byTarget.scheduled[r.target]!++;
    }
    return r;
  };
}

/**
 * The closed model of `--vus`: the VUs (as many connections as the plan's peak), their count over
 * time, and what each interval adds (`vus`, `latency_mean_ms`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ManualClock } from "../clock.ts";
 * import { Lifecycle } from "./lifecycle.ts";
 * const clock = new ManualClock();
 * const life = new Lifecycle(() => {});
 * const model = new ClosedModel([{ durationMs: 0, vus: 1 }, { durationMs: 1000, vus: 1 }, { durationMs: 0, vus: 3 }, { durationMs: 1000, vus: 3 }], { clock, life });
 * model.begin(0);
 * assert.equal(model.peak, 3);
 * assert.equal(model.vus.active, 1);
 * await clock.advance(1000);
 * assert.equal(model.vus.active, 3);
 * await clock.advance(1000);
 * assert.equal(life.reason, "stages"); // the run ends with the plan
 * ```
 */
export class ClosedModel {
  readonly vus: VirtualUsers;
  readonly peak: number;
  #plan: VuPlan | undefined;
  #o: { clock: Clock; life: Lifecycle };
  #sum = 0;
  #n = 0;

  /** `vus`: a fixed count (`--vus N`) or a plan of stages. */
  constructor(vus: NonNullable<RunConfig["vus"]>, o: { clock: Clock; life: Lifecycle }) {
    this.#o = o;
    this.#plan = typeof vus === "number" ? undefined : new VuPlan(vus);
    this.peak = this.#plan?.peak ?? (vus as number);
    this.vus = new VirtualUsers(this.#plan ? 0 : this.peak);
    // Stopped: the VUs that wait stop at once, the others after their request in flight.
    o.life.signal.addEventListener("abort", () => this.vus.end(), { once: true });
  }

  /** VU `index`'s next request, from the closed loop's `ticks`. */
  take(
    index: number,
    ticks: () => Result | undefined,
  ): Result | undefined | Promise<Result | undefined> {
    return this.vus.take(index, () => {
      const r = ticks();
      // No more requests (`--requests`, the data): the waiting VUs stop too.
      if (!r && !this.#o.life.stopped) this.#o.life.stop("requests");
      return r;
    });
  }

  /** Follows the plan from `start` on the run's clock; the run stops when it ends. */
  begin(start: number): void {
    const plan = this.#plan;
    if (!plan) return;
    const { clock, life } = this.#o;
    (async () => {
      let t = clock.now() - start;
      for (;;) {
        if (t >= plan.durationMs) return life.stop("stages");
        this.vus.set(plan.vusAt(t));
        const next = Math.min(plan.nextChange(t), plan.durationMs);
        await clock.sleep(start + next - clock.now(), life.signal);
        if (life.stopped) return;
        // The change's own time, not a clock a hair before it: the count moves every time.
        t = Math.max(clock.now() - start, next);
      }
    })();
  }

  /** Counts a recorded result's service time (as the latency histogram does: responses only). */
  record(r: Result): void {
    if (r.error !== undefined) return;
    this.#sum += Math.max(1, Math.round((r.doneAt - r.sentAt) * 1000));
    this.#n++;
  }

  /** Adds the VUs active at the interval's end and its mean latency (ms) to its snapshot. */
  stamp(snap: IntervalSnapshot): void {
    snap.vus = this.vus.active;
    snap.latency_mean_ms = this.#n > 0 ? Math.round(this.#sum / this.#n) / 1000 : 0;
    this.#sum = this.#n = 0;
  }
}
