/**
 * The flags of `tpsdemo run` and the run config they give. Apart from the command, so they can be
 * tested without starting anything.
 *
 * @module
 */

import type { RequestSpec } from "../client/connection.ts";
import type { RunConfig } from "../client/run.ts";
import { type FlagSpecs, type FlagValues, UsageError } from "./flags.ts";
import { renderHelp } from "./help.ts";

/** The flags of `run`. */
export const RUN_FLAGS = {
  "url": {
    type: "string",
    valueName: "URL",
    help: "Target; without it an embedded mock server is started and /api/work targeted",
  },
  "rate-limit": {
    type: "number",
    aliases: ["rate"],
    default: 60,
    min: 0,
    max: 10_000_000,
    valueName: "RPS",
    help: "Target requests/s; 0 = as fast as the consumers go (closed loop)",
  },
  "consumers": {
    type: "int",
    min: 1,
    max: 10_000,
    valueName: "N",
    help: "Requests in flight at most, one keep-alive connection each (default: 4 at the " +
      "start, more as rate x latency needs them, up to 1024)",
  },
  "workers": {
    type: "int",
    default: 8,
    min: 1,
    max: 256,
    valueName: "N",
    help: "Web Workers for the CPU job of each response",
  },
  "work-time": {
    type: "duration",
    default: 200,
    min: 0,
    max: 600_000,
    help: "CPU work per response (bare number = seconds); 0 skips the job",
  },
  "work-kind": {
    type: "string",
    default: "cpu",
    choices: ["cpu", "sleep"],
    valueName: "KIND",
    help: "cpu: real hashing work; sleep: a blocking wait that uses no CPU",
  },
  "queue-size": {
    type: "int",
    default: 200,
    min: 1,
    max: 1_000_000,
    valueName: "N",
    help: "Ticks that may wait for a consumer, and CPU jobs for a Worker (backpressure past it)",
  },
  "burst": {
    type: "int",
    default: 1,
    min: 1,
    max: 1_000_000,
    valueName: "N",
    help: "Token bucket size of the pacer; 1 = uniform schedule",
  },
  "duration": { type: "duration", gt: 0, help: "Stop after this long (default: Ctrl-C)" },
  "requests": {
    type: "int",
    min: 1,
    valueName: "N",
    help: "Stop after this many requests",
  },
  "adaptive": {
    type: "boolean",
    default: false,
    optionalValue: ["seed"],
    help: "Adapt the rate to what the target and the client sustain (=seed: the source's EWMA)",
  },
  "json": { type: "boolean", default: false, help: "One JSON object per line on stdout" },
  "interval": {
    type: "duration",
    default: 1000,
    min: 10,
    max: 3_600_000,
    help: "Stats interval",
  },
  "timeout": { type: "duration", default: 5000, gt: 0, help: "Per-request timeout" },
  "method": {
    type: "string",
    default: "GET",
    valueName: "METHOD",
    help: "HTTP method",
  },
  "header": {
    type: "string",
    aliases: ["H"],
    multiple: true,
    valueName: "'NAME: VALUE'",
    help: "Request header (repeatable)",
  },
  "body": { type: "string", valueName: "TEXT", help: "Request body" },
  "body-file": { type: "string", valueName: "PATH", help: "Request body from a file" },
  "out": {
    type: "string",
    valueName: "FILE",
    help: "Also write the results (the JSON lines) to FILE, for 'tpsdemo report' and the like",
  },
  "threshold": {
    type: "string",
    multiple: true,
    valueName: "EXPR",
    help: "Pass/fail gate, repeatable: 'p99<200ms', 'errors<1%', 'achieved>=99%', " +
      "'rps>=400', 'p99<500ms over 10s abort'; a failed one exits 99 after the summary",
  },
  "junit": {
    type: "string",
    valueName: "FILE",
    help: "Write the thresholds' outcomes as JUnit XML (one test case each)",
  },
  "precision": {
    type: "string",
    default: "auto",
    choices: ["auto", "strict", "coarse"],
    valueName: "MODE",
    help:
      "Pacing: auto (spin while cheap, batch above), strict (spin every tick), coarse (never spin)",
  },
  "engine": {
    type: "string",
    default: "auto",
    choices: ["auto", "raw", "fetch"],
    valueName: "ENGINE",
    help: "auto: the built-in HTTP/1.1 client for http://, fetch for https://; raw: the " +
      "built-in client; fetch: the runtime's fetch",
  },
  "server": {
    type: "string",
    default: "",
    valueName: "'FLAGS'",
    help: "Flags of the embedded server, as for serve (e.g. '--capacity 300')",
  },
} as const satisfies FlagSpecs;

/** Consumers at the start when `--consumers` is not given. */
export const DEFAULT_CONSUMERS = 4;
/** Most consumers a run adds by itself when `--consumers` is not given. */
export const MAX_AUTO_CONSUMERS = 1024;

/** Parsed `run` flags. */
export type RunFlags = FlagValues<typeof RUN_FLAGS>;

/** Help text of `run`. */
export const RUN_HELP = renderHelp(
  "run",
  "Sends paced HTTP load: a drift-free pacer, a bounded queue, N consumers, a pool of\n" +
    "Workers for each response's CPU job, and a stats line every interval.",
  RUN_FLAGS,
);

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
 * const v = parseFlags("run", ["--rate", "100", "-H", "X-Test: 1"], RUN_FLAGS);
 * const config = configFromFlags(v, new URL("http://127.0.0.1:8000/api/work"));
 * assert.equal(config.rate, 100);
 * assert.deepEqual(config.request.headers, [["X-Test", "1"]]);
 * ```
 */
export function configFromFlags(v: RunFlags, target: URL): RunConfig {
  let url = target;
  const method = v.method.toUpperCase();
  if (!/^[A-Z]{1,20}$/.test(method)) fail("--method", v.method, "an HTTP method");
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
  const rate = v["rate-limit"];
  const adaptive = v.adaptive === "seed" ? "seed" : v.adaptive === true ? "capacity" : false;
  if (adaptive && rate === 0) {
    throw new UsageError(
      "Cannot start run: '--adaptive' needs '--rate-limit' above 0 (the ceiling it adapts under)",
    );
  }
  const engine = v.engine === "fetch" || url.protocol === "https:" ? "fetch" : "raw";
  if (v.engine === "raw" && url.protocol === "https:") {
    fail("--engine", "raw", "auto or fetch for an https:// URL");
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
    consumers: v.consumers ?? DEFAULT_CONSUMERS,
    maxConsumers: v.consumers === undefined ? MAX_AUTO_CONSUMERS : undefined,
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
    precision: v.precision,
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
