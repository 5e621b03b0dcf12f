/**
 * `tpsdemo serve`: flags → the mock service bound in this isolate, or in N isolates sharing the
 * port → graceful shutdown on SIGINT/SIGTERM with a one-line summary.
 *
 * @module
 */

import { AddrInUse, startIsolates } from "../../server/isolates.ts";
import { ServerState, type StatsSnapshot } from "../../server/shared_state.ts";
import { parseFlags } from "./flags.ts";
import { SERVE_FLAGS, SERVE_HELP, settingsFromFlags } from "./serve_flags.ts";
import { onInterrupt, writeLine } from "./terminal.ts";

/**
 * The one-line shutdown summary.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ServerState } from "../../server/shared_state.ts";
 * const line = summaryLine(ServerState.create({ coupons: 5 }).snapshot(), true);
 * assert.match(line, /0 requests, coupons issued 0 of 5, all in-flight requests finished$/);
 * ```
 */
export function summaryLine(s: StatsSnapshot, drained: boolean): string {
  const statuses = Object.entries(s.status).map(([k, n]) => `${k}: ${n}`).join(", ");
  return `tpsdemo serve: stopped after ${s.uptime_s.toFixed(1)}s, ${s.requests_total} requests` +
    (statuses ? ` (${statuses})` : "") +
    `, coupons issued ${s.coupons.issued} of ${s.coupons.total}` +
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
  let port: number;
  let shutdown: (graceMs: number) => Promise<boolean>;
  try {
    ({ port, shutdown } = await startIsolates(state, {
      hostname,
      port: v.port,
      count,
      settings,
      inThisThread: true,
      log: (line) => writeLine(Deno.stderr, line),
    }));
  } catch (err) {
    const why = err instanceof AddrInUse
      ? `address ${hostname}:${v.port} is already in use`
      : err instanceof Error
      ? err.message
      : String(err);
    console.error(`Cannot start serve: ${why}`);
    return 1;
  }
  const cap = settings.capacity
    ? `capacity ${settings.capacity}/s backlog ${settings.backlog}`
    : "no capacity limit";
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  console.log(
    `tpsdemo serve: listening on http://${host}:${port} (${count} isolate${
      count > 1 ? "s" : ""
    }, ` +
      `latency ${settings.latencyMs}ms ±${settings.jitterMs}ms, ` +
      `error rate ${settings.errorRate}, ${cap})`,
  );
  await new Promise<void>((resolve) => {
    const remove = onInterrupt(() => {
      remove();
      resolve();
    }, () => {});
  });
  const drained = await shutdown(v.grace);
  console.log(summaryLine(state.snapshot(), drained));
  return 0;
}
