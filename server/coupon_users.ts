/**
 * One coupon per user, across isolates: the users who hold a coupon, in a growable
 * SharedArrayBuffer that every isolate of a server attaches to (beside {@linkcode ServerState}'s
 * counters). Taking a coupon for a user is one step that no other isolate can split: the user is
 * looked up, put in the table (a compare-and-swap on its bucket), and only then given a number,
 * so two requests of one user, in any isolates, never both get one.
 *
 * Layout, in 32-bit words: `[users holding a coupon, allocation top, buckets B]`, B bucket heads,
 * then one node per user: `[next, coupon, hash, length, …UTF-8 bytes]`. A node's coupon is 0
 * while its request takes one (a few synchronous atomics in one isolate), K once coupon K is
 * issued, -1 when the stock was out. Nodes are only ever added at a bucket's head, never changed
 * or removed, so a reader walks a chain without a lock. The buffer grows as users come, up to
 * room for every coupon's user (1 GiB at most).
 *
 * @module
 */

/**
 * What `POST /coupons` got: a new coupon (and what is left: with `--redis-cluster`, in the shard
 * that issued it), the one this user already holds, or nothing, the stock being out.
 */
export type CouponTake =
  | { result: "issued"; coupon: number; left: number }
  | { result: "already_issued"; coupon: number }
  | { result: "sold_out" };

/** The longest user name, in UTF-8 bytes (`X-User`). */
export const MAX_USER_BYTES = 256;

const USERS = 0;
const TOP = 1;
const BUCKETS = 2;
const HEADS = 3;
const NODE_WORDS = 4;
const CHUNK = 64 * 1024;
const MAX_BYTES = 1 << 30;

const encoder = new TextEncoder();
const roundUp = (n: number) => Math.ceil(n / CHUNK) * CHUNK;

/**
 * The users of a server's coupons. Create it once per server, pass `buffer` to other isolates,
 * and `attach` there.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * let taken = 0;
 * const take = () => (taken < 2 ? ++taken : 0);
 * const left = () => 2 - taken;
 * const users = CouponUsers.create(2);
 * assert.deepEqual(users.take("ann", take, left), { result: "issued", coupon: 1, left: 1 });
 * assert.deepEqual(users.take("ann", take, left), { result: "already_issued", coupon: 1 });
 * assert.deepEqual(users.take("bob", take, left), { result: "issued", coupon: 2, left: 0 });
 * assert.deepEqual(users.take("cy", take, left), { result: "sold_out" });
 * assert.equal(users.count(), 2);
 * ```
 */
export class CouponUsers {
  /** The shared memory, growable. */
  readonly buffer: SharedArrayBuffer;
  #i32: Int32Array;
  #u8: Uint8Array;
  #mask: number;
  #bytes = new Uint8Array(MAX_USER_BYTES * 3);

  private constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    // Length-tracking views: they see what any isolate grew.
    this.#i32 = new Int32Array(buffer);
    this.#u8 = new Uint8Array(buffer);
    this.#mask = this.#i32[BUCKETS]! - 1;
  }

  /** An empty table sized for a stock of `coupons`. */
  static create(coupons: number): CouponUsers {
    let buckets = 16;
    while (buckets < coupons && buckets < 1 << 20) buckets *= 2;
    const start = (HEADS + buckets) * 4;
    const most = (coupons + 1024) * (NODE_WORDS * 4 + MAX_USER_BYTES);
    const max = Math.min(MAX_BYTES, roundUp(start + most));
    const buffer = new SharedArrayBuffer(Math.min(max, roundUp(start + 1)), {
      maxByteLength: max,
    });
    const i32 = new Int32Array(buffer);
    i32[BUCKETS] = buckets;
    i32[TOP] = HEADS + buckets;
    return new CouponUsers(buffer);
  }

  /** The same table, seen from another isolate. */
  static attach(buffer: SharedArrayBuffer): CouponUsers {
    return new CouponUsers(buffer);
  }

  /** Users who hold a coupon. */
  count(): number {
    return Atomics.load(this.#i32, USERS);
  }

  /**
   * The coupon of `user` (at most {@linkcode MAX_USER_BYTES} of UTF-8): the one it holds, or a
   * new one from `takeCoupon` (a number, or 0 when the stock is out). `left` is what
   * `takeCoupon` would still give; when it is 0 a new user is not stored.
   */
  take(user: string, takeCoupon: () => number, left: () => number): CouponTake {
    const i32 = this.#i32;
    const { written: length } = encoder.encodeInto(user, this.#bytes);
    if (length > MAX_USER_BYTES) throw new RangeError(`a user is ${MAX_USER_BYTES} bytes at most`);
    let hash = 0x811c9dc5;
    for (let i = 0; i < length; i++) hash = Math.imul(hash ^ this.#bytes[i]!, 16777619);
    const bucket = HEADS + (hash & this.#mask);
    let head = Atomics.load(i32, bucket);
    let found = this.#find(head, 0, hash, length);
    if (found === 0) {
      if (left() <= 0) return { result: "sold_out" };
      const node = this.#alloc(NODE_WORDS + Math.ceil(length / 4));
      i32[node] = head;
      i32[node + 2] = hash;
      i32[node + 3] = length;
      this.#u8.set(this.#bytes.subarray(0, length), (node + NODE_WORDS) * 4);
      for (;;) {
        const seen = Atomics.compareExchange(i32, bucket, head, node);
        if (seen === head) break;
        // Another isolate added to this bucket first: was it this user?
        found = this.#find(seen, head, hash, length);
        if (found !== 0) break;
        i32[node] = head = seen;
      }
      if (found === 0) {
        const coupon = takeCoupon();
        Atomics.store(i32, node + 1, coupon === 0 ? -1 : coupon);
        Atomics.notify(i32, node + 1);
        if (coupon === 0) return { result: "sold_out" };
        Atomics.add(i32, USERS, 1);
        return { result: "issued", coupon, left: left() };
      }
    }
    // Another request of this user takes its coupon now, in another isolate: microseconds.
    let coupon = Atomics.load(i32, found + 1);
    while (coupon === 0) {
      Atomics.wait(i32, found + 1, 0, 50);
      coupon = Atomics.load(i32, found + 1);
    }
    return coupon > 0 ? { result: "already_issued", coupon } : { result: "sold_out" };
  }

  /** The node of the user in the chain from `node` up to `until` (excluded), or 0. */
  #find(node: number, until: number, hash: number, length: number): number {
    const i32 = this.#i32, u8 = this.#u8, bytes = this.#bytes;
    for (; node !== until && node !== 0; node = i32[node]!) {
      if (i32[node + 2] !== hash || i32[node + 3] !== length) continue;
      const at = (node + NODE_WORDS) * 4;
      let i = 0;
      while (i < length && u8[at + i] === bytes[i]) i++;
      if (i === length) return node;
    }
    return 0;
  }

  /** `words` more words, growing the buffer when they are past its end. */
  #alloc(words: number): number {
    const at = Atomics.add(this.#i32, TOP, words);
    const end = (at + words) * 4;
    const buffer = this.buffer;
    while (buffer.byteLength < end) {
      const max = buffer.maxByteLength;
      if (end > max) throw new Error(`the table of coupon users is full (${max} bytes)`);
      try {
        buffer.grow(Math.min(max, roundUp(Math.max(end, buffer.byteLength * 2))));
      } catch (err) {
        // Another isolate grew it past that size meanwhile: look again.
        if (!(err instanceof RangeError)) throw err;
      }
    }
    return at;
  }
}
