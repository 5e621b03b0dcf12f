/**
 * One timer for every connection's timeout: a {@linkcode Watchdog} checks its members'
 * deadlines periodically on the injected clock.
 *
 * @module
 */

import { type Clock, systemClock } from "../../clock.ts";

/** Something with a deadline the {@linkcode Watchdog} checks. */
export interface Expirable {
  /** Expires what is in flight if its deadline has passed. */
  expireIfDue(now: number): void;
}

/**
 * One timer for every connection's timeout: it checks the deadlines every `periodMs` on the
 * injected clock, instead of arming and clearing a timer per request (which costs CPU on every
 * request; BENCHMARKS.md, "Design notes"). Timeouts fire up to `periodMs` late.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ManualClock } from "../../clock.ts";
 * const clock = new ManualClock();
 * const dog = new Watchdog(10, clock);
 * let expired = false;
 * dog.add({ expireIfDue: (now) => { if (now >= 25) expired = true; } });
 * await clock.advance(20);
 * assert.equal(expired, false);
 * await clock.advance(10);
 * assert.equal(expired, true);
 * dog.close();
 * ```
 */
export class Watchdog {
  #members = new Set<Expirable>();
  #stop = new AbortController();

  constructor(periodMs: number, clock: Clock = systemClock) {
    const signal = this.#stop.signal;
    (async () => {
      for (;;) {
        await clock.sleep(periodMs, signal);
        if (signal.aborted) return;
        const t = clock.now();
        for (const m of this.#members) m.expireIfDue(t);
      }
    })();
  }

  add(m: Expirable): void {
    this.#members.add(m);
  }

  delete(m: Expirable): void {
    this.#members.delete(m);
  }

  close(): void {
    this.#stop.abort();
    this.#members.clear();
  }
}
