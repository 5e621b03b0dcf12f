// deno-lint-ignore-file no-console -- the CLI edge: printing to the terminal is its job.
/**
 * `tpsdemo serve`: flags → the mock service bound in this isolate, or in N isolates sharing the
 * port → graceful shutdown on SIGINT/SIGTERM with a one-line summary. With `--redis`, the
 * summary's coupons are the shared store's, read before it is closed.
 *
 * @module
 */

import {
  AddrInUse,
  ClusterUnreachable,
  type Isolates,
  startIsolates,
  StoreRefused,
} from "../../server/isolates.ts";
import { ServerState, type StatsSnapshot } from "../../server/shared_state.ts";
import { parseFlags, UsageError } from "./flags.ts";
import { checkWorkers, SERVE_FLAGS, SERVE_HELP, settingsFromFlags } from "./serve_flags.ts";
import { onInterrupt, writeLine } from "./terminal.ts";
import { formatDuration } from "../units.ts";

/** With `--redis`, the coupons the stop line tells: the store's count, or why there is none. */
export type SharedCoupons =
  | { store: string; coupons: StatsSnapshot["coupons"] }
  | { store: string; error: string };

/**
 * The one-line shutdown summary: this server's uptime and requests; the coupons of the store
 * that issued them (this process's stock, or `shared`, the store of `--redis`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ServerState } from "../../server/shared_state.ts";
 * const s = ServerState.create({ coupons: 5 }).snapshot();
 * assert.match(
 *   summaryLine(s, true),
 *   /0 requests, coupons issued 0 of 5, all in-flight requests finished$/,
 * );
 * const store = "Redis at redis://127.0.0.1:6379";
 * assert.match(
 *   summaryLine(s, true, { store, coupons: { total: 9, issued: 4, left: 5, users: 0 } }),
 *   /coupons issued 4 of 9 in Redis at redis:\/\/127\.0\.0\.1:6379 \(0 by this server\)/,
 * );
 * ```
 */
export function summaryLine(s: StatsSnapshot, drained: boolean, shared?: SharedCoupons): string {
  const statuses = Object.entries(s.status).map(([k, n]) => `${k}: ${n}`).join(", ");
  const n = s.requests_total;
  const here = s.routes["/coupons"]?.["200"] ?? 0;
  const coupons = !shared
    ? `coupons issued ${s.coupons.issued} of ${s.coupons.total}`
    : "coupons" in shared
    ? `coupons issued ${shared.coupons.issued} of ${shared.coupons.total} in ${shared.store} ` +
      `(${here} by this server)`
    : `coupons issued ${here} by this server (all servers' count unknown: ${shared.error})`;
  return `tpsdemo serve: stopped after ${s.uptime_s.toFixed(1)}s, ${n} request${
    n === 1 ? "" : "s"
  }` +
    (statuses ? ` (${statuses})` : "") +
    `, ${coupons}` +
    (drained ? ", all in-flight requests finished" : ", in-flight requests cut at --grace");
}

/** Runs `tpsdemo serve` until SIGINT/SIGTERM; returns the exit code. */
export async function serveCommand(args: string[]): Promise<number> {
  const v = parseFlags("serve", args, SERVE_FLAGS);
  if (v.help) {
    console.log(SERVE_HELP);
    return 0;
  }
  const settings = settingsFromFlags(v);
  const state = ServerState.create({ coupons: v.coupons });
  const hostname = v.host;
  const count = v.workers;
  checkWorkers(count);
  let iso: Isolates;
  try {
    iso = await startIsolates(state, {
      hostname,
      port: v.port,
      count,
      settings,
      inThisThread: true,
      log: (line) => writeLine(Deno.stderr, line),
      warn: (line) => writeLine(Deno.stderr, line),
    });
  } catch (err) {
    throw startError(err, hostname, v.port);
  }
  const cap = settings.capacity
    ? `capacity ${settings.capacity}/s backlog ${settings.backlog}`
    : "no capacity limit";
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  console.log(
    `tpsdemo serve: listening on http://${host}:${iso.port} (${count} isolate${
      count > 1 ? "s" : ""
    }, ` +
      `latency ${settings.latencyMs}ms ±${settings.jitterMs}ms, ` +
      `error rate ${settings.errorRate}, ${cap}` +
      `${iso.store ? `; coupons and /stats shared in ${iso.store}` : ""})`,
  );
  // The first Ctrl-C stops accepting and lets in-flight requests finish within --grace; a
  // second one stops at once. Both print the summary.
  let now: () => void = () => {};
  const again = new Promise<false>((resolve) => now = () => resolve(false));
  let first: () => void = () => {};
  const stopping = new Promise<void>((resolve) => first = resolve);
  // On stdout with the other human lines; stderr carries --log's JSON lines and the store's
  // warnings.
  const removeSignals = onInterrupt(() => {
    writeLine(
      Deno.stdout,
      `tpsdemo serve: stopping; in-flight requests may take up to ${formatDuration(v.grace)} ` +
        "(Ctrl-C again to stop now)",
    );
    first();
  }, () => now());
  await stopping;
  const drained = await Promise.race([iso.drain(v.grace), again]);
  const shared = await sharedCoupons(iso);
  await iso.close();
  removeSignals();
  console.log(summaryLine(state.snapshot(), drained, shared));
  return 0;
}

/** With `--redis`: the store's coupons (every server's), or why they cannot be read. */
async function sharedCoupons(iso: Isolates): Promise<SharedCoupons | undefined> {
  const store = iso.store;
  if (store === undefined) return undefined;
  try {
    return { store, coupons: (await iso.stats()).coupons };
  } catch (err) {
    return { store, error: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * Why `serve` cannot start, as main.ts prints it (`tpsdemo: …`): a {@linkcode UsageError} (exit
 * 2) naming the flag when `--host`, `--port` or `--redis` cannot be used here, an Error (exit 1)
 * when the port is taken, the Redis Cluster of `--redis-cluster` cannot be reached, or anything
 * else went wrong.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AddrInUse } from "../../server/isolates.ts";
 * import { UsageError } from "./flags.ts";
 * assert.equal(
 *   startError(new AddrInUse("in use"), "127.0.0.1", 8000).message,
 *   "Cannot start serve: port 8000 is already in use on 127.0.0.1; stop what holds it, or " +
 *     "choose another port ('--port 0' picks a free one)",
 * );
 * const host = startError(new Error("failed to lookup address information"), "999.1.1.1", 8000);
 * assert.ok(host instanceof UsageError);
 * assert.match(host.message, /^Cannot start serve: '--host' must be an address of this machine/);
 * ```
 */
export function startError(err: unknown, hostname: string, port: number): Error {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof AddrInUse) {
    return new Error(
      `Cannot start serve: port ${port} is already in use on ${hostname}; stop what holds it, ` +
        "or choose another port ('--port 0' picks a free one)",
    );
  }
  if (err instanceof ClusterUnreachable) {
    // Well-formed, but not there (as a busy port): exit 1, naming the flag and the nodes.
    return new Error(
      `Cannot start serve: the Redis Cluster of '--redis-cluster' ${err.problem}; start it, or ` +
        `name its nodes (${err.store.replace("Redis Cluster at ", "")})`,
    );
  }
  if (err instanceof StoreRefused) {
    return UsageError.invalid(
      "serve",
      "--redis",
      err.url,
      `a Redis that accepts its password and database (it answered ${JSON.stringify(err.answer)})`,
    );
  }
  if (err instanceof Deno.errors.PermissionDenied || /permission denied/i.test(message)) {
    return UsageError.invalid(
      "serve",
      "--port",
      String(port),
      "one this user may bind (below 1024 needs root)",
    );
  }
  if (
    err instanceof Deno.errors.AddrNotAvailable ||
    /lookup|resolve|invalid|not available|assign requested/i.test(message)
  ) {
    return UsageError.invalid(
      "serve",
      "--host",
      hostname,
      `an address of this machine (${message.split("\n")[0]})`,
    );
  }
  return new Error(`Cannot start serve: ${message.split("\n")[0]}`);
}
