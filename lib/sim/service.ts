/**
 * The simulator's service, pure: a token bucket (as `serve --capacity`) with a bounded wait
 * queue, or a limiter with a burst and no queue (as nginx `limit_req burst=N nodelay`).
 *
 * @module
 */

/** What became of one request. */
export interface Served {
  ok: boolean;
  /** When its answer left the service, ms. */
  finish: number;
}

/**
 * The service's state across requests, which arrive in time order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // 10/s, a burst of 1, no queue: two at once, the second goes through on the burst, a third not.
 * const s = new SimService({ backlog: 0, burst: 1 });
 * const ok = [0, 0, 0].map((t) => s.admit(t, 10, () => 5).ok);
 * assert.deepEqual(ok, [true, true, false]);
 * ```
 */
export class SimService {
  #backlog: number;
  #burst: number | undefined;
  /** The bucket's theoretical arrival time: when the next request may start. */
  #tat = 0;
  /** Admitted requests' start times (FIFO), and the first still waiting. */
  #waiting: number[] = [];
  #head = 0;

  constructor(o: { backlog: number; burst?: number }) {
    this.#backlog = o.backlog;
    this.#burst = o.burst;
  }

  /** A request arriving at `send` while the capacity is `cap`/s; `latency()` is its service. */
  admit(send: number, cap: number, latency: () => number): Served {
    const gap = 1000 / cap;
    while (this.#head < this.#waiting.length && this.#waiting[this.#head]! <= send) this.#head++;
    const start = Math.max(send, this.#tat);
    if (this.#burst !== undefined) {
      // A limiter: through at once while within its burst, else refused at once.
      const ok = start - send <= this.#burst * gap;
      if (ok) this.#tat = start + gap;
      return { ok, finish: send + (ok ? latency() : 0.2) };
    }
    if (start > send && this.#waiting.length - this.#head >= this.#backlog) {
      return { ok: false, finish: send + 1 };
    }
    this.#tat = Math.max(this.#tat, send) + gap;
    if (start > send) this.#waiting.push(start);
    return { ok: true, finish: start + latency() };
  }
}
