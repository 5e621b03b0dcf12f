/**
 * Where a run's results go besides the terminal: the NDJSON records (`--json` on stdout, `--out`
 * to a file; every record carries the schema and the run's id), the HTML report (`--html`), the
 * live dashboard (`--dashboard`) and the Prometheus metrics (`--metrics`, and the dashboard's
 * `/metrics`). Files are opened and the servers bound before the run starts, so a bad path or a
 * busy port exits 2 with nothing run.
 *
 * @module
 */

import type { RunControl } from "../client/steer/mod.ts";

import { RESULTS_SCHEMA, type Summary, summaryJson } from "../results/mod.ts";
import type { PageAssets } from "../report/assets.ts";
import type { DashboardServer, LiveFeed } from "../report/dashboard.ts";
import type { RunMetrics } from "../report/run_metrics.ts";
import type { IntervalRecord } from "../results/mod.ts";
import { UsageError } from "./flags.ts";
import { onInterrupt, openForWrite, writeLine } from "./terminal.ts";
import { type ControlEvent, type IntervalSnapshot } from "../results/mod.ts";

/** What the run command asks of its outputs. */
export interface OutputOptions {
  json: boolean;
  out?: string;
  html?: string;
  dashboard: boolean | string;
  /** `--metrics ADDR`: serve the run's Prometheus metrics (`GET /metrics`) there. */
  metrics?: string;
  /** Writes a line to stdout. */
  stdout: (line: string) => void;
  /** What the dashboard's API steers. */
  control?: RunControl;
  /** Let clients that are not on loopback steer the run through the dashboard's API. */
  remoteControl?: boolean;
}

/** The run's outputs; {@linkcode RunOutputs.open} them, then feed them intervals and the summary. */
export class RunOutputs {
  /** Every record names the format's version and the run. */
  readonly header = { schema: RESULTS_SCHEMA, run_id: crypto.randomUUID() };
  #options: OutputOptions;
  #results: Deno.FsFile | undefined;
  #html: Deno.FsFile | undefined;
  #feed: LiveFeed | undefined;
  #assets: PageAssets | undefined;
  #server: DashboardServer | undefined;
  #metrics: RunMetrics | undefined;
  #metricsServer: DashboardServer | undefined;
  #page = { title: "tpsdemo run", header: "" };

  private constructor(options: OutputOptions) {
    this.#options = options;
  }

  /** Opens the files and starts the dashboard; throws a UsageError naming the flag. */
  static async open(options: OutputOptions): Promise<RunOutputs> {
    const o = new RunOutputs(options);
    if (options.out !== undefined) o.#results = openForWrite("run", "--out", options.out);
    if (options.html !== undefined) o.#html = openForWrite("run", "--html", options.html);
    if (options.metrics !== undefined || options.dashboard !== false) {
      const { RunMetrics, listenMetrics, metricsApp } = await import("../report/run_metrics.ts");
      o.#metrics = new RunMetrics({ runId: o.header.run_id });
      if (options.metrics !== undefined) {
        const { hostname, port } = parseAddress("--metrics", options.metrics);
        try {
          o.#metricsServer = listenMetrics(metricsApp(o.#metrics), hostname, port);
        } catch (err) {
          await o.close();
          throw cannotListen("--metrics", hostname, port, err);
        }
      }
    }
    if (options.html !== undefined || options.dashboard !== false) {
      const { pageAssets } = await import("../report/assets.ts");
      const { LiveFeed, dashboardApp, listenDashboard } = await import("../report/dashboard.ts");
      const { metricsRoute } = await import("../report/run_metrics.ts");
      o.#assets = pageAssets();
      o.#feed = new LiveFeed();
      if (options.dashboard !== false) {
        const { hostname, port } = parseDashboard(options.dashboard);
        const app = dashboardApp(o.#feed, o.#page, o.#assets, {
          control: options.control,
          remote: options.remoteControl ?? false,
        });
        metricsRoute(app, o.#metrics!);
        try {
          o.#server = listenDashboard(app, hostname, port);
        } catch (err) {
          await o.close();
          throw cannotListen("--dashboard", hostname, port, err);
        }
      }
    }
    return o;
  }

  /**
   * Names the run on the dashboard's page, once its target is known; `names`, its targets' (a run
   * of several: the metrics have a series of each from the start).
   */
  describe(title: string, header: string, names: readonly string[] = []): void {
    this.#page.title = title;
    this.#page.header = header;
    this.#metrics?.names(names);
  }

  /** Whether interval records are kept or written (the run then encodes their histograms). */
  get wantsRecords(): boolean {
    return this.#options.json || this.#results !== undefined || this.#feed !== undefined ||
      this.#metrics !== undefined;
  }

  /** The URL of `--metrics`, when it serves one. */
  get metricsUrl(): string | undefined {
    return this.#metricsServer && `${this.#metricsServer.url}metrics`;
  }

  /** The dashboard's URL, when it serves one. */
  get dashboardUrl(): string | undefined {
    return this.#server?.url;
  }

  /** An interval: its record to stdout (`--json`), the file and the dashboard. */
  interval(
    snap: IntervalSnapshot,
    extra: { adaptive?: string; histograms?: IntervalRecord["histograms"] },
  ): void {
    if (!this.wantsRecords) return;
    this.#metrics?.add(snap, extra.histograms);
    // The send lateness is the metrics' only: results files keep the two latencies.
    const h = extra.histograms;
    const record: IntervalRecord = {
      type: "interval",
      ...snap,
      ...this.header,
      t_unix_ms: Date.now(),
      ...(extra.adaptive ? { adaptive: extra.adaptive } : {}),
      ...(h
        ? { histograms: { latency_us: h.latency_us, corrected_latency_us: h.corrected_latency_us } }
        : {}),
    };
    this.#write(record);
    this.#feed?.push(record);
  }

  /** A record as a JSON line, to stdout (`--json`) and the file (`--out`). */
  #write(record: unknown): void {
    if (!this.#options.json && !this.#results) return;
    const line = JSON.stringify(record);
    if (this.#options.json) this.#options.stdout(line);
    if (this.#results) writeLine(this.#results, line);
  }

  /** A change made by a command: its record to stdout (`--json`), the file and the dashboard. */
  event(e: ControlEvent): void {
    const record = { ...e, ...this.header, t_unix_ms: Date.now() };
    this.#write(record);
    this.#feed?.event(record);
  }

  /** The summary: to the file, the dashboard, and the HTML report. */
  summary(summary: Summary): void {
    if (this.#results) writeLine(this.#results, summaryJson(summary));
    this.#feed?.finish(summary);
    if (this.#html && this.#feed && this.#assets) {
      writeLine(this.#html, this.#feed.report(this.#assets)!);
    }
  }

  /**
   * With a dashboard and no `--html`, keeps serving the final report until Ctrl-C (or SIGTERM);
   * `notice` says so first.
   */
  async hold(notice: (line: string) => void): Promise<void> {
    if (!this.#server || this.#options.html !== undefined) return;
    notice(`the final report is at ${this.#server.url} until Ctrl-C`);
    await new Promise<void>((resolve) => {
      const remove = onInterrupt(() => {
        remove();
        resolve();
      }, () => {});
    });
  }

  /** Closes the files and the dashboard. */
  async close(): Promise<void> {
    this.#results?.close();
    this.#html?.close();
    this.#results = this.#html = undefined;
    await this.#server?.close();
    await this.#metricsServer?.close();
    this.#server = this.#metricsServer = undefined;
  }
}

/** Where `--dashboard` listens by default: loopback, port 5665 (k6's dashboard port). */
export const DASHBOARD_DEFAULT = { hostname: "127.0.0.1", port: 5665 };

/**
 * `--dashboard[=ADDR]`'s address: `PORT`, `HOST:PORT`, `:PORT` (loopback) or `[V6]:PORT`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { UsageError } from "./flags.ts";
 * assert.deepEqual(parseDashboard(true), { hostname: "127.0.0.1", port: 5665 });
 * assert.deepEqual(parseDashboard("0.0.0.0:8000"), { hostname: "0.0.0.0", port: 8000 });
 * assert.deepEqual(parseDashboard(":0"), { hostname: "127.0.0.1", port: 0 });
 * assert.throws(() => parseDashboard("host:99999"), UsageError);
 * ```
 */
export function parseDashboard(value: string | true): { hostname: string; port: number } {
  if (value === true) return { ...DASHBOARD_DEFAULT };
  return parseAddress("--dashboard", value);
}

/**
 * A listening address given to `flag`: `PORT`, `HOST:PORT`, `:PORT` (loopback) or `[V6]:PORT`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseAddress("--metrics", ":9465"), { hostname: "127.0.0.1", port: 9465 });
 * assert.throws(() => parseAddress("--metrics", "nowhere"), /'--metrics' must be PORT/);
 * ```
 */
export function parseAddress(flag: string, value: string): { hostname: string; port: number } {
  const m = /^(?:(\[[0-9a-fA-F:.]+\]|[^:[\]]*):)?(\d{1,5})$/.exec(value);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) {
    throw UsageError.invalid("run", flag, value, "PORT, HOST:PORT or :PORT");
  }
  const host = m[1] ? m[1].replace(/^\[|\]$/g, "") : DASHBOARD_DEFAULT.hostname;
  return { hostname: host, port };
}

/** The usage error of an address that cannot be listened on (taken, not this machine's). */
function cannotListen(flag: string, hostname: string, port: number, err: unknown): UsageError {
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  return UsageError.invalid(
    "run",
    flag,
    `${host}:${port}`,
    `an address this machine can listen on (${(err as Error).name})`,
  );
}

const SECRET_HEADER = /^\s*(authorization|proxy-authorization|cookie|x-api-key|api-key)\s*:/i;

/**
 * The command line as the results record it: credentials in URLs and secret headers masked,
 * arguments with spaces quoted.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(
 *   commandLine(["--url", "http://u:p@h/", "-H", "Authorization: Bearer x", "--rate", "5"]),
 *   "tpsdemo run --url 'http://***@h/' -H 'Authorization: ***' --rate 5",
 * );
 * ```
 */
export function commandLine(args: string[]): string {
  const shown = args.map((a) =>
    SECRET_HEADER.test(a) ? a.replace(/:.*$/s, ": ***") : a.replace(/\/\/[^/@\s]*@/, "//***@")
  );
  const quote = (a: string) => /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
  return ["tpsdemo", "run", ...shown.map(quote)].join(" ");
}

/**
 * A command's change as the terminal says it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(
 *   eventLine({ type: "event", t: 3, event: "rate", rate: 110, source: "key" }),
 *   "rate 110/s (key, at 3 s)",
 * );
 * ```
 */
export function eventLine(e: ControlEvent): string {
  const what = e.event === "rate"
    ? `rate ${e.rate}/s${e.scale !== undefined ? ` (the stages x${e.scale})` : ""}`
    : e.event === "pause"
    ? "paused"
    : e.event === "resume"
    ? `resumed at ${e.rate}/s`
    : "stopping";
  return `${what} (${e.source}, at ${e.t} s)`;
}
