/**
 * `POST /coupons` and `GET /stats` of the mock app: from this process's shared memory (exact
 * across its isolates), or from a store shared with other servers (`--redis`,
 * `--redis-cluster`), which answers 503 `store_unavailable` naming itself when it cannot.
 *
 * A coupon request names its user in the `X-User` header (1 to 256 bytes of UTF-8; a header
 * rather than a body, so a load tool's per-request values fit and the route reads no body): each
 * user gets at most one coupon, ever, and asking again answers 409 with the one it holds. A
 * request without `X-User` gets an anonymous coupon, as before users existed.
 *
 * @module
 */

import type { Context, Hono } from "hono";
import { MAX_USER_BYTES } from "./coupon_users.ts";
import type { CouponTake, SharedStore } from "./settings.ts";
import type { ServerState } from "./shared_state.ts";

// What a response adds to its `--log` line (the user, the coupon issued), keyed by the response.
const logFields = new WeakMap<Response, Record<string, number | string>>();

/**
 * What the `--log` line of `res` carries besides the request's method, path, status and time:
 * for `POST /coupons`, the user it named (`X-User`) and, when it issued one, the coupon's number
 * (`{user: "ann", coupon: 17}`); a 409 or 410 carries the user only, so each number is on one
 * line.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createApp } from "./app.ts";
 * const app = createApp();
 * const res = await app.request("/coupons", { method: "POST" });
 * assert.deepEqual(logFieldsOf(res), { coupon: 1 });
 * const ann = { method: "POST", headers: { "x-user": "ann" } };
 * assert.deepEqual(logFieldsOf(await app.request("/coupons", ann)), { user: "ann", coupon: 2 });
 * assert.deepEqual(logFieldsOf(await app.request("/coupons", ann)), { user: "ann" });
 * ```
 */
export function logFieldsOf(res: Response): Record<string, number | string> | undefined {
  return logFields.get(res);
}

const SOLD_OUT: CouponTake = { result: "sold_out" };

/** The user a coupon request names (`X-User`), undefined for none, or a 400 naming the header. */
function userOf(c: Context): string | undefined | Response {
  const user = c.req.header("x-user");
  if (user === undefined) return undefined;
  const bytes = new TextEncoder().encode(user).length;
  if (bytes >= 1 && bytes <= MAX_USER_BYTES) return user;
  const message = `X-User must be 1 to ${MAX_USER_BYTES} bytes (UTF-8), got ${bytes}`;
  return c.json({ error: "bad_request", message }, 400);
}

/** The answer to a coupon request: 200, 409 with the coupon the user holds, or 410. */
function couponAnswer(c: Context, user: string | undefined, t: CouponTake): Response {
  const named: Record<string, string> = user === undefined ? {} : { user };
  const res = t.result === "issued"
    ? c.json({ coupon: t.coupon, left: t.left, ...named })
    : t.result === "already_issued"
    ? c.json({
      error: "already_issued",
      coupon: t.coupon,
      message: `user ${JSON.stringify(user)} already holds coupon ${t.coupon}`,
    }, 409)
    : c.json({ error: "sold_out", message: "no coupons left" }, 410);
  if (t.result === "issued") logFields.set(res, { ...named, coupon: t.coupon });
  else if (user !== undefined) logFields.set(res, named);
  return res;
}

/** What {@linkcode sharedRoutes} reads besides the state. */
export interface SharedRoutesOptions {
  /** A store shared with other servers (none: this process's shared memory). */
  store?: SharedStore;
  /** Epoch ms, for `/stats`. */
  epochNow: () => number;
}

/**
 * Adds `POST /coupons` and `GET /stats` to `app`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Hono } from "hono";
 * import { ServerState } from "./shared_state.ts";
 * const app = new Hono();
 * sharedRoutes(app, ServerState.create({ coupons: 1 }), { epochNow: Date.now });
 * const ask = () => app.request("/coupons", { method: "POST", headers: { "x-user": "ann" } });
 * assert.equal((await ask()).status, 200);
 * assert.deepEqual(await (await ask()).json(), {
 *   error: "already_issued",
 *   coupon: 1,
 *   message: 'user "ann" already holds coupon 1',
 * });
 * assert.equal((await app.request("/coupons", { method: "POST" })).status, 410);
 * assert.equal((await (await app.request("/stats")).json()).coupons.users, 1);
 * ```
 */
export function sharedRoutes(app: Hono, state: ServerState, options: SharedRoutesOptions): void {
  const { store, epochNow } = options;
  if (!store) {
    app.post("/coupons", (c) => {
      const user = userOf(c);
      if (user instanceof Response) return user;
      if (user !== undefined) return couponAnswer(c, user, state.takeCouponFor(user));
      const coupon = state.takeCoupon();
      const left = state.couponsLeft();
      return couponAnswer(c, user, coupon === 0 ? SOLD_OUT : { result: "issued", coupon, left });
    });
    app.get("/stats", (c) => c.json(state.snapshot(epochNow())));
    return;
  }
  // The store's message names it and says why (`Redis at redis://… cannot be reached (…)`).
  const storeDown = (c: Context, err: unknown, consequence: string) => {
    c.header("Retry-After", "1");
    const text = err instanceof Error ? err.message : String(err);
    const why = text.includes(store.name) ? text : `${store.name} failed (${text})`;
    return c.json({ error: "store_unavailable", message: `${why}; ${consequence}` }, 503);
  };
  app.post("/coupons", async (c) => {
    const user = userOf(c);
    if (user instanceof Response) return user;
    try {
      return couponAnswer(c, user, await store.takeCoupon(user));
    } catch (err) {
      return storeDown(c, err, "no coupon was issued");
    }
  });
  app.get("/stats", async (c) => {
    const now = epochNow();
    try {
      return c.json(await store.stats(state.snapshot(now), now));
    } catch (err) {
      return storeDown(c, err, "/stats reads every server's counts from it");
    }
  });
}
