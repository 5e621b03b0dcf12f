/**
 * The clock that time-dependent code is given, so tests run on virtual time: {@linkcode Clock}
 * (`now()`, `sleep(ms, signal)`), the real {@linkcode systemClock}, the virtual
 * {@linkcode ManualClock}, and {@linkcode settlesWithin} on either.
 *
 * @module
 */

/** Milliseconds and sleeping, injectable. */
export interface Clock {
  /** Monotonic milliseconds (fractional). */
  now(): number;
  /** Resolves after `ms` (or at once if `signal` is or becomes aborted). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The longest a single timer may be armed for (setTimeout's limit, about 24.8 days). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The real clock: `performance.now()` and `setTimeout` (longer sleeps are chained, so any
 * duration works).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const t0 = systemClock.now();
 * await systemClock.sleep(5);
 * assert.ok(systemClock.now() - t0 >= 4.5);
 * ```
 */
export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const end = performance.now() + Math.max(0, ms);
      let id: ReturnType<typeof setTimeout>;
      const done = () => {
        clearTimeout(id);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const arm = () => {
        const left = end - performance.now();
        if (left <= 0) return done();
        id = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
      };
      signal?.addEventListener("abort", done, { once: true });
      id = setTimeout(arm, Math.min(Math.max(0, ms), MAX_TIMER_MS));
    }),
};

interface Timer {
  at: number;
  seq: number;
  resolve: () => void;
}

/**
 * A virtual clock for tests: `sleep` resolves when {@linkcode ManualClock.advance} passes its
 * deadline. After each timer it resolves, `advance` lets the program run until it is idle (a
 * macrotask turn, so every pending promise continuation has run), whatever the depth of its
 * promise chains.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const c = new ManualClock();
 * let woke = -1;
 * c.sleep(5).then(() => woke = c.now());
 * await c.advance(10);
 * assert.equal(woke, 5);
 * assert.equal(c.now(), 10);
 * ```
 */
export class ManualClock implements Clock {
  #now: number;
  #timers: Timer[] = [];
  #seq = 0;

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = { at: this.#now + Math.max(0, ms), seq: this.#seq++, resolve };
      this.#timers.push(timer);
      signal?.addEventListener("abort", () => {
        this.#timers = this.#timers.filter((t) => t !== timer);
        resolve();
      }, { once: true });
    });
  }

  /**
   * Moves time forward by `ms`, resolving due sleeps in time order; after each, the program runs
   * until idle before time moves on.
   */
  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    const channel = new MessageChannel();
    let wake: (() => void) | undefined;
    channel.port1.onmessage = () => wake?.();
    const idle = () =>
      new Promise<void>((r) => {
        wake = r;
        channel.port2.postMessage(0);
      });
    try {
      await idle();
      for (;;) {
        let next: Timer | undefined;
        for (const t of this.#timers) {
          if (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq)) next = t;
        }
        if (!next || next.at > end) break;
        this.#timers.splice(this.#timers.indexOf(next), 1);
        this.#now = Math.max(this.#now, next.at);
        next.resolve();
        await idle();
      }
      this.#now = Math.max(this.#now, end);
    } finally {
      channel.port1.close();
    }
  }
}

/**
 * Waits for `promise` at most `ms` on `clock`; resolves true if it settled in time.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(await settlesWithin(Promise.resolve(), 1000), true);
 * assert.equal(await settlesWithin(new Promise(() => {}), 1), false);
 * ```
 */
export async function settlesWithin(
  promise: Promise<unknown>,
  ms: number,
  clock: Clock = systemClock,
): Promise<boolean> {
  const abort = new AbortController();
  try {
    return await Promise.race([
      promise.then(() => true, () => true),
      clock.sleep(ms, abort.signal).then(() => false),
    ]);
  } finally {
    abort.abort();
  }
}
