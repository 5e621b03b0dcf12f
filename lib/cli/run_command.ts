// deno-lint-ignore-file no-console -- the CLI edge: printing to the terminal is its job.
/**
 * `tpsdemo run`: flags → config → (embedded server) → `startRun` → print. Stats lines go to
 * stdout, or to stderr with `--json` (stdout then carries one JSON object per line). The first
 * SIGINT or SIGTERM stops cleanly, a second one at once; both print the summary. A closed stdout
 * ends the run quietly. A run that could not go on (a crashed pacer) prints its summary, then
 * the error, and exits 1.
 *
 * @module
 */

import { statsLine, type Summary, summaryJson, summaryTable } from "../results/mod.ts";
import { type RunConfig, startRun } from "../client/run.ts";
import { summarize, warmReporters } from "./run_summary.ts";
import { parseFlags, UsageError } from "./flags.ts";
import { Gates, THRESHOLDS_FAILED } from "./gates.ts";
import type { ControlCommand } from "../client/steer/mod.ts";
import { RunControl } from "../client/steer/mod.ts";
import { KEYS_HINT, listenKeys } from "./keys.ts";
import { commandLine, eventLine, RunOutputs } from "./run_outputs.ts";
import { MAX_AUTO_CONSUMERS, RUN_FLAGS, RUN_HELP } from "./run_flags.ts";
import { configFromFlags, parseUrl } from "./run_settings.ts";
import { checkLoadFlags, loadText } from "./run_vus.ts";
import { workloadFromFlags } from "./run_workload.ts";
import { connectionFlags } from "./run_tls.ts";
import { startEmbedded } from "./embedded.ts";
import { onInterrupt, openFilesAvailable, writeLine } from "./terminal.ts";
import { INTERRUPTED, nothingMeasured, workTimeNotes } from "./run_notes.ts";

/** Open files kept for the runtime, Workers and the rest, besides the consumers' sockets. */
const FD_RESERVE = 64;

/**
 * Runs `tpsdemo run`; returns the exit code.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(await runCommand(["--help"]), 0);
 * ```
 */
export async function runCommand(args: string[]): Promise<number> {
  const v = parseFlags("run", args, RUN_FLAGS);
  if (v.help) {
    console.log(RUN_HELP);
    return 0;
  }
  const json = v.json;
  let config: RunConfig;
  // A targets file names its own URLs: no embedded server then.
  const own = v.url !== undefined || v.targets !== undefined;
  if (own) {
    if (v.server !== "") {
      throw new UsageError(
        `Cannot start run: '--server' configures the embedded server: drop '${
          v.url !== undefined ? "--url" : "--targets"
        }'`,
        { flag: "--server", value: v.server, allowed: "only without '--url' or '--targets'" },
      );
    }
    config = configFromFlags(v, v.url !== undefined ? parseUrl(v.url) : new URL("http://x/"));
  } else {
    // Every flag is checked before the server starts; the URL is known once it listens.
    config = configFromFlags(v, new URL("http://127.0.0.1/"));
  }
  const vus = config.vus !== undefined;
  checkLoadFlags(v, args, vus);
  // Thresholds are read before anything starts: a bad one exits 2.
  const gates = new Gates(v.threshold, vus ? 0 : v["rate-limit"]);
  if (v.junit !== undefined && gates.thresholds.length === 0) {
    throw Gates.junitAlone("run", v.junit);
  }
  // The JUnit file can be written: found out now, not after the run.
  if (v.junit !== undefined) {
    try {
      Deno.writeTextFileSync(v.junit, "");
    } catch (err) {
      throw UsageError.invalid(
        "run",
        "--junit",
        v.junit,
        `a file that can be written (${(err as Error).name})`,
      );
    }
  }
  // One socket per consumer (two with the embedded server in this process), plus room for the
  // runtime's own: past the open-file limit Deno would fail mid-run (or abort with a panic).
  const perConsumer = v.url === undefined ? 2 : 1;
  const fixed = vus ? config.consumers : v.consumers;
  const want = (fixed ?? MAX_AUTO_CONSUMERS) * perConsumer + FD_RESERVE;
  const available = openFilesAvailable(want);
  const most = Math.max(1, Math.floor((available - FD_RESERVE) / perConsumer));
  if (fixed !== undefined && available < want) {
    throw UsageError.invalid(
      "run",
      vus ? (v.vus !== undefined ? "--vus" : "--stages") : "--consumers",
      vus ? (v.vus !== undefined ? String(v.vus) : v.stages!) : String(fixed),
      `at most ${most}${vus ? " VUs" : ""} here (the open-file limit, ulimit -n, leaves room ` +
        `for ${available} files)`,
    );
  }
  const control = new RunControl();
  // The files and the dashboard before anything starts: a bad path or a busy port exits 2.
  const outputs = await RunOutputs.open({
    control,
    remoteControl: v["remote-control"],
    json,
    out: v.out,
    html: v.html,
    dashboard: v.dashboard || false,
    metrics: v.metrics,
    stdout: (line) => out(line),
  });
  // Checked before anything starts; built again once the embedded server's URL is known.
  config.workload = workloadFromFlags(
    v,
    v.url ?? "http://127.0.0.1:1/api/work",
    config.request,
    config.shard,
  );
  gates.checkNames(config.workload?.names.length! > 1 ? config.workload!.names : []);
  if (config.workload && v.targets !== undefined && v.url === undefined) {
    const first = config.workload.templates[0]!;
    config.request = { url: new URL(first.origin.href), method: first.method, headers: [] };
    config.connection = connectionFlags(v, config.request.url);
  }
  let stopServer = () => Promise.resolve(true);
  let serverNote = "";
  if (!own) {
    try {
      stopServer = await startEmbedded(v.server, config);
    } catch (err) {
      await outputs.close();
      throw err;
    }
    serverNote = " (embedded mock server)";
    if (config.workload) {
      config.workload = workloadFromFlags(v, config.request.url.href, config.request, config.shard);
    }
  }
  if (config.maxConsumers !== undefined) config.maxConsumers = Math.min(config.maxConsumers, most);
  const url = config.request.url;
  const stop = new AbortController();
  const kill = new AbortController();

  let outClosed = false;
  const out = (line: string) => {
    if (outClosed) return;
    if (!writeLine(Deno.stdout, line)) {
      outClosed = true;
      kill.abort("stdout closed");
    }
  };
  const say = (line: string) => {
    if (json) writeLine(Deno.stderr, line);
    else out(line);
  };
  const cpu = workTimeNotes(config, args, navigator.hardwareConcurrency);
  const rateText = loadText(config, v.stages);
  writeLine(
    Deno.stderr,
    `tpsdemo run: ${url.href}${serverNote} at ${rateText}` +
      `${config.adaptive ? ` (adaptive ${config.adaptive})` : ""}, ` +
      (vus ? "" : `${config.consumers} consumer${config.consumers === 1 ? "" : "s"}`) +
      // In closed loop the consumers are the load: they do not grow.
      (vus
        ? ""
        : config.maxConsumers === undefined || config.rate === 0
        ? ", "
        : ` (up to ${config.maxConsumers} as needed), `) +
      cpu.demand,
  );
  if (cpu.notice) writeLine(Deno.stderr, `tpsdemo run: ${cpu.notice}`);

  outputs.describe(
    `tpsdemo run: ${url.href}`,
    `<p>${rateText} against <code>${url.href.replace(/[<>&"]/g, "")}</code></p>`,
    config.workload?.names ?? [],
  );
  if (outputs.dashboardUrl) {
    writeLine(Deno.stderr, `tpsdemo run: dashboard at ${outputs.dashboardUrl}`);
  }
  if (outputs.metricsUrl) {
    writeLine(Deno.stderr, `tpsdemo run: Prometheus metrics at ${outputs.metricsUrl}`);
  }
  const removeSignals = onInterrupt(() => {
    writeLine(
      Deno.stderr,
      `tpsdemo run: stopping; in-flight work may take up to ${config.timeoutMs}ms ` +
        "(Ctrl-C again to stop now)",
    );
    stop.abort("signal");
  }, () => kill.abort("signal"));
  // Keys on a terminal steer the run; each change (and the dashboard's) is one line here.
  const steer = (c: ControlCommand, source: string) => {
    const r = control.apply(c, source);
    if (!r.ok) writeLine(Deno.stderr, `tpsdemo run: ${c.type}: ${r.message}`);
  };
  const stopKeys = listenKeys((c) => steer(c, "key"), () => {
    try {
      Deno.kill(Deno.pid, "SIGINT");
    } catch { /* no signals here */ }
  });
  if (stopKeys) writeLine(Deno.stderr, `tpsdemo run: ${KEYS_HINT}`);
  warmReporters();
  try {
    const outcome = await startRun(config, {
      stop: stop.signal,
      kill: kill.signal,
      intervalHistograms: gates.windowed || outputs.wantsRecords,
      onInterval(snap, extra) {
        say(statsLine(snap, config.rate === 0, config.intervalMs / 1000));
        outputs.interval(snap, extra);
        const failing = gates.interval(snap, extra.histograms?.corrected_latency_us);
        if (failing.length > 0 && !stop.signal.aborted) {
          writeLine(
            Deno.stderr,
            `tpsdemo run: threshold '${failing[0]!.text}' failed over its window; stopping`,
          );
          stop.abort("threshold");
        }
      },
      onNotice(message) {
        writeLine(Deno.stderr, `tpsdemo run: ${message}`);
      },
      control,
      onEvent(e) {
        writeLine(Deno.stderr, `tpsdemo run: ${eventLine(e)}`);
        outputs.event(e);
      },
    });
    stopKeys?.();
    const summary: Summary = {
      ...summarize(config, outcome, v.stages),
      ...outputs.header,
      command: commandLine(args),
      t_unix_ms: Math.round(Date.now() - outcome.durationMs - outcome.drainMs),
    };
    if (gates.thresholds.length > 0) summary.thresholds = gates.judge(summary);
    if (json) out(summaryJson(summary));
    else if (!outClosed) say(summaryTable(summary));
    outputs.summary(summary);
    if (v.junit !== undefined && summary.thresholds) {
      Gates.writeJunit(v.junit, summary.thresholds, summary.duration_s);
    }
    if (outcome.error) {
      writeLine(Deno.stderr, `tpsdemo run: ${outcome.error}`);
      return 1;
    }
    // Stopped by Ctrl-C before its planned end, or killed by a second one: not the run asked for.
    const planned = v.duration !== undefined || v.requests !== undefined ||
      v.stages !== undefined;
    const interrupted = outcome.stoppedBy === "signal" && (outcome.killed || planned);
    const unmeasured = nothingMeasured(summary);
    if (unmeasured && !interrupted) {
      writeLine(Deno.stderr, `tpsdemo: ${unmeasured}`);
      return 1;
    }
    removeSignals();
    await outputs.hold((line) => writeLine(Deno.stderr, `tpsdemo run: ${line}`));
    if (interrupted) return INTERRUPTED;
    if (summary.thresholds?.some((t) => !t.pass)) return THRESHOLDS_FAILED;
  } finally {
    stopKeys?.();
    removeSignals();
    await outputs.close();
    await stopServer();
  }
  return 0;
}
