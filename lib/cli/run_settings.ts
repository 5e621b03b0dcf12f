/**
 * From `tpsdemo run`'s parsed flags to the run's config: the request (URL, method, headers,
 * body, Basic auth from URL credentials), the pacing, the consumers and the CPU jobs. Checked
 * before anything starts, so a bad value exits 2 naming its flag.
 *
 * @module
 */

import { METHODS } from "../workload/mod.ts";
import { connectionFlags } from "./run_tls.ts";
import type { RequestSpec } from "../client/http/mod.ts";
import type { RunConfig } from "../client/run.ts";
import type { Shard, Stage } from "../client/pace/mod.ts";
import { UsageError } from "./flags.ts";
import { planOf, vusOf } from "./run_vus.ts";
import { DEFAULT_CONSUMERS, MAX_AUTO_CONSUMERS, type RunFlags } from "./run_flags.ts";

const enc = new TextEncoder();

function fail(flag: string, value: string, allowed: string): never {
  throw UsageError.invalid("run", flag, value, allowed);
}

/**
 * Builds the run's config from parsed flags (with a placeholder URL when it is embedded).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseFlags } from "./flags.ts";
 * import { RUN_FLAGS } from "./run_flags.ts";
 * const v = parseFlags("run", ["--rate", "100", "-H", "X-Test: 1"], RUN_FLAGS);
 * const config = configFromFlags(v, new URL("http://127.0.0.1:8000/api/work"));
 * assert.equal(config.rate, 100);
 * assert.deepEqual(config.request.headers, [["X-Test", "1"]]);
 * ```
 */
export function configFromFlags(v: RunFlags, target: URL): RunConfig {
  let url = target;
  const method = v.method.toUpperCase();
  if (!METHODS.includes(method)) fail("--method", v.method, `one of ${METHODS.join(", ")}`);
  const headers: [string, string][] = v.header.map((h) => {
    const i = h.indexOf(":");
    const name = i > 0 ? h.slice(0, i).trim() : "";
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) fail("--header", h, "'Name: value'");
    const value = h.slice(i + 1).trim();
    // CR, LF or NUL would end the header early: another header, or a request, smuggled in.
    if (/[\r\n\0]/.test(value)) fail("--header", h, "a value without CR, LF or NUL");
    return [name, value];
  });
  let body: Uint8Array | undefined;
  if (v.body !== undefined && v["body-file"] !== undefined) {
    throw new UsageError("Cannot start run: '--body' and '--body-file' cannot both be given");
  }
  if (v.body !== undefined) body = enc.encode(v.body);
  const bodyFile = v["body-file"];
  if (bodyFile !== undefined) {
    try {
      body = Deno.readFileSync(bodyFile);
    } catch (err) {
      fail("--body-file", bodyFile, `a readable file (${(err as Error).name})`);
    }
  }
  let rate = v["rate-limit"];
  const plan = v.stages !== undefined ? planOf(v.stages) : undefined;
  const stages: Stage[] | undefined = plan?.unit === "rate" ? plan.stages : undefined;
  if (stages) rate = Math.max(1, ...stages.map((s) => s.rate));
  // Virtual users (the closed model): no rate, a consumer for each VU at the plan's peak.
  const vus = vusOf(v, plan, shardOf(v));
  const peak = typeof vus === "object" ? Math.max(...vus.map((s) => s.vus)) : vus;
  if (vus !== undefined) rate = 0;
  const adaptive = v.adaptive === "seed" ? "seed" : v.adaptive === true ? "capacity" : false;
  if (adaptive && rate === 0) {
    throw new UsageError(
      "Cannot start run: '--adaptive' needs '--rate-limit' above 0 (the ceiling it adapts under)",
    );
  }
  const shard = shardOf(v);
  if (shard) {
    if (adaptive) {
      throw new UsageError(
        "Cannot start run: '--adaptive' cannot be sharded: each shard would adapt to the load " +
          "the others put on the same target, and they would fight; run one adaptive client, " +
          "or fixed-rate shards",
        { flag: "--adaptive", allowed: "without --shard or --shards" },
      );
    }
    if (rate === 0) fail("--rate-limit", "0", "above 0 with shards (closed loop has no schedule)");
    rate = rate / shard.count;
  }
  const startAt = v["start-at"] === undefined ? undefined : startAtOf(v["start-at"]);
  const engine = v.engine === "fetch" ? "fetch" : "raw";
  const connection = connectionFlags(v, url);
  // No keep-alive: the server is told so, and closes each connection after its response.
  if (!connection.keepAlive && !headers.some(([k]) => k.toLowerCase() === "connection")) {
    headers.push(["Connection", "close"]);
  }
  // Credentials in the URL are sent as Basic auth (as curl does) and never printed: the URL the
  // run keeps, and every output shows, has none.
  if (url.username !== "" || url.password !== "") {
    if (!headers.some(([k]) => k.toLowerCase() === "authorization")) {
      const user = decodeURIComponent(url.username);
      const pass = decodeURIComponent(url.password);
      const token = btoa(String.fromCharCode(...enc.encode(`${user}:${pass}`)));
      headers.push(["Authorization", `Basic ${token}`]);
    }
    url = new URL(url.href);
    url.username = "";
    url.password = "";
  }
  const request: RequestSpec = { url, method, headers, body };
  return {
    request,
    rate,
    burst: v.burst,
    consumers: peak ?? v.consumers ?? DEFAULT_CONSUMERS,
    maxConsumers: v.consumers === undefined && peak === undefined ? MAX_AUTO_CONSUMERS : undefined,
    queueSize: v["queue-size"],
    workers: v.workers,
    workTimeMs: v["work-time"],
    workKind: v["work-kind"],
    durationMs: v.duration,
    requests: v.requests,
    intervalMs: v.interval,
    timeoutMs: v.timeout,
    adaptive,
    engine,
    connection,
    precision: v.precision,
    ...(stages ? { stages } : {}),
    ...(vus !== undefined ? { vus } : {}),
    ...(shard ? { shard } : {}),
    ...(startAt !== undefined ? { startAtUnixMs: startAt } : {}),
  };
}

/**
 * Parses `--url`: an http:// or https:// URL, or a {@linkcode UsageError}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { UsageError } from "./flags.ts";
 * assert.equal(parseUrl("http://127.0.0.1:8000/api/work").port, "8000");
 * assert.throws(() => parseUrl("ftp://x"), UsageError);
 * ```
 */
export function parseUrl(text: string): URL {
  // Never echo credentials, even in an error.
  const raw = text.replace(/\/\/[^/@]*@/, "//***@");
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    fail("--url", raw, "an http:// or https:// URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    fail("--url", raw, "an http:// or https:// URL");
  }
  return url;
}

/**
 * Splits `--server`'s flags on white space.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(splitArgs(" --capacity  300 "), ["--capacity", "300"]);
 * assert.deepEqual(splitArgs(""), []);
 * ```
 */
export function splitArgs(text: string): string[] {
  return text.trim() === "" ? [] : text.trim().split(/\s+/);
}

/**
 * This process's shard: `--shard I/N`, or `--shards N` (or `$TPSDEMO_SHARDS`) with the index from
 * `$JOB_COMPLETION_INDEX` (what a Kubernetes Indexed Job sets); none when neither is given.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(shardOf({ shard: "2/3" }), { index: 2, count: 3 });
 * const env = (name: string) => ({ JOB_COMPLETION_INDEX: "1" } as Record<string, string>)[name];
 * assert.deepEqual(shardOf({ shards: 4 }, env), { index: 1, count: 4 });
 * assert.equal(shardOf({}, () => undefined), undefined);
 * ```
 */
export function shardOf(
  v: { shard?: string; shards?: number },
  env: (name: string) => string | undefined = (name) => Deno.env.get(name),
): Shard | undefined {
  if (v.shard !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(v.shard);
    const index = m ? Number(m[1]) : NaN, count = m ? Number(m[2]) : NaN;
    if (!m || !(count >= 1 && count <= 10_000 && index < count)) {
      fail("--shard", v.shard, "I/N with 0 <= I < N <= 10000, e.g. 0/3");
    }
    return { index, count };
  }
  if (v.shards === undefined && env("TPSDEMO_SHARDS") === undefined) return undefined;
  const fromEnv = env("TPSDEMO_SHARDS");
  const count = v.shards ?? (fromEnv === undefined ? undefined : Number(fromEnv));
  if (count === undefined) return undefined;
  if (!(Number.isInteger(count) && count >= 1 && count <= 10_000)) {
    fail("TPSDEMO_SHARDS", String(fromEnv), "a whole number from 1 to 10000");
  }
  const raw = env("JOB_COMPLETION_INDEX");
  const index = raw === undefined ? NaN : Number(raw);
  if (!(Number.isInteger(index) && index >= 0 && index < count)) {
    fail(
      "--shards",
      String(count),
      `a shard index in $JOB_COMPLETION_INDEX from 0 to ${count - 1} (got ${raw ?? "none"}), ` +
        "or --shard I/N",
    );
  }
  return { index, count };
}

/**
 * `--start-at`: RFC 3339 (`2026-11-24T15:00:00Z`) or Unix ms; ms since the epoch.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(startAtOf("2026-01-01T00:00:00Z"), 1767225600000);
 * assert.equal(startAtOf("1767225600000"), 1767225600000);
 * ```
 */
export function startAtOf(text: string): number {
  const ms = /^\d{12,}$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms) || !/^\d{12,}$|^\d{4}-\d\d-\d\dT/.test(text)) {
    fail("--start-at", text, "an RFC 3339 time (2026-11-24T15:00:00Z) or Unix ms");
  }
  return ms;
}
