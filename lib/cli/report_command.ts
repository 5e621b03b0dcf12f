// deno-lint-ignore-file no-console -- the CLI edge: printing to the terminal is its job.
/**
 * `tpsdemo report FILE… [-]`: reads results files, merges them exactly and prints the summary
 * (`--json`: the merged summary record), judged by `--threshold` (exit 99) with `--junit`.
 *
 * @module
 */

import { summaryJson, summaryTable } from "../results/mod.ts";
import { mergeResults, readResults, ResultsError } from "../results/mod.ts";
import { parseFlags, UsageError } from "./flags.ts";
import { Gates, THRESHOLDS_FAILED } from "./gates.ts";
import { REPORT_FLAGS, REPORT_HELP } from "./report_flags.ts";

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
  new Gates(v.threshold, 1, "report");
  const results = [];
  const names: string[] = [];
  for (const file of files) {
    try {
      const name = file === "-" ? "stdin" : file;
      results.push(readResults(await readText(file), name));
      names.push(name);
    } catch (err) {
      if (err instanceof ResultsError) {
        throw new UsageError(`Cannot start report: ${err.message}`, { value: file });
      }
      throw err;
    }
  }
  const merged = mergeResults(results);
  const summary = merged.summary;
  const gates = new Gates(v.threshold, summary.target_rate, "report");
  if (gates.thresholds.length > 0) {
    for (const s of merged.seconds) {
      gates.span({
        latency: s.corrected,
        sent: s.sent,
        errors: s.errors,
        seconds: 1,
        targetRate: summary.target_rate,
      });
    }
    summary.thresholds = gates.judge(summary);
  }
  console.log(v.json ? summaryJson(summary) : summaryTable(summary));
  if (v.html !== undefined) {
    const { pageAssets } = await import("../report/assets.ts");
    const { reportModel } = await import("../report/html.ts");
    const { renderPage } = await import("../report/page.ts");
    const inputs = results.map((r, i) => ({ name: names[i]!.split("/").at(-1)!, results: r }));
    const html = renderPage(reportModel(inputs, merged), pageAssets());
    try {
      await Deno.writeTextFile(v.html, html);
    } catch (err) {
      throw UsageError.invalid(
        "report",
        "--html",
        v.html,
        `a file that can be written (${(err as Error).name})`,
      );
    }
  }
  if (v.junit !== undefined && summary.thresholds) {
    Gates.writeJunit(v.junit, summary.thresholds, summary.duration_s);
  }
  return summary.thresholds?.some((t) => !t.pass) ? THRESHOLDS_FAILED : 0;
}
