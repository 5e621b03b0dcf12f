import { assertEquals, assertOk } from "./_assert.ts";
import { WorkerPool } from "../lib/client/jobs/pool.ts";
import { burnIterations } from "../lib/cpu_work.ts";

Deno.test("pool: jobs run on Workers and report their time", async () => {
  const pool = await WorkerPool.create({ size: 2, kind: "sleep", itersPerMs: 0 });
  try {
    const outcomes = await Promise.all([pool.submit(5), pool.submit(5), pool.submit(5)]);
    for (const o of outcomes) {
      assertEquals(o.ok, true);
      if (o.ok) assertOk(o.ms >= 4.5, `slept ${o.ms}`);
    }
    assertEquals([pool.pending, pool.busy], [0, 0]);
  } finally {
    pool.close();
  }
});

Deno.test("pool: a failing job is counted and its Worker replaced; the pool goes on", async () => {
  const pool = await WorkerPool.create({ size: 1, kind: "cpu", itersPerMs: 1000 });
  try {
    const bad = await pool.submit(1, { fail: true });
    assertEquals(bad, { ok: false, error: "failed", message: "job failed on purpose" });
    assertEquals(pool.replaced, 1);
    const good = await pool.submit(1);
    assertEquals(good.ok, true);
  } finally {
    pool.close();
  }
});

Deno.test("pool: jobs wait for a free Worker; pending ones can be cancelled", async () => {
  const pool = await WorkerPool.create({ size: 1, kind: "sleep", itersPerMs: 0 });
  try {
    const first = pool.submit(50);
    const second = pool.submit(50);
    const third = pool.submit(50);
    assertEquals([pool.busy, pool.pending], [1, 2]);
    let below = false;
    const gate = pool.whenPendingBelow(1).then(() => below = true);
    assertEquals(pool.cancelPending(), 2);
    await gate;
    assertEquals(below, true);
    assertEquals((await second).ok, false);
    assertEquals((await third).ok, false);
    assertEquals((await first).ok, true);
  } finally {
    pool.close();
  }
});

Deno.test("pool: close cancels what is left", async () => {
  const pool = await WorkerPool.create({ size: 1, kind: "sleep", itersPerMs: 0 });
  const running = pool.submit(10_000);
  pool.close();
  assertEquals(await running, { ok: false, error: "cancelled", message: "pool closed" });
  assertEquals((await pool.submit(1)).ok, false);
});

Deno.test("cpu work: a fixed amount of hashing, deterministic for a seed", () => {
  assertEquals(burnIterations(1000, 1), burnIterations(1000, 1));
  assertOk(burnIterations(1000, 1) !== burnIterations(1000, 2));
});
