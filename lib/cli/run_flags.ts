/**
 * The flags of `tpsdemo run` (their config is built by `run_settings.ts`). Apart from the
 * command, so `--help` loads nothing heavy.
 *
 * @module
 */

import type { FlagSpecs, FlagValues } from "./flags.ts";
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
  "vus": {
    type: "int",
    min: 1,
    max: 10_000,
    valueName: "N",
    help: "N virtual users (closed model, no pacer): each sends its next request when its last " +
      "one ends; --stages in vu ramps them",
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
  "stages": {
    type: "string",
    valueName: "PLAN",
    help: "Load shape instead of --rate: '30s:100,2m:100,0s:500,1m:500,30s:0' ramps to each " +
      "rate over its duration (0s jumps); '100..1000/100@30s' steps; in virtual users with vu " +
      "('30s:50vu', '10..50vu/10@5s'); the run ends with it",
  },
  "shard": {
    type: "string",
    valueName: "I/N",
    help: "Run shard I (0-based) of N: 1/N of the rate, its ticks interleaved with the others'",
  },
  "shards": {
    type: "int",
    min: 1,
    max: 10_000,
    valueName: "N",
    help: "N shards, this one's index from $JOB_COMPLETION_INDEX (a Kubernetes Indexed Job); " +
      "also $TPSDEMO_SHARDS",
  },
  "start-at": {
    type: "string",
    valueName: "TIME",
    help: "Start the first tick at TIME (RFC 3339, or Unix ms), so shards start together",
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
  "targets": {
    type: "string",
    valueName: "FILE",
    help: "Targets file (vegeta's http or JSON format, - for stdin): several requests, mixed by " +
      "weight; '#@ name= weight= expect= check=' lines add names, weights and checks",
  },
  "mix": {
    type: "string",
    default: "sequence",
    choices: ["sequence", "random"],
    valueName: "sequence|random",
    help: "How targets are picked: 'sequence' (smooth weighted round-robin: exact shares every " +
      "period) or 'random' (seeded, by weight)",
  },
  "data": {
    type: "string",
    valueName: "FILE.csv",
    help: "Rows for {{row.COLUMN}} placeholders (a CSV file with a header row)",
  },
  "data-order": {
    type: "string",
    default: "sequence",
    choices: ["sequence", "random", "shuffle", "queue"],
    valueName: "sequence|random|shuffle|queue",
    help: "Which row a request gets; 'queue' uses each row once and ends the run when they run out",
  },
  "seed": {
    type: "int",
    min: 0,
    max: 4_294_967_295,
    valueName: "N",
    help: "Seed of --mix random, --data-order random|shuffle (default: a fixed one)",
  },
  "out": {
    type: "string",
    valueName: "FILE",
    help: "Also write the results (the JSON lines) to FILE, for 'tpsdemo report' and the like",
  },
  "html": {
    type: "string",
    valueName: "FILE",
    help: "Write the offline HTML report of the run to FILE at its end",
  },
  "dashboard": {
    type: "boolean",
    anyValue: true,
    valueName: "ADDR",
    help: "Serve a live dashboard (default 127.0.0.1:5665; :0 a free port); it keeps the final " +
      "report until Ctrl-C",
  },
  "metrics": {
    type: "string",
    valueName: "ADDR",
    help: "Serve the run's Prometheus metrics at http://ADDR/metrics (PORT, HOST:PORT, :0 a " +
      "free port)",
  },
  "remote-control": {
    type: "boolean",
    default: false,
    help: "Let clients not on loopback steer the run through the dashboard's API",
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
    help: "auto and raw: the built-in HTTP/1.1 client, plain or TLS; fetch: the runtime's " +
      "fetch (for what only it does: HTTP/2)",
  },
  "cacert": {
    type: "string",
    multiple: true,
    valueName: "FILE",
    help: "PEM certificate(s) of a CA to trust for https:// besides the system's (repeatable)",
  },
  "cert": { type: "string", valueName: "FILE", help: "Client certificate, PEM (mutual TLS)" },
  "key": { type: "string", valueName: "FILE", help: "The client certificate's key, PEM" },
  "insecure-hostname": {
    type: "boolean",
    default: false,
    help: "Skip the certificate's hostname check only (the chain is still verified: the " +
      "runtime has no switch to skip it)",
  },
  "connect-to": {
    type: "string",
    multiple: true,
    valueName: "HOST:PORT:ADDR:PORT",
    help: "Connect to ADDR:PORT for HOST:PORT; the URL, Host and SNI keep HOST (repeatable)",
  },
  "keepalive": {
    type: "boolean",
    default: true,
    help: "Keep connections open between requests; --no-keepalive: a new connection per " +
      "request (Connection: close)",
  },
  "conn-reuse": {
    type: "int",
    min: 1,
    valueName: "N",
    help: "A connection carries N requests, then is replaced",
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
