/**
 * `tpsdemo serve`: flags → the mock app bound with `Deno.serve` (in this isolate, or in N
 * isolates sharing the port) → graceful shutdown on SIGINT/SIGTERM with a one-line summary.
 *
 * @module
 */

import { settlesWithin } from "../lib/clock.ts";
import { type FlagSpec, parseFlags, renderHelp } from "../lib/flags.ts";
import type { IsolateAppOptions } from "../workers/messages.ts";
import { createApp } from "./app.ts";
import { startIsolates } from "./isolates.ts";
import { ServerState, type StatsSnapshot } from "./shared_state.ts";

/** The flags of `serve`. */
export const SERVE_FLAGS: FlagSpec[] = [
  {
    name: "host",
    type: "string",
    default: "127.0.0.1",
    valueName: "ADDR",
    help: "Address to bind",
  },
  {
    name: "port",
    type: "int",
    default: 8000,
    min: 0,
    max: 65535,
    valueName: "N",
    help: "Port; 0 picks a free one",
  },
  {
    name: "latency",
    type: "duration",
    default: 20,
    min: 0,
    max: 60_000,
    help: "Injected latency of /api/work",
  },
  {
    name: "jitter",
    type: "duration",
    default: 5,
    min: 0,
    max: 60_000,
    help: "Uniform ± jitter around the latency",
  },
  {
    name: "error-rate",
    type: "number",
    default: 0,
    min: 0,
    max: 1,
    valueName: "P",
    help: "Fraction of /api/work answered 503 with Retry-After",
  },
  {
    name: "capacity",
    type: "number",
    default: 0,
    min: 0,
    valueName: "RPS",
    help: "Requests/s /api/work sustains (token bucket); 0 = unlimited",
  },
  {
    name: "burst",
    type: "int",
    min: 1,
    valueName: "N",
    help: "Token bucket size of --capacity (default 1% of capacity, at least 1)",
  },
  {
    name: "backlog",
    type: "int",
    default: 100,
    min: 0,
    valueName: "N",
    help: "Requests that may wait for capacity; past it 503 at once",
  },
  {
    name: "compute",
    type: "duration",
    default: 20,
    min: 0,
    max: 10_000,
    help: "CPU work of /slow and of a /cached miss",
  },
  { name: "cache-ttl", type: "duration", default: 5000, min: 0, help: "TTL of /cached entries" },
  {
    name: "coupons",
    type: "int",
    default: 10_000,
    min: 0,
    max: 2 ** 31 - 2,
    valueName: "N",
    help: "Coupons in stock for POST /coupons",
  },
  {
    name: "max-body",
    type: "bytes",
    default: 1024 * 1024,
    min: 0,
    valueName: "SIZE",
    help: "Largest request body; larger gets 413",
  },
  {
    name: "workers",
    type: "int",
    default: 1,
    min: 1,
    max: 256,
    valueName: "N",
    help: "Server isolates sharing the port (reusePort)",
  },
  {
    name: "grace",
    type: "duration",
    default: 5000,
    min: 0,
    help: "On SIGINT/SIGTERM, how long in-flight requests may finish",
  },
  { name: "log", type: "boolean", default: false, help: "One JSON line per request on stderr" },
];

/** Help text of `serve`. */
export const SERVE_HELP = renderHelp(
  "serve",
  "Runs the mock HTTP service: /api/work (latency, errors, capacity), /slow, /cached,\n" +
    "POST /coupons, /stats, /healthz.",
  SERVE_FLAGS,
);

/** The app settings that `serve`'s flags give. */
export function appOptionsFromFlags(v: Record<string, unknown>): IsolateAppOptions {
  return {
    latencyMs: v.latency as number,
    jitterMs: v.jitter as number,
    errorRate: v["error-rate"] as number,
    capacity: v.capacity as number,
    burst: v.burst as number | undefined,
    backlog: v.backlog as number,
    computeMs: v.compute as number,
    cacheTtlMs: v["cache-ttl"] as number,
    maxBodyBytes: v["max-body"] as number,
    log: v.log as boolean,
  };
}

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
