/**
 * A binary min-heap of numbers with a payload index: the simulator's event queue.
 *
 * @module
 */

/**
 * A binary min-heap of numbers with a payload index.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const h = new Heap();
 * h.push(3, 30);
 * h.push(1, 10);
 * assert.deepEqual(h.pop(), [1, 10]);
 * assert.equal(h.size, 1);
 * ```
 */
export class Heap {
  keys: number[] = [];
  vals: number[] = [];
  get size(): number {
    return this.keys.length;
  }
  peek(): number {
    return this.keys[0]!;
  }
  push(k: number, v: number): void {
    const ks = this.keys, vs = this.vals;
    let i = ks.length;
    ks.push(k);
    vs.push(v);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (ks[p]! <= k) break;
      ks[i] = ks[p]!;
      vs[i] = vs[p]!;
      i = p;
    }
    ks[i] = k;
    vs[i] = v;
  }
  pop(): [number, number] {
    const ks = this.keys, vs = this.vals;
    const top: [number, number] = [ks[0]!, vs[0]!];
    const k = ks.pop()!, v = vs.pop()!;
    if (ks.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        let mk = k;
        if (l < ks.length && ks[l]! < mk) [m, mk] = [l, ks[l]!];
        if (r < ks.length && ks[r]! < mk) m = r;
        if (m === i) break;
        ks[i] = ks[m]!;
        vs[i] = vs[m]!;
        i = m;
      }
      ks[i] = k;
      vs[i] = v;
    }
    return top;
  }
}
