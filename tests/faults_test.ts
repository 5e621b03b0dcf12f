import { assertBetween, assertEquals, assertOk } from "./_assert.ts";
import { CapacityLimiter, drawLatency, faultSettings } from "../server/faults.ts";
import { ServerState } from "../server/shared_state.ts";

Deno.test("capacity: at 3x capacity over 10 s, starts per second stay within 2%", () => {
  // Virtual time: arrivals every 1/(3·300) s; admitted requests wait until their slot.
  const capacity = 300;
  const state = ServerState.create();
  const limiter = new CapacityLimiter(state, { capacity, backlog: 100 });
  const waiting: number[] = []; // start times of admitted requests still waiting
  const starts = new Array(10).fill(0);
  let rejected = 0;
  const t0 = 1_700_000_000_000;
  for (let i = 0; i < 3 * capacity * 10; i++) {
    const now = t0 + (i * 1000) / (3 * capacity);
    while (waiting.length && waiting[0]! <= now) {
      waiting.shift();
      state.waiting(-1);
    }
    const a = limiter.admit(now);
    if (!a.ok) {
      rejected++;
      continue;
    }
    const start = now + a.waitMs;
    if (start - t0 < 10_000) starts[Math.floor((start - t0) / 1000)]++;
    if (a.waitMs > 0) {
      waiting.push(start);
      state.waiting(1);
    }
  }
  for (const [sec, n] of starts.entries()) {
    assertBetween(n, capacity * 0.98, capacity * 1.02, `second ${sec}`);
  }
  assertBetween(rejected, 3 * capacity * 10 - capacity * 10 - 110, 3 * capacity * 10, "rejected");
  assertOk(state.waitingNow() <= 100);
});

Deno.test("capacity: the wait grows with the queue and a full backlog rejects at once", () => {
  const state = ServerState.create();
  const limiter = new CapacityLimiter(state, { capacity: 100, burst: 1, backlog: 2 });
  const now = 1_700_000_000_000;
  assertEquals(limiter.admit(now), { ok: true, waitMs: 0 });
  assertEquals(limiter.admit(now), { ok: true, waitMs: 10 });
  state.waiting(1);
  assertEquals(limiter.admit(now), { ok: true, waitMs: 20 });
  state.waiting(1);
  assertEquals(limiter.admit(now), { ok: false });
  // Idle time refills the bucket: a later request starts at once.
  state.waiting(-1);
  state.waiting(-1);
  assertEquals(limiter.admit(now + 1000), { ok: true, waitMs: 0 });
});

Deno.test("capacity: a burst lets that many start back to back", () => {
  const state = ServerState.create();
  const limiter = new CapacityLimiter(state, { capacity: 100, burst: 3, backlog: 10 });
  const now = 1_700_000_000_000;
  const waits = Array.from({ length: 4 }, () => {
    const a = limiter.admit(now);
    return a.ok ? a.waitMs : -1;
  });
  assertEquals(waits, [0, 0, 0, 10]);
});

Deno.test("faultSettings keeps defaults and applies overrides", () => {
  const d = { latencyMs: 20, jitterMs: 5, errorRate: 0, bytes: 0 };
  assertEquals(faultSettings(new URLSearchParams(""), d), d);
  assertEquals(
    faultSettings(new URLSearchParams("latency=50ms&error_rate=0.1&bytes=2kb"), d),
    { latencyMs: 50, jitterMs: 5, errorRate: 0.1, bytes: 2048 },
  );
});

Deno.test("drawLatency is uniform in latency ± jitter and never negative", () => {
  const s = { latencyMs: 20, jitterMs: 5, errorRate: 0, bytes: 0 };
  assertEquals(drawLatency(s, () => 0), 15);
  assertEquals(drawLatency(s, () => 0.5), 20);
  assertEquals(drawLatency(s, () => 1), 25);
  assertEquals(drawLatency({ ...s, latencyMs: 1 }, () => 0), 0);
});
