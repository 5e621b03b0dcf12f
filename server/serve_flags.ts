/**
 * The flags of `tpsdemo serve` and the app settings they give: apart from the command, so `run`
 * (whose embedded server takes them through `--server`) and `--help` load no Hono.
 *
 * @module
 */

import { type FlagSpec, renderHelp } from "../lib/flags.ts";
import type { IsolateAppOptions } from "../workers/messages.ts";

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
