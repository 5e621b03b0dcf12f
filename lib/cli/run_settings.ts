/**
 * From `tpsdemo run`'s parsed flags to the run's config: the request (URL, method, headers,
 * body, Basic auth from URL credentials), the pacing, the consumers and the CPU jobs. Checked
 * before anything starts, so a bad value exits 2 naming its flag.
 *
 * @module
 */

import type { RequestSpec } from "../client/connection.ts";
import type { RunConfig } from "../client/run.ts";
import type { Stage } from "../client/stages.ts";
import { UsageError } from "./flags.ts";
import { parseStages, StagesError } from "./stages_flag.ts";
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
  let rate = v["rate-limit"];
  let stages: Stage[] | undefined;
  if (v.stages !== undefined) {
    try {
      stages = parseStages(v.stages);
    } catch (err) {
      if (!(err instanceof StagesError)) throw err;
      throw new UsageError(`Cannot start run: '--stages' ${err.message}`, {
        flag: "--stages",
        value: v.stages,
        allowed: "DURATION:RATE or FROM..TO/STEP@DURATION entries, comma-separated",
      });
    }
    rate = Math.max(1, ...stages.map((s) => s.rate));
  }
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
    ...(stages ? { stages } : {}),
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
