/**
 * `tpsdemo serve`: flags → the mock app bound with `Deno.serve` (in this isolate, or in N
 * isolates sharing the port) → graceful shutdown on SIGINT/SIGTERM with a one-line summary.
 *
 * @module
 */

import { settlesWithin } from "../lib/clock.ts";
import { parseFlags } from "../lib/flags.ts";
import { appOptionsFromFlags, SERVE_FLAGS, SERVE_HELP } from "./serve_flags.ts";
import { createApp } from "./app.ts";
import { startIsolates } from "./isolates.ts";
import { ServerState, type StatsSnapshot } from "./shared_state.ts";

/** The one-line shutdown summary. */
export function summaryLine(s: StatsSnapshot, drained: boolean): string {
  const statuses = Object.entries(s.status).map(([k, n]) => `${k}: ${n}`).join(", ");
  return `tpsdemo serve: stopped after ${s.uptime_s.toFixed(1)}s, ${s.requests_total} requests` +
    (statuses ? ` (${statuses})` : "") +
    `, coupons issued ${s.coupons.issued} of ${s.coupons.total}` +
    (drained ? ", all in-flight requests finished" : ", in-flight requests cut at --grace");
}

function waitForSignal(): Promise<string> {
  return new Promise((resolve) => {
    const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
    const handler = (name: string) => () => {
      for (const s of signals) Deno.removeSignalListener(s, handlers[s]);
      resolve(name);
    };
    const handlers = Object.fromEntries(signals.map((s) => [s, handler(s)])) as Record<
      string,
      () => void
    >;
    for (const s of signals) Deno.addSignalListener(s, handlers[s]);
  });
}

/**
 * Runs `tpsdemo serve` until SIGINT/SIGTERM; returns the exit code.
 *
 * @example
 * ```ts
 * const code = await serveCommand(["--port", "0"]);
 * ```
 */
export async function serveCommand(args: string[]): Promise<number> {
  const v = parseFlags("serve", args, SERVE_FLAGS);
  if (v.help) {
    console.log(SERVE_HELP);
    return 0;
  }
  const app = appOptionsFromFlags(v);
  const state = ServerState.create({ coupons: v.coupons as number });
  const hostname = v.host as string;
  const count = v.workers as number;
  const graceMs = v.grace as number;
  let port: number;
  let shutdown: () => Promise<boolean>;
  try {
    if (count === 1) {
      state.addIsolate();
      const encoder = new TextEncoder();
      const { log, ...rest } = app;
      const handler = createApp({
        ...rest,
        state,
        log: log ? (line) => Deno.stderr.writeSync(encoder.encode(line + "\n")) : undefined,
      }).fetch;
      const server = Deno.serve({ hostname, port: v.port as number, onListen: () => {} }, handler);
      port = server.addr.port;
      shutdown = () => settlesWithin(server.shutdown(), graceMs);
    } else {
      const iso = await startIsolates(state, { hostname, port: v.port as number, count, app });
      port = iso.port;
      shutdown = () => iso.shutdown(graceMs);
    }
  } catch (err) {
    const why = err instanceof Deno.errors.AddrInUse
      ? `address ${hostname}:${v.port} is already in use`
      : err instanceof Error
      ? err.message
      : String(err);
    console.error(`Cannot start serve: ${why}`);
    return 1;
  }
  const cap = app.capacity
    ? `capacity ${app.capacity}/s backlog ${app.backlog}`
    : "no capacity limit";
  console.log(
    `tpsdemo serve: listening on http://${
      hostname.includes(":") ? `[${hostname}]` : hostname
    }:${port} (${count} isolate${
      count > 1 ? "s" : ""
    }, latency ${app.latencyMs}ms ±${app.jitterMs}ms, ` +
      `error rate ${app.errorRate}, ${cap})`,
  );
  await waitForSignal();
  const drained = await shutdown();
  console.log(summaryLine(state.snapshot(), drained));
  return 0;
}
