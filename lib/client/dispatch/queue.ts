/**
 * A bounded FIFO queue (ring buffer) with async takers: the buffer between the pacer and the
 * consumers. `push` refuses when full (the pacer's credits keep it from trying); `take` waits
 * for an item or the close.
 *
 * @module
 */

/**
 * A bounded queue.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const q = new BoundedQueue<number>(1);
 * assert.equal(q.push(1), true);
 * assert.equal(q.push(2), false); // full
 * assert.equal(await q.take(), 1);
 * q.close();
 * assert.equal(await q.take(), undefined);
 * ```
 */
export class BoundedQueue<T> {
  readonly capacity: number;
  #items: (T | undefined)[];
  #head = 0;
  #size = 0;
  #takers: ((v: T | undefined) => void)[] = [];
  #closed = false;
  #pushed = 0;

  constructor(capacity: number) {
    if (!(capacity >= 1)) throw new RangeError(`capacity must be >= 1, got ${capacity}`);
    this.capacity = capacity;
    this.#items = new Array(capacity);
  }

  /** Items waiting. */
  get size(): number {
    return this.#size;
  }

  /** Items ever accepted. */
  get pushed(): number {
    return this.#pushed;
  }

  /** Whether {@linkcode close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Adds an item; false when full or closed. */
  push(item: T): boolean {
    if (this.#closed) return false;
    this.#pushed++;
    const taker = this.#takers.shift();
    if (taker) {
      taker(item);
      return true;
    }
    if (this.#size === this.capacity) {
      this.#pushed--;
      return false;
    }
    this.#items[(this.#head + this.#size) % this.capacity] = item;
    this.#size++;
    return true;
  }

  /**
   * The next item: at once when one waits (no promise: the hot path allocates none), else a
   * promise of the next; undefined once closed and empty.
   */
  take(): T | undefined | Promise<T | undefined> {
    if (this.#size > 0) return this.#shift();
    if (this.#closed) return undefined;
    return new Promise((resolve) => this.#takers.push(resolve));
  }

  /** Takes an item at once if there is one. */
  poll(): T | undefined {
    return this.#size > 0 ? this.#shift() : undefined;
  }

  /** Stops accepting; waiting takers get undefined once the queue is empty. */
  close(): void {
    this.#closed = true;
    if (this.#size === 0) { for (const t of this.#takers.splice(0)) t(undefined); }
  }

  /** Removes and returns everything waiting. */
  drain(): T[] {
    const out: T[] = [];
    while (this.#size > 0) out.push(this.#shift());
    return out;
  }

  #shift(): T {
    const item = this.#items[this.#head] as T;
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.capacity;
    this.#size--;
    if (this.#closed && this.#size === 0) { for (const t of this.#takers.splice(0)) t(undefined); }
    return item;
  }
}
