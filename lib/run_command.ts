/**
 * `tpsdemo run`: flags → config → (embedded server) → run → print. Stats lines go to stdout, or
 * to stderr with `--json` (stdout then carries one JSON object per line). The first SIGINT or
 * SIGTERM stops cleanly, a second one at once; both print the summary. A closed stdout ends the
 * run quietly.
 *
 * @module
 */

import { appOptionsFromFlags, SERVE_FLAGS } from "../server/serve_flags.ts";
import { startIsolates } from "../server/isolates.ts";
import { ServerState } from "../server/shared_state.ts";
import { type FlagSpec, parseFlags, renderHelp, UsageError } from "./flags.ts";
import type { RequestSpec } from "./http_client.ts";
import { intervalJson, statsLine, summaryJson, summaryTable } from "./reporters.ts";
import { type RunConfig, startRun } from "./run.ts";

/** The flags of `run`. */
export const RUN_FLAGS: FlagSpec[] = [
  {
    name: "url",
    type: "string",
    valueName: "URL",
    help: "Target; without it an embedded mock server is started and /api/work targeted",
  },
  {
    name: "rate-limit",
    type: "number",
    aliases: ["rate"],
    default: 60,
    min: 0,
    max: 10_000_000,
    valueName: "RPS",
    help: "Target requests/s; 0 = as fast as the consumers go (closed loop)",
  },
  {
    name: "consumers",
    type: "int",
    default: 4,
    min: 1,
    max: 10_000,
    valueName: "N",
    help: "Concurrent requests in flight (one keep-alive connection each)",
  },
  {
    name: "workers",
    type: "int",
    default: 8,
    min: 1,
    max: 256,
    valueName: "N",
    help: "Web Workers for the CPU job of each response",
  },
  {
    name: "work-time",
    type: "duration",
    default: 200,
    min: 0,
    max: 600_000,
    help: "CPU work per response (bare number = seconds); 0 skips the job",
  },
  {
    name: "work-kind",
    type: "string",
    default: "cpu",
    choices: ["cpu", "sleep"],
    valueName: "KIND",
    help: "cpu: real hashing work; sleep: a blocking wait that uses no CPU",
  },
  {
    name: "queue-size",
    type: "int",
    default: 200,
    min: 1,
    max: 1_000_000,
    valueName: "N",
    help: "Ticks that may wait for a consumer (backpressure past it)",
  },
  {
    name: "burst",
    type: "int",
    default: 1,
    min: 1,
    max: 1_000_000,
    valueName: "N",
    help: "Token bucket size of the pacer; 1 = uniform schedule",
  },
  { name: "duration", type: "duration", gt: 0, help: "Stop after this long (default: Ctrl-C)" },
  {
    name: "requests",
    type: "int",
    min: 1,
    valueName: "N",
    help: "Stop after this many requests",
  },
  {
    name: "adaptive",
    type: "boolean",
    default: false,
    optionalValue: ["seed"],
    help: "Adapt the rate to what the target and the client sustain (=seed: the source's EWMA)",
  },
  { name: "json", type: "boolean", default: false, help: "One JSON object per line on stdout" },
  {
    name: "interval",
    type: "duration",
    default: 1000,
    min: 10,
    max: 3_600_000,
    help: "Stats interval",
  },
  { name: "timeout", type: "duration", default: 5000, gt: 0, help: "Per-request timeout" },
  {
    name: "method",
    type: "string",
    default: "GET",
    valueName: "METHOD",
    help: "HTTP method",
  },
  {
    name: "header",
    type: "string",
    aliases: ["H"],
    multiple: true,
    valueName: "'NAME: VALUE'",
    help: "Request header (repeatable)",
  },
  { name: "body", type: "string", valueName: "TEXT", help: "Request body" },
  { name: "body-file", type: "string", valueName: "PATH", help: "Request body from a file" },
  {
    name: "engine",
    type: "string",
    default: "auto",
    choices: ["auto", "raw", "fetch"],
    valueName: "ENGINE",
    help: "auto: built-in HTTP/1.1 client for http://, fetch for https://",
  },
  {
    name: "server",
    type: "string",
    default: "",
    valueName: "'FLAGS'",
    help: "Flags of the embedded server, as for serve (e.g. '--capacity 300')",
  },
];

/** Help text of `run`. */
export const RUN_HELP = renderHelp(
  "run",
  "Sends paced HTTP load: a drift-free pacer, a bounded queue, N consumers, a pool of\n" +
    "Workers for each response's CPU job, and a stats line every interval.",
  RUN_FLAGS,
);

const enc = new TextEncoder();

/** Writes a line; false when the reader has gone (a closed pipe). */
function writeLine(file: { writeSync(p: Uint8Array): number }, line: string): boolean {
  const bytes = enc.encode(line + "\n");
  try {
    let off = 0;
    while (off < bytes.length) off += file.writeSync(bytes.subarray(off));
    return true;
  } catch {
    return false;
  }
}

function fail(flag: string, value: string, allowed: string): never {
  throw new UsageError(`Cannot start run: '${flag}' must be ${allowed}, got "${value}"`);
}

/** Builds the run's config from parsed flags (without the URL when it is embedded). */
export function configFromFlags(v: Record<string, unknown>, url: URL): RunConfig {
  const method = (v.method as string).toUpperCase();
  if (!/^[A-Z]{1,20}$/.test(method)) fail("--method", v.method as string, "an HTTP method");
  const headers: [string, string][] = (v.header as string[]).map((h) => {
    const i = h.indexOf(":");
    const name = i > 0 ? h.slice(0, i).trim() : "";
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) fail("--header", h, "'Name: value'");
    return [name, h.slice(i + 1).trim()];
  });
  let body: Uint8Array | undefined;
  if (v.body !== undefined && v["body-file"] !== undefined) {
    throw new UsageError("Cannot start run: '--body' and '--body-file' cannot both be given");
  }
  if (v.body !== undefined) body = enc.encode(v.body as string);
  if (v["body-file"] !== undefined) {
    try {
      body = Deno.readFileSync(v["body-file"] as string);
    } catch (err) {
      fail("--body-file", v["body-file"] as string, `a readable file (${(err as Error).name})`);
    }
  }
  const rate = v["rate-limit"] as number;
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
  const request: RequestSpec = { url, method, headers, body };
  return {
    request,
    rate,
    burst: v.burst as number,
    consumers: v.consumers as number,
    queueSize: v["queue-size"] as number,
    workers: v.workers as number,
    workTimeMs: v["work-time"] as number,
    workKind: v["work-kind"] as "cpu" | "sleep",
    durationMs: v.duration as number | undefined,
    requests: v.requests as number | undefined,
    intervalMs: v.interval as number,
    timeoutMs: v.timeout as number,
    adaptive,
    engine,
  };
}

function parseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    fail("--url", raw, "an http:// or https:// URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    fail("--url", raw, "an http:// or https:// URL");
  }
  return url;
}

function splitArgs(text: string): string[] {
  return text.trim() === "" ? [] : text.trim().split(/\s+/);
}

/**
 * Runs `tpsdemo run`; returns the exit code.
 *
 * @example
 * ```ts
 * const code = await runCommand(["--rate-limit", "100", "--duration", "5s"]);
 * ```
 */
export async function runCommand(args: string[]): Promise<number> {
  const v = parseFlags("run", args, RUN_FLAGS);
  if (v.help) {
    console.log(RUN_HELP);
    return 0;
  }
  const json = v.json as boolean;
  let config: RunConfig;
  let stopServer = () => Promise.resolve(true);
  let serverNote = "";
  if (v.url !== undefined) {
    if (v.server !== "") {
      throw new UsageError(
        "Cannot start run: '--server' configures the embedded server: drop '--url'",
      );
    }
    config = configFromFlags(v, parseUrl(v.url as string));
  } else {
    let serverFlags: Record<string, unknown>;
    try {
      serverFlags = parseFlags("serve", splitArgs(v.server as string), SERVE_FLAGS);
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      throw new UsageError(
        err.message.replace("Cannot start serve:", "Cannot start run: in '--server',"),
      );
    }
    if (serverFlags.help) {
      throw new UsageError(
        "Cannot start run: '--server' takes serve's flags; see 'tpsdemo serve --help'",
      );
    }
    const app = appOptionsFromFlags(serverFlags);
    // Every flag is checked before the server starts; the URL is known once it listens.
    config = configFromFlags(v, new URL("http://127.0.0.1/"));
    const state = ServerState.create({ coupons: serverFlags.coupons as number });
    const iso = await startIsolates(state, {
      hostname: "127.0.0.1",
      port: 0,
      count: serverFlags.workers as number,
      app,
    });
    config.request.url = new URL(`http://127.0.0.1:${iso.port}/api/work`);
    stopServer = () => iso.shutdown(1000);
    serverNote = " (embedded mock server)";
  }
  const url = config.request.url;

  let outClosed = false;
  const out = (line: string) => {
    if (outClosed) return;
    if (!writeLine(Deno.stdout, line)) {
      outClosed = true;
      handle.kill("stdout closed");
    }
  };
  const say = (line: string) => {
    if (json) writeLine(Deno.stderr, line);
    else out(line);
  };
  const rateText = config.rate === 0 ? "max rate (closed loop)" : `${config.rate}/s`;
  writeLine(
    Deno.stderr,
    `tpsdemo run: ${url.href}${serverNote} at ${rateText}` +
      `${
        config.adaptive ? ` (adaptive ${config.adaptive})` : ""
      }, ${config.consumers} consumers, ` +
      (config.workTimeMs > 0
        ? `${config.workers} workers x ${config.workTimeMs}ms ${config.workKind} work`
        : "no CPU work"),
  );

  const handle = startRun(config, {
    onInterval(snap, extra) {
      say(statsLine(snap, config.rate === 0));
      if (json) out(intervalJson(snap, extra.adaptive ? { adaptive: extra.adaptive } : {}));
    },
    onNotice(message) {
      writeLine(Deno.stderr, `tpsdemo run: ${message}`);
    },
  });

  let signals = 0;
  const onSignal = () => {
    signals++;
    if (signals === 1) {
      writeLine(
        Deno.stderr,
        `tpsdemo run: stopping; in-flight work may take up to ${config.timeoutMs}ms ` +
          "(Ctrl-C again to stop now)",
      );
      handle.stop("signal");
    } else handle.kill("signal");
  };
  const sigs: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  for (const s of sigs) Deno.addSignalListener(s, onSignal);
  try {
    const summary = await handle.done;
    if (json) out(summaryJson(summary));
    else if (!outClosed) say(summaryTable(summary));
  } finally {
    for (const s of sigs) Deno.removeSignalListener(s, onSignal);
    await stopServer();
  }
  return 0;
}
