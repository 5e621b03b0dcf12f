/**
 * What `report` reads: a results file of runs (the NDJSON records of `run --json` / `--out`: see
 * `readResults`), or a capacity search's results (`capacity --json` / `--out`: its steps, then the
 * answer, `{"type":"capacity"}`). A file that holds a summary is a run's; one that holds steps or
 * an answer and no summary is a capacity search's (its answer missing when it was cut short).
 *
 * @module
 */

import { type CapacityReport, capacityReport } from "../capacity/report.ts";
import { readResults, type Results, ResultsError, type StepRow } from "../results/mod.ts";

/**
 * A capacity search's answer as its results file holds it: the capacity report, the target and
 * the command line, and whatever fields a newer search adds (an `interrupted` search, the
 * objective a failing step missed), kept as they are.
 */
export type CapacityRecord = CapacityReport & {
  url?: string;
  command?: string;
  /** The search stopped before its answer (Ctrl-C): its value says how or why, when it does. */
  interrupted?: unknown;
  [field: string]: unknown;
};

/** A capacity search read from its file. */
export interface CapacityFile {
  /** The answer record; absent when the file holds steps only (the search was cut short). */
  answer?: CapacityRecord;
  /** The steps, in the order they ran (the `{"type":"step"}` records). */
  steps: (StepRow & Record<string, unknown>)[];
}

/** One file `report` was given, read. */
export type ReportFile =
  | { kind: "results"; name: string; results: Results }
  | { kind: "capacity"; name: string; capacity: CapacityFile };

/**
 * Reads one file given to `report` (`name` for messages and labels): a run's results, or a
 * capacity search's. Lines that do not start with `{` are skipped (log lines), as `readResults`
 * does; a file with neither a summary nor a capacity record is refused as `readResults` refuses
 * it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const step = '{"type":"step","rate":50,"pass":true,"failed":[]}';
 * const cap = readReportFile(`${step}\n{"type":"capacity","max_rate":50,"steps":[]}\n`, "c");
 * assert.equal(cap.kind, "capacity");
 * const run = readReportFile('{"type":"summary","url":"x"}\n', "r");
 * assert.equal(run.kind, "results");
 * ```
 */
export function readReportFile(text: string, name: string): ReportFile {
  const steps: CapacityFile["steps"] = [];
  let answer: CapacityRecord | undefined;
  let summary = false;
  for (const [i, line] of text.split("\n").entries()) {
    if (!line.trimStart().startsWith("{")) continue;
    let record: { type?: string };
    try {
      record = JSON.parse(line);
    } catch {
      throw new ResultsError(`${name}:${i + 1}: not a JSON line`);
    }
    if (record.type === "summary") summary = true;
    else if (record.type === "step") steps.push(record as unknown as CapacityFile["steps"][number]);
    else if (record.type === "capacity") answer = record as unknown as CapacityRecord;
  }
  if (summary || (steps.length === 0 && !answer)) {
    return { kind: "results", name, results: readResults(text, name) };
  }
  return { kind: "capacity", name, capacity: { ...(answer ? { answer } : {}), steps } };
}

/**
 * A capacity search's answer as the current format holds it: the file's answer record, its
 * missing fields filled from its steps (a file from an older tpsdemo); a file without its answer
 * (the search was cut short) gets one rebuilt from its steps, marked interrupted.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const step = (rate: number, pass: boolean) => ({ rate, achieved: rate, goodput: rate,
 *   p50_ms: 5, p99_ms: pass ? 9 : 300, mean_ms: 5, errors_pct: 0, pass,
 *   failed: pass ? [] : ["p99<50ms (300 ms)"], in_flight: 1, littles_law: 1,
 *   send_lateness_p99_us: 100, client_cpu_pct: 1 });
 * const cut = capacityOf({ steps: [step(50, true), step(100, false)] });
 * assert.equal(cut.interrupted, true);
 * assert.deepEqual(cut.interval, [50, 100]);
 * ```
 */
export function capacityOf(file: CapacityFile): CapacityRecord {
  const a = file.answer;
  if (a && typeof a.answer === "string") return a;
  const steps = a?.steps ?? file.steps;
  const passed = steps.filter((s) => s.pass).map((s) => s.rate);
  const maxRate = a ? a.max_rate ?? undefined : passed.length > 0 ? Math.max(...passed) : undefined;
  const failed = steps.filter((s) => !s.pass && (maxRate === undefined || s.rate > maxRate));
  const lowestFail = a
    ? a.lowest_failing_rate ?? undefined
    : failed.length > 0
    ? Math.min(...failed.map((s) => s.rate))
    : undefined;
  const rebuilt = capacityReport(steps, {
    slos: a?.slos ?? [],
    maxRate,
    lowestFail,
    precision: a?.precision ?? 0,
    interrupted: !a,
  });
  return { ...rebuilt, ...a, answer: rebuilt.answer };
}
