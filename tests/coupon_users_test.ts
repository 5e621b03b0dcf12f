/**
 * One coupon per user in one server's shared memory: across Workers racing on the same users,
 * exactly the stock is issued, each user at most once; the table grows as users come; the route
 * answers 409 with the coupon a user holds, 400 for an `X-User` it cannot take, and `--log`
 * lines carry the user and the number.
 */
import { assertEquals, assertOk } from "./_assert.ts";
import { createService } from "../server/accounting.ts";
import { CouponUsers, MAX_USER_BYTES } from "../server/coupon_users.ts";
import type { CouponTake } from "../server/settings.ts";
import { ServerState } from "../server/shared_state.ts";
import { families, valueOf } from "./_prometheus.ts";
import type { CouponUsersJob } from "./_coupon_users_worker.ts";

/** Runs one job per Worker, all started at once; each Worker's answers. */
async function race(jobs: ((go: SharedArrayBuffer) => CouponUsersJob)[]): Promise<CouponTake[][]> {
  const go = new SharedArrayBuffer(8);
  const flag = new Int32Array(go);
  const url = new URL("./_coupon_users_worker.ts", import.meta.url);
  const workers = jobs.map(() => new Worker(url, { type: "module" }));
  try {
    const answers = workers.map((w, i) => {
      const done = new Promise<CouponTake[]>((resolve, reject) => {
        w.onmessage = (e) => resolve(e.data);
        w.onerror = (e) => (e.preventDefault(), reject(new Error(e.message)));
      });
      w.postMessage(jobs[i]!(go));
      return done;
    });
    // Every Worker is ready (its modules loaded), then all go at once.
    for (let ready = 0; ready < workers.length; ready = Atomics.load(flag, 1)) {
      await Atomics.waitAsync(flag, 1, ready).value;
    }
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
    return await Promise.all(answers);
  } finally {
    for (const w of workers) w.terminate();
  }
}

/** Each user's answers, in every Worker: the one coupon it got (`#K`), or `none`. */
function answersByUser(names: string[][], answers: CouponTake[][]): Map<string, Set<string>> {
  const byUser = new Map<string, Set<string>>();
  names.forEach((order, i) =>
    order.forEach((name, j) => {
      const t = answers[i]![j]!;
      const seen = byUser.get(name) ?? new Set();
      seen.add(t.result === "sold_out" ? "none" : `#${t.coupon}`);
      byUser.set(name, seen);
    })
  );
  return byUser;
}

Deno.test("coupon users: four Workers racing on the same 3,000 users issue exactly the stock", async () => {
  const state = ServerState.create({ coupons: 1000 });
  const users = Array.from({ length: 3000 }, (_, i) => `user-${i}`);
  // Each Worker asks for every user, two in one order, two in the other.
  const names = [users, users.toReversed(), users, users.toReversed()];
  const answers = await race(
    names.map((order) => (go) => ({
      go,
      names: order,
      buffer: state.buffer,
      users: state.usersBuffer,
    })),
  );
  const coupons = answers.flat().flatMap((t) => t.result === "issued" ? [t.coupon] : []);
  assertEquals(coupons.length, 1000);
  assertEquals(new Set(coupons).size, 1000, "each number once");
  assertEquals([Math.min(...coupons), Math.max(...coupons)], [1, 1000]);
  // Every user's answers agree: the coupon it was issued, then that one again, in any Worker.
  for (const [name, seen] of answersByUser(names, answers)) {
    assertEquals(seen.size, 1, `${name}: ${[...seen]}`);
  }
  assertEquals(state.snapshot().coupons, { total: 1000, issued: 1000, left: 0, users: 1000 });
});

Deno.test("coupon users: Workers inserting into the same 16 buckets at once lose no user and add none twice", async () => {
  // A stock of 16: 16 buckets and a small first buffer, so inserts collide on a bucket all the
  // time and the buffer grows while others read it. Each Worker asks for users of its own and,
  // between them, for users every Worker asks for.
  const table = CouponUsers.create(16).buffer;
  const first = table.byteLength;
  const counter = new SharedArrayBuffer(4);
  const names = [0, 1, 2, 3].map((k) =>
    Array.from({ length: 2000 }, (_, i) => [`own-${k}-${i}`, `shared-${i}`]).flat()
  );
  const answers = await race(names.map((order) => (go) => ({ go, names: order, table, counter })));
  const issued = answers.flat().flatMap((t) => t.result === "issued" ? [t.coupon] : []);
  // One coupon per user, whichever Worker asked first; the others were told that one.
  assertEquals(issued.length, 10_000);
  assertEquals(new Set(issued).size, 10_000);
  assertEquals(new Int32Array(counter)[0], 10_000);
  for (const [name, seen] of answersByUser(names, answers)) {
    assertEquals(seen.size, 1, `${name}: ${[...seen]}`);
  }
  assertEquals(CouponUsers.attach(table).count(), 10_000);
  assertOk(table.byteLength > first, "the buffer grew");
});

Deno.test("coupon users: the table grows past its first size, and finds every user again", () => {
  const users = CouponUsers.create(5000);
  const first = users.buffer.byteLength;
  let taken = 0;
  const take = () => (taken < 5000 ? ++taken : 0);
  const left = () => 5000 - taken;
  // Up to 248 bytes each: "é" is two.
  const long = (i: number) => `${i}-`.padEnd(MAX_USER_BYTES / 2 - 4, "é");
  for (let i = 0; i < 5000; i++) {
    assertEquals(users.take(long(i), take, left), {
      result: "issued",
      coupon: i + 1,
      left: 4999 - i,
    });
  }
  assertOk(users.buffer.byteLength > first, `${users.buffer.byteLength} > ${first}`);
  for (let i = 0; i < 5000; i += 7) {
    assertEquals(users.take(long(i), take, left), { result: "already_issued", coupon: i + 1 });
  }
  // Sold out: a new user is not stored.
  const before = users.buffer.byteLength;
  for (let i = 0; i < 2000; i++) {
    assertEquals(users.take(`late-${i}`.repeat(20), take, left).result, "sold_out");
  }
  assertEquals(users.buffer.byteLength, before);
  assertEquals(users.count(), 5000);
});

Deno.test("POST /coupons with X-User: 200 with the user, 409 with the coupon it holds, 410, 400", async () => {
  const lines: string[] = [];
  const state = ServerState.create({ coupons: 2 });
  const { handler } = createService({ latencyMs: 0, jitterMs: 0, log: true }, {
    state,
    log: (l) => lines.push(l),
  });
  const post = async (user?: string) => {
    const headers: HeadersInit = user === undefined ? {} : { "x-user": user };
    const res = await handler(new Request("http://x/coupons", { method: "POST", headers }));
    return [res.status, await res.json()];
  };
  assertEquals(await post("ann"), [200, { coupon: 1, left: 1, user: "ann" }]);
  assertEquals(await post("ann"), [409, {
    error: "already_issued",
    coupon: 1,
    message: 'user "ann" already holds coupon 1',
  }]);
  assertEquals(await post(), [200, { coupon: 2, left: 0 }]);
  assertEquals(await post("bob"), [410, { error: "sold_out", message: "no coupons left" }]);
  // A user who holds one is told so after the stock is out too.
  assertEquals((await post("ann"))[0], 409);
  for (const bad of ["", "x".repeat(MAX_USER_BYTES + 1)]) {
    const [status, body] = await post(bad);
    assertEquals(status, 400);
    assertEquals(body.error, "bad_request");
    assertOk(body.message.startsWith("X-User must be 1 to 256 bytes (UTF-8), got "), body.message);
  }
  const logged = lines.map((l) => JSON.parse(l)).map((l) => [l.status, l.user, l.coupon]);
  assertEquals(logged, [
    [200, "ann", 1],
    [409, "ann", undefined],
    [200, undefined, 2],
    [410, "bob", undefined],
    [409, "ann", undefined],
    [400, undefined, undefined],
    [400, undefined, undefined],
  ]);
  // /stats and /metrics agree: 409s are counted as such, and the users who hold one.
  const stats = await (await handler(new Request("http://x/stats"))).json();
  assertEquals(stats.coupons, { total: 2, issued: 2, left: 0, users: 1 });
  assertEquals(stats.routes["/coupons"], { "200": 2, "400": 2, "409": 2, "410": 1 });
  const text = await (await handler(new Request("http://x/metrics"))).text();
  const f = families(text);
  assertEquals(valueOf(f.get("tpsdemo_serve_coupon_users")), 1);
  assertEquals(
    valueOf(f.get("tpsdemo_serve_requests_total"), { route: "/coupons", status: "409" }),
    2,
  );
});
