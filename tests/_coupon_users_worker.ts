/**
 * A Worker for tests/coupon_users_test.ts: asks for a coupon for each user it is given, as a
 * server isolate's `POST /coupons` would, over a server's shared state (`buffer`) or over a bare
 * table of users (`table`) whose coupons come from a shared counter without end. It waits on a
 * shared flag before the first, so every Worker starts at once.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { CouponUsers } from "../server/coupon_users.ts";
import type { CouponTake } from "../server/settings.ts";
import { ServerState } from "../server/shared_state.ts";

/** The job: the buffers, a start flag (Int32s: [go 0 → 1, Workers ready]), the users. */
export type CouponUsersJob =
  & { go: SharedArrayBuffer; names: string[] }
  & (
    | { buffer: SharedArrayBuffer; users: SharedArrayBuffer }
    | { table: SharedArrayBuffer; counter: SharedArrayBuffer }
  );

self.onmessage = (e: MessageEvent<CouponUsersJob>) => {
  const job = e.data;
  let take: (name: string) => CouponTake;
  if ("buffer" in job) {
    const state = ServerState.attach(job.buffer, job.users);
    take = (name) => state.takeCouponFor(name);
  } else {
    const users = CouponUsers.attach(job.table);
    const counter = new Int32Array(job.counter);
    take = (name) => users.take(name, () => Atomics.add(counter, 0, 1) + 1, () => 1);
  }
  const flag = new Int32Array(job.go);
  Atomics.add(flag, 1, 1);
  Atomics.notify(flag, 1);
  Atomics.wait(flag, 0, 0);
  self.postMessage(job.names.map(take));
};
