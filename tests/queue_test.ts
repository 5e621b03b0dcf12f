import { assertEquals } from "./_assert.ts";
import { BoundedQueue } from "../lib/client/dispatch/queue.ts";

Deno.test("queue: FIFO, bounded, wraps around its ring", () => {
  const q = new BoundedQueue<number>(3);
  for (let round = 0; round < 3; round++) {
    assertEquals([q.push(1), q.push(2), q.push(3), q.push(4)], [true, true, true, false]);
    assertEquals(q.size, 3);
    assertEquals([q.poll(), q.poll(), q.poll(), q.poll()], [1, 2, 3, undefined]);
  }
  assertEquals(q.pushed, 9);
});

Deno.test("queue: a waiting taker gets the next push directly", async () => {
  const q = new BoundedQueue<string>(1);
  const waiting = q.take();
  assertEquals(q.push("a"), true);
  assertEquals(q.size, 0);
  assertEquals(await waiting, "a");
});

Deno.test("queue: close lets takers drain what is left, then undefined", async () => {
  const q = new BoundedQueue<number>(4);
  q.push(1);
  q.push(2);
  const blocked = new BoundedQueue<number>(1);
  const pending = blocked.take();
  q.close();
  blocked.close();
  assertEquals(q.push(3), false);
  assertEquals(await q.take(), 1);
  assertEquals(await q.take(), 2);
  assertEquals(await q.take(), undefined);
  assertEquals(await pending, undefined);
});

Deno.test("queue: drain empties it", () => {
  const q = new BoundedQueue<number>(4);
  q.push(1);
  q.push(2);
  assertEquals(q.drain(), [1, 2]);
  assertEquals(q.size, 0);
});
