// deno-lint-ignore-file no-console -- the CLI edge: printing to the terminal is its job.
/**
 * `tpsdemo capacity`: finds the highest rate at which every `--slo` holds (see
 * `lib/capacity/search.ts` for the method), printing each step as it ends and the capacity
 * report at the end; `--json` / `--out` the steps and the report as JSON lines, `--html` the
 * report as an offline page. The first Ctrl-C (SIGINT or SIGTERM) stops the current step, which
 * is not counted, and ends the search with the interval found so far, not an answer (exit 130);
 * a second one cancels the step's requests in flight at once. No response to the first step: a
 * `tpsdemo:` line and exit 1.
 *
 * @module
 */

import { findCapacity, realStep } from "../capacity/find.ts";
import type { CapacityReport } from "../capacity/report.ts";
import { capacityTable, stepLine } from "../capacity/text.ts";

import type { RunFlags } from "./run_flags.ts";
import { parseThreshold, type Threshold, ThresholdError } from "../results/mod.ts";
import { CAPACITY_FLAGS, CAPACITY_HELP } from "./capacity_flags.ts";
import { startEmbedded } from "./embedded.ts";
import { parseFlags, UsageError } from "./flags.ts";
import { MAX_AUTO_CONSUMERS } from "./run_flags.ts";
import { configFromFlags, parseUrl } from "./run_settings.ts";
import { workloadFromFlags } from "./run_workload.ts";
import { onInterrupt, openForWrite, writeLine } from "./terminal.ts";

/** Exit code of a search that Ctrl-C (SIGINT or SIGTERM) ended: the product's "interrupted". */
export const INTERRUPTED = 130;

/** The `tpsdemo:` line of a search to which no response came back, naming what did. */
function noResponseLine(r: CapacityReport, url: string): string {
  const kinds = Object.entries(r.steps[0]?.error_kinds ?? {}).map(([k, n]) => `${k}: ${n}`);
  return `tpsdemo: Cannot measure capacity: no response came back from ${url} in the first ` +
    `step${kinds.length > 0 ? ` (${kinds.join(", ")})` : ""}; nothing to measure`;
}

function readSlos(texts: string[]): Threshold[] {
  if (texts.length === 0) {
    throw new UsageError(
      "Cannot start capacity: give at least one objective, e.g. --slo 'p99<50ms'",
      { flag: "--slo", allowed: "an objective such as 'p99<50ms' or 'errors<1%'" },
    );
  }
  return texts.map((text) => {
    let t: Threshold;
    try {
      t = parseThreshold(text);
    } catch (err) {
      if (!(err instanceof ThresholdError)) throw err;
      throw new UsageError(`Cannot start capacity: '--slo' ${err.message}`, {
        flag: "--slo",
        value: text,
      });
    }
    if (t.windowMs !== undefined || t.abort) {
      throw UsageError.invalid(
        "capacity",
        "--slo",
        text,
        "an objective over each step, without 'over' or 'abort'",
      );
    }
    return t;
  });
}

/**
 * Runs `tpsdemo capacity`; returns the exit code.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(await capacityCommand(["--help"]), 0);
 * ```
 */
export async function capacityCommand(args: string[]): Promise<number> {
  const v = parseFlags("capacity", args, CAPACITY_FLAGS);
  if (v.help) {
    console.log(CAPACITY_HELP);
    return 0;
  }
  const slos = readSlos(v.slo);
  if (v.start > v.max) {
    throw UsageError.invalid("capacity", "--start", String(v.start), `at most --max (${v.max})`);
  }
  const runFlags = {
    ...v,
    "rate-limit": 1,
    burst: 1,
    adaptive: false,
    stages: undefined,
    duration: undefined,
    requests: undefined,
    interval: 1000,
  } as unknown as RunFlags;
  const config = configFromFlags(
    runFlags,
    v.url !== undefined ? parseUrl(v.url) : new URL("http://127.0.0.1/"),
  );
  if (v.consumers === undefined) config.maxConsumers = MAX_AUTO_CONSUMERS;
  // Placeholders in --url, -H and --body are filled per request, as run fills them.
  const workloadFlags = { ...runFlags, "data-order": "sequence", mix: "sequence" } as RunFlags;
  config.workload = workloadFromFlags(
    workloadFlags,
    v.url ?? "http://127.0.0.1:1/api/work",
    config.request,
  );
  const out = v.out !== undefined ? openForWrite("capacity", "--out", v.out) : undefined;
  const html = v.html !== undefined ? openForWrite("capacity", "--html", v.html) : undefined;
  const stopServer = v.url === undefined
    ? await startEmbedded(v.server, config, "capacity")
    : () => Promise.resolve(true);
  if (v.url === undefined && config.workload) {
    config.workload = workloadFromFlags(workloadFlags, config.request.url.href, config.request);
  }
  const record = (line: string) => {
    if (v.json) writeLine(Deno.stdout, line);
    if (out) writeLine(out, line);
  };
  const say = (line: string) => writeLine(v.json ? Deno.stderr : Deno.stdout, line);
  writeLine(
    Deno.stderr,
    `tpsdemo capacity: ${config.request.url.href} against ${slos.map((s) => s.text).join(", ")}; ` +
      `steps of ${v.warm / 1000} s warm-up + ${v.step / 1000} s from ${v.start}/s`,
  );
  const stopped = new AbortController();
  const stepKill = new AbortController();
  const removeSignals = onInterrupt(() => {
    writeLine(
      Deno.stderr,
      "tpsdemo capacity: interrupted; stopping the current step, which will not count " +
        `(in-flight requests may take up to ${config.timeoutMs}ms; Ctrl-C again to stop now)`,
    );
    stopped.abort("signal");
  }, () => stepKill.abort("signal"));
  try {
    let n = 0;
    const report = await findCapacity(
      realStep({
        config,
        warmMs: v.warm,
        stepMs: v.step,
        deps: {
          stop: stopped.signal,
          kill: stepKill.signal,
          onNotice: (m) => writeLine(Deno.stderr, `tpsdemo capacity: ${m}`),
        },
      }),
      {
        slos,
        start: v.start,
        max: v.max,
        precision: v.resolution / 100,
        operatingPoint: v["operating-point"] / 100,
        signal: stopped.signal,
        onStep(row) {
          say(stepLine(row, ++n));
          record(JSON.stringify({ type: "step", ...row }));
        },
      },
    );
    const command = ["tpsdemo", "capacity", ...args].join(" ");
    record(JSON.stringify({ ...report, url: config.request.url.href, command }));
    if (!report.no_response) say(capacityTable(report));
    if (html) {
      const { pageAssets } = await import("../report/assets.ts");
      const { capacityModel } = await import("../report/html.ts");
      const { renderPage } = await import("../report/page.ts");
      writeLine(
        html,
        renderPage(capacityModel(report, config.request.url.href, command), pageAssets()),
      );
    }
    if (report.interrupted) return INTERRUPTED;
    if (report.no_response) {
      writeLine(Deno.stderr, noResponseLine(report, config.request.url.href));
      return 1;
    }
    return 0;
  } finally {
    removeSignals();
    out?.close();
    html?.close();
    await stopServer();
  }
}
