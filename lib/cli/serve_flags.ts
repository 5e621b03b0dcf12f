/**
 * The flags of `tpsdemo serve` and the server settings they give: apart from the command, so
 * `run` (whose embedded server takes them through `--server`) and `--help` load no Hono.
 *
 * @module
 */

import type { ServerSettings } from "../../server/settings.ts";
import { type FlagSpecs, type FlagValues, UsageError } from "./flags.ts";
import { renderHelp } from "./help.ts";

/** The flags of `serve`. */
export const SERVE_FLAGS = {
  "host": {
    type: "string",
    default: "127.0.0.1",
    valueName: "ADDR",
    help: "Address to bind",
  },
  "port": {
    type: "int",
    default: 8000,
    min: 0,
    max: 65535,
    valueName: "N",
    help: "Port; 0 picks a free one",
  },
  "latency": {
    type: "duration",
    default: 20,
    min: 0,
    max: 60_000,
    help: "Injected latency of /api/work",
  },
  "jitter": {
    type: "duration",
    default: 5,
    min: 0,
    max: 60_000,
    help: "Uniform ± jitter around the latency",
  },
  "error-rate": {
    type: "number",
    default: 0,
    min: 0,
    max: 1,
    valueName: "P",
    help: "Fraction of /api/work answered 503 with Retry-After",
  },
  "capacity": {
    type: "number",
    default: 0,
    min: 0,
    valueName: "RPS",
    help: "Requests/s /api/work sustains (token bucket); 0 = unlimited",
  },
  "burst": {
    type: "int",
    min: 1,
    valueName: "N",
    help: "Token bucket size of --capacity (default 1% of capacity, at least 1)",
  },
  "backlog": {
    type: "int",
    default: 100,
    min: 0,
    valueName: "N",
    help: "Requests that may wait for capacity; past it 503 at once",
  },
  "compute": {
    type: "duration",
    default: 20,
    min: 0,
    max: 10_000,
    help: "CPU work of /slow and of a /cached miss",
  },
  "cache-ttl": { type: "duration", default: 5000, min: 0, help: "TTL of /cached entries" },
  "coupons": {
    type: "int",
    default: 10_000,
    min: 0,
    max: 2 ** 31 - 2,
    valueName: "N",
    help: "Coupons in stock for POST /coupons",
  },
  "max-body": {
    type: "bytes",
    default: 1024 * 1024,
    min: 0,
    valueName: "SIZE",
    help: "Largest request body; larger gets 413",
  },
  "workers": {
    type: "int",
    default: 1,
    min: 1,
    max: 256,
    valueName: "N",
    help: "Server isolates sharing the port (reusePort)",
  },
  "grace": {
    type: "duration",
    default: 5000,
    min: 0,
    help: "On SIGINT/SIGTERM, how long in-flight requests may finish",
  },
  "log": { type: "boolean", default: false, help: "One JSON line per request on stderr" },
  "redis": {
    type: "string",
    valueName: "URL",
    help: "Share coupons and /stats with every server on this Redis (redis://host:6379)",
  },
  "redis-cluster": {
    type: "string",
    valueName: "HOST:PORT,…",
    help: "Share coupons and /stats on this Redis Cluster (any of its nodes), the stock split " +
      "over its masters",
  },
  "redis-prefix": {
    type: "string",
    default: "tpsdemo:",
    valueName: "PREFIX",
    help: "Key prefix in that Redis or Redis Cluster",
  },
} as const satisfies FlagSpecs;

/** Parsed `serve` flags. */
export type ServeFlags = FlagValues<typeof SERVE_FLAGS>;

/** Help text of `serve`. */
export const SERVE_HELP = renderHelp(
  "serve",
  "Runs the mock HTTP service: /api/work (latency, errors, capacity), /slow, /cached,\n" +
    "POST /coupons, /stats, /healthz, /metrics (Prometheus).",
  SERVE_FLAGS,
);

/**
 * The server settings that `serve`'s flags give.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseFlags } from "./flags.ts";
 * const v = parseFlags("serve", ["--capacity", "300", "--latency", "5ms"], SERVE_FLAGS);
 * const s = settingsFromFlags(v);
 * assert.equal(s.capacity, 300);
 * assert.equal(s.latencyMs, 5);
 * ```
 */
export function settingsFromFlags(v: ServeFlags): ServerSettings {
  return {
    latencyMs: v.latency,
    jitterMs: v.jitter,
    errorRate: v["error-rate"],
    capacity: v.capacity,
    burst: v.burst,
    backlog: v.backlog,
    computeMs: v.compute,
    cacheTtlMs: v["cache-ttl"],
    maxBodyBytes: v["max-body"],
    log: v.log,
    ...(v.redis !== undefined ? { redis: redisUrl(v.redis), redisPrefix: v["redis-prefix"] } : {}),
    ...(v["redis-cluster"] !== undefined ? redisCluster(v) : {}),
  };
}

/**
 * `--redis-cluster`: one store, not two (`--redis` too is a usage error), its nodes as
 * `HOST:PORT[,HOST:PORT…]`, and a prefix without `{` or `}` (the keys' hash tags follow it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseFlags } from "./flags.ts";
 * const settings = (...args: string[]) => settingsFromFlags(parseFlags("serve", args, SERVE_FLAGS));
 * assert.deepEqual(settings("--redis-cluster", "10.0.0.1:7000,[::1]:7001").redisCluster, [
 *   "10.0.0.1:7000",
 *   "[::1]:7001",
 * ]);
 * assert.throws(() => settings("--redis-cluster", "10.0.0.1"), /HOST:PORT/);
 * assert.throws(
 *   () => settings("--redis-cluster", "a:1", "--redis", "redis://a:2"),
 *   /'--redis' and '--redis-cluster' name two stores/,
 * );
 * ```
 */
function redisCluster(v: ServeFlags): Pick<ServerSettings, "redisCluster" | "redisPrefix"> {
  const text = v["redis-cluster"]!;
  if (v.redis !== undefined) {
    throw new UsageError(
      "Cannot start serve: '--redis' and '--redis-cluster' name two stores; give one",
      { flag: "--redis-cluster", value: text, allowed: "without --redis" },
    );
  }
  const nodes = text.split(",");
  const ok = nodes.every((node) => {
    const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(node);
    return m !== null && Number(m[2]) >= 1 && Number(m[2]) <= 65535;
  });
  if (!ok) {
    throw UsageError.invalid(
      "serve",
      "--redis-cluster",
      text,
      "HOST:PORT[,HOST:PORT…], nodes of the cluster (127.0.0.1:7000,127.0.0.1:7001; [::1]:7000)",
    );
  }
  const prefix = v["redis-prefix"];
  if (/[{}]/.test(prefix)) {
    throw UsageError.invalid(
      "serve",
      "--redis-prefix",
      prefix,
      "a prefix without { or } with --redis-cluster (the keys' hash tags follow it)",
    );
  }
  return { redisCluster: nodes, redisPrefix: prefix };
}

/**
 * `--workers` above 1 shares one port between isolates with `SO_REUSEPORT`, which spreads the
 * connections only on Linux (macOS would send them all to one isolate; Windows has no such
 * option): elsewhere it is refused, naming the flag.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.doesNotThrow(() => checkWorkers(2, "linux"));
 * assert.throws(() => checkWorkers(2, "darwin"), /needs Linux/);
 * ```
 */
export function checkWorkers(workers: number, os: string = Deno.build.os, command = "serve"): void {
  if (workers > 1 && os !== "linux") {
    throw UsageError.invalid(
      command,
      "--workers",
      String(workers),
      `1 on ${os}: isolates sharing a port (SO_REUSEPORT) needs Linux`,
    );
  }
}

/**
 * `--redis`: a `redis://` or `rediss://` URL with a host, and a database number or none.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(redisUrl("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
 * assert.equal(redisUrl("rediss://:secret@cache:6380/2"), "rediss://:secret@cache:6380/2");
 * assert.throws(() => redisUrl("127.0.0.1:6379"), /redis:\/\/host:port/);
 * assert.throws(() => redisUrl("redis://127.0.0.1/abc"), /database number/);
 * ```
 */
export function redisUrl(text: string): string {
  let ok = false;
  try {
    const u = new URL(text);
    // The path, if any, is the database number (ioredis would send any other text to SELECT).
    ok = (u.protocol === "redis:" || u.protocol === "rediss:") && u.hostname !== "" &&
      /^(\/\d*)?$/.test(u.pathname);
  } catch { /* below */ }
  if (!ok) {
    throw UsageError.invalid(
      "serve",
      "--redis",
      text.replace(/\/\/[^@/]*@/, "//***@"),
      "a URL such as redis://host:port or redis://host:port/N (N: a database number)",
    );
  }
  return text;
}
