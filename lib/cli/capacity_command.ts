// deno-lint-ignore-file no-console -- the CLI edge: printing to the terminal is its job.
/**
 * `tpsdemo capacity`: finds the highest rate at which every `--slo` holds (see
 * `lib/capacity/search.ts` for the method), printing each step as it ends and the capacity
 * report at the end; `--json` / `--out` the steps and the report as JSON lines, `--html` the
 * report as an offline page. The first Ctrl-C ends the search after the current step's stop,
 * with a report of what was found.
 *
 * @module
 */

import { findCapacity, realStep } from "../capacity/find.ts";
import type { CapacityReport } from "../capacity/report.ts";

import type { RunFlags } from "./run_flags.ts";
import { parseThreshold, type Threshold, ThresholdError } from "../results/mod.ts";
import { CAPACITY_FLAGS, CAPACITY_HELP } from "./capacity_flags.ts";
import { startEmbedded } from "./embedded.ts";
import { parseFlags, UsageError } from "./flags.ts";
import { MAX_AUTO_CONSUMERS } from "./run_flags.ts";
import { configFromFlags, parseUrl } from "./run_settings.ts";
import { onInterrupt, openForWrite, writeLine } from "./terminal.ts";
import { type StepRow } from "../results/mod.ts";

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

const pad = (v: unknown, n: number) => String(v).padStart(n);

/** One step as a progress line. */
export function stepLine(s: StepRow, n: number): string {
  return `step ${n}: ${s.rate}/s -> goodput ${s.goodput}/s, p50 ${s.p50_ms} ms, ` +
    `p99 ${s.p99_ms} ms, errors ${s.errors_pct}%: ` +
    (s.pass ? "meets every objective" : `fails ${s.failed.join(", ")}`);
}

/**
 * The capacity report as the terminal shows it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { capacityReport } from "../capacity/report.ts";
 * const r = capacityReport([], { slos: ["p99<50ms"], maxRate: undefined, lowestFail: 1,
 *   precision: 0.05 });
 * assert.ok(capacityTable(r).includes("no rate met every objective"));
 * ```
 */
export function capacityTable(r: CapacityReport): string {
  const fail = r.steps.find((s) => s.rate === r.lowest_failing_rate);
  const lines = [
    "",
    `  objectives      ${r.slos.join(", ")}`,
    r.max_rate === null
      ? "  max rate        no rate met every objective"
      : `  max rate        ${r.max_rate}/s meets every objective` +
        (fail ? `; ${fail.rate}/s did not (${fail.failed.join(", ")})` : " (the highest tried)"),
    `  saturation      ${r.saturation_goodput}/s of goodput at most`,
    `  knee            ${
      r.knee_rate === null ? "none seen" : `${r.knee_rate}/s (p50 1.5x the lowest step's)`
    }`,
    `  recommended     ${
      r.recommended_rate === null ? "-" : `${r.recommended_rate}/s`
    } (the operating point)`,
    `  client          ${r.client_note}`,
    "",
    `  ${pad("rate", 8)} ${pad("goodput", 9)} ${pad("p50 ms", 8)} ${pad("p99 ms", 8)} ` +
    `${pad("errors", 7)} ${pad("in flight", 9)} ${pad("rate x lat", 10)}  result`,
    ...r.steps.map((s) =>
      `  ${pad(s.rate, 8)} ${pad(s.goodput, 9)} ${pad(s.p50_ms, 8)} ${pad(s.p99_ms, 8)} ` +
      `${pad(`${s.errors_pct}%`, 7)} ${pad(s.in_flight, 9)} ${pad(s.littles_law, 10)}  ` +
      (s.pass ? "pass" : "FAIL")
    ),
  ];
  return lines.join("\n");
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
  const out = v.out !== undefined ? openForWrite("capacity", "--out", v.out) : undefined;
  const html = v.html !== undefined ? openForWrite("capacity", "--html", v.html) : undefined;
  const stopServer = v.url === undefined
    ? await startEmbedded(v.server, config, "capacity")
    : () => Promise.resolve(true);
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
  const stepStop = new AbortController();
  const removeSignals = onInterrupt(() => {
    writeLine(Deno.stderr, "tpsdemo capacity: stopping after this step (Ctrl-C again: now)");
    stopped.abort();
  }, () => stepStop.abort("signal"));
  try {
    let n = 0;
    const report = await findCapacity(
      realStep({
        config,
        warmMs: v.warm,
        stepMs: v.step,
        deps: {
          stop: stepStop.signal,
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
    say(capacityTable(report));
    if (html) {
      const { pageAssets } = await import("../report/assets.ts");
      const { capacityModel } = await import("../report/html.ts");
      const { renderPage } = await import("../report/page.ts");
      writeLine(
        html,
        renderPage(capacityModel(report, config.request.url.href, command), pageAssets()),
      );
    }
    return 0;
  } finally {
    removeSignals();
    out?.close();
    html?.close();
    await stopServer();
  }
}
