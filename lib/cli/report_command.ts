// deno-lint-ignore-file no-console -- the CLI edge: printing to the terminal is its job.
/**
 * `tpsdemo report FILE… [-]`: reads results files and capacity results files. The shards of one
 * run merge exactly into its summary (`--json`: the merged summary record), judged by
 * `--threshold` (exit 99) with `--junit`; separate runs are shown side by side, each judged on
 * its own (`--json`: a summary line each, with a `run` field naming it); capacity searches print
 * their answer and steps. `--as` forces a reading (see `lib/report/runs.ts`).
 *
 * @module
 */

import { summaryJson, summaryTable } from "../results/mod.ts";
import { mergeResults, type Results, ResultsError } from "../results/mod.ts";
import { readReportFile, type ReportFile } from "../report/inputs.ts";
import { fileLabel, groupRuns, partsOf, type RunGroup } from "../report/runs.ts";
import { runView } from "../report/run_view.ts";
import { parseFlags, UsageError } from "./flags.ts";
import { Gates, THRESHOLDS_FAILED } from "./gates.ts";
import { REPORT_FLAGS, REPORT_HELP, type ReportFlags } from "./report_flags.ts";
import { judged, reportRuns, writeHtml } from "./report_runs.ts";

async function readText(file: string): Promise<string> {
  if (file === "-") return await new Response(Deno.stdin.readable).text();
  try {
    return await Deno.readTextFile(file);
  } catch (err) {
    throw UsageError.invalid(
      "report",
      "FILE",
      file,
      `a readable results file (${(err as Error).name})`,
    );
  }
}

/**
 * Runs `tpsdemo report`; returns the exit code.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(await reportCommand(["--help"]), 0);
 * ```
 */
export async function reportCommand(args: string[]): Promise<number> {
  const files: string[] = [];
  const v = parseFlags("report", args, REPORT_FLAGS, { positional: files });
  if (v.help) {
    console.log(REPORT_HELP);
    return 0;
  }
  if (files.length === 0) {
    throw new UsageError(
      "Cannot start report: give one or more results files (- for stdin); see 'tpsdemo report --help'",
      { allowed: "results files" },
    );
  }
  // The thresholds' syntax is checked before any file is read.
  const syntax = new Gates(v.threshold, 1, "report");
  if (v.junit !== undefined && syntax.thresholds.length === 0) {
    throw Gates.junitAlone("report", v.junit);
  }
  // The files it writes can be written: found out before anything is printed.
  for (const [flag, path] of [["--html", v.html], ["--junit", v.junit]] as const) {
    if (path === undefined) continue;
    try {
      Deno.writeTextFileSync(path, "");
    } catch (err) {
      throw UsageError.invalid(
        "report",
        flag,
        path,
        `a file that can be written (${(err as Error).name})`,
      );
    }
  }
  const read: ReportFile[] = [];
  for (const file of files) {
    try {
      read.push(readReportFile(await readText(file), file === "-" ? "stdin" : file));
    } catch (err) {
      if (err instanceof ResultsError) {
        throw new UsageError(`Cannot start report: ${err.message}`, { value: file });
      }
      throw err;
    }
  }
  const parts = read.flatMap((f) => f.kind === "results" ? partsOf(f.name, f.results) : []);
  const label = fileLabel(read.map((f) => f.name));
  const searches = read.flatMap((f) =>
    f.kind === "capacity" ? [{ name: label(f.name), capacity: f.capacity }] : []
  );
  const groups = groupRuns(parts, v.as, read.map((f) => f.name));
  if (searches.length === 0 && groups.length === 1) return await oneRun(v, groups[0]!);
  if (groups.length === 0 && v.threshold.length > 0) {
    throw UsageError.invalid(
      "report",
      "--threshold",
      v.threshold[0]!,
      "given with a run's results (a capacity search is judged by its own --slo)",
    );
  }
  const { lines, code } = await reportRuns(v, groups, searches);
  for (const line of lines) console.log(line);
  return code;
}

/** One run (one file, or the shards of one run): its merged summary, as `report` always did. */
async function oneRun(v: ReportFlags, group: RunGroup): Promise<number> {
  // Each file's records, in the order given (a file may hold several parts of the run).
  const byFile = new Map<string, Results>();
  for (const p of group.parts) {
    const r = byFile.get(p.file) ?? { summaries: [], intervals: [], events: [] };
    r.summaries.push(p.summary);
    r.intervals.push(...p.intervals);
    r.events!.push(...p.events);
    byFile.set(p.file, r);
  }
  const results = [...byFile.values()];
  const merged = mergeResults(results);
  const summary = merged.summary;
  const gates = judged(v, merged);
  if (gates.thresholds.length > 0) summary.thresholds = gates.judge(summary);
  if (v.json) console.log(summaryJson(summary));
  else {
    // The merge carries no pacer and no verdict: the table shows the run's own (its shards').
    const own = runView(group).summary;
    const shown = { ...summary, pacer: summary.pacer ?? own.pacer };
    if (!shown.bottleneck && own.bottleneck) shown.bottleneck = own.bottleneck;
    console.log(summaryTable(shown));
  }
  if (v.html !== undefined) {
    const { pageAssets } = await import("../report/assets.ts");
    const { reportModel } = await import("../report/html.ts");
    const { renderPage } = await import("../report/page.ts");
    const inputs = [...byFile.entries()].map(([name, r]) => ({
      name: name.split("/").at(-1)!,
      results: r,
    }));
    await writeHtml(v.html, renderPage(reportModel(inputs, merged), pageAssets()));
  }
  if (v.junit !== undefined && summary.thresholds) {
    Gates.writeJunit(v.junit, summary.thresholds, summary.duration_s);
  }
  return summary.thresholds?.some((t) => !t.pass) ? THRESHOLDS_FAILED : 0;
}
