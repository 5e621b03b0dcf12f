// deno-lint-ignore-file no-console -- the CLI edge: printing to the terminal is its job.
/**
 * `tpsdemo serve`: flags → the mock service bound in this isolate, or in N isolates sharing the
 * port → graceful shutdown on SIGINT/SIGTERM with a one-line summary.
 *
 * @module
 */

import { AddrInUse, startIsolates } from "../../server/isolates.ts";
import { ServerState, type StatsSnapshot } from "../../server/shared_state.ts";
import { parseFlags } from "./flags.ts";
import { checkWorkers, SERVE_FLAGS, SERVE_HELP, settingsFromFlags } from "./serve_flags.ts";
import { onInterrupt, writeLine } from "./terminal.ts";
import { formatDuration } from "../units.ts";

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
  const n = s.requests_total;
  return `tpsdemo serve: stopped after ${s.uptime_s.toFixed(1)}s, ${n} request${
    n === 1 ? "" : "s"
  }` +
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
  checkWorkers(count);
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
      warn: (line) => writeLine(Deno.stderr, line),
    }));
  } catch (err) {
    console.error(`Cannot start serve: ${bindError(err, hostname, v.port)}`);
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
      `error rate ${settings.errorRate}, ${cap}` +
      `${settings.redis ? `; coupons and /stats shared on ${settings.redis}` : ""})`,
  );
  // The first Ctrl-C stops accepting and lets in-flight requests finish within --grace; a
  // second one stops at once. Both print the summary.
  let now: () => void = () => {};
  const again = new Promise<false>((resolve) => now = () => resolve(false));
  let first: () => void = () => {};
  const stopping = new Promise<void>((resolve) => first = resolve);
  // On stdout with the other human lines: stderr carries --log's JSON lines only.
  const removeSignals = onInterrupt(() => {
    writeLine(
      Deno.stdout,
      `tpsdemo serve: stopping; in-flight requests may take up to ${formatDuration(v.grace)} ` +
        "(Ctrl-C again to stop now)",
    );
    first();
  }, () => now());
  await stopping;
  const drained = await Promise.race([shutdown(v.grace), again]);
  removeSignals();
  console.log(summaryLine(state.snapshot(), drained));
  return 0;
}

/**
 * What went wrong binding, naming the flag at fault.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AddrInUse } from "../../server/isolates.ts";
 * assert.equal(
 *   bindError(new AddrInUse("in use"), "127.0.0.1", 8000),
 *   "address 127.0.0.1:8000 is already in use",
 * );
 * assert.match(
 *   bindError(new Error("failed to lookup address information"), "999.1.1.1", 8000),
 *   /^'--host' must be an address of this machine, got "999.1.1.1"/,
 * );
 * ```
 */
export function bindError(err: unknown, hostname: string, port: number): string {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof AddrInUse) return `address ${hostname}:${port} is already in use`;
  if (err instanceof Deno.errors.PermissionDenied) {
    return `'--port' must be one this user may bind (below 1024 needs root), got "${port}"`;
  }
  if (
    err instanceof Deno.errors.AddrNotAvailable ||
    /lookup|resolve|invalid|not available|assign requested/i.test(message)
  ) return `'--host' must be an address of this machine, got "${hostname}" (${message})`;
  return message;
}
