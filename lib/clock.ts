/**
 * The clock that time-dependent code is given, so tests run on virtual time.
 *
 * @module
 */

/** Milliseconds and sleeping, injectable. */
export interface Clock {
  /** Monotonic milliseconds (fractional). */
  now(): number;
  /** Resolves after `ms` (or at once if aborted). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * The real clock: `performance.now()` and `setTimeout`.
 *
 * @example
 * ```ts
 * await systemClock.sleep(10);
 * ```
 */
export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(id);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const id = setTimeout(done, Math.max(0, ms));
      signal?.addEventListener("abort", done, { once: true });
    }),
};

/**
 * A virtual clock for tests: `sleep` resolves when {@linkcode ManualClock.advance} passes its
 * deadline.
 *
 * @example
 * ```ts
 * const c = new ManualClock();
 * const p = c.sleep(5);
 * await c.advance(5); // p resolves
 * ```
 */
export class ManualClock implements Clock {
  #now: number;
  #timers: { at: number; resolve: () => void }[] = [];
  constructor(start = 0) {
    this.#now = start;
  }
  now(): number {
    return this.#now;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      this.#timers.push({ at: this.#now + Math.max(0, ms), resolve });
      signal?.addEventListener("abort", () => resolve(), { once: true });
    });
  }
  /** Moves time forward, resolving due sleeps in order, and lets their continuations run. */
  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    for (;;) {
      this.#timers.sort((a, b) => a.at - b.at);
      const next = this.#timers[0];
      if (!next || next.at > end) break;
      this.#timers.shift();
      this.#now = Math.max(this.#now, next.at);
      next.resolve();
      for (let i = 0; i < 5; i++) await Promise.resolve();
    }
    this.#now = end;
  }
}

/**
 * Waits for `promise` at most `ms`; resolves true if it settled in time, false otherwise.
 *
 * @example
 * ```ts
 * const drained = await settlesWithin(server.shutdown(), 5000);
 * ```
 */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((r) => timer = setTimeout(() => r(false), ms));
  try {
    return await Promise.race([promise.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
