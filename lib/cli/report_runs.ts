/**
 * `tpsdemo report` of separate runs and capacity searches: each run's own summary (side by side
 * in the terminal, a line each with `--json`), each judged by the thresholds on its own (exit 99
 * when any fails; `--junit`: a test case per run and threshold); each capacity search's answer
 * and steps; and the page of them all (`--html`). Returns what the command prints.
 *
 * @module
 */

import { capacityTable } from "../capacity/text.ts";
import { encodeHistogram } from "../histogram.ts";
import {
  type IntervalSnapshot,
  type Merged,
  type MergedSecond,
  summaryTable,
} from "../results/mod.ts";
import { type CapacityFile, capacityOf } from "../report/inputs.ts";
import { junitRunsXml } from "../report/junit.ts";
import type { RunGroup } from "../report/runs.ts";
import { runView } from "../report/run_view.ts";
import { runsTable } from "../report/runs_table.ts";
import { UsageError } from "./flags.ts";
import { Gates, THRESHOLDS_FAILED } from "./gates.ts";
import type { ReportFlags } from "./report_flags.ts";

/** A capacity search given to `report`, by its file's name. */
export interface SearchFile {
  name: string;
  capacity: CapacityFile;
}

/**
 * The thresholds of a run judged over its merge (windowed ones over its wall-clock seconds, a
 * `{name=…}` one over its name's).
 */
export function judged(v: ReportFlags, merged: Merged): Gates {
  const summary = merged.summary;
  const gates = new Gates(v.threshold, summary.target_rate, "report");
  if (gates.windowed) {
    for (const s of merged.seconds) {
      gates.interval(secondAsInterval(s), encodeHistogram(s.corrected));
    }
  }
  return gates;
}

/** A merged wall-clock second, as the interval figures the gates read (its names' included). */
function secondAsInterval(s: MergedSecond): IntervalSnapshot {
  const names = Object.entries(s.names ?? {}).map(([name, n]) => [name, {
    scheduled: n.scheduled,
    sent: n.sent,
    errors: n.errors,
    check_failed: n.check_failed,
    corrected_latency_us: encodeHistogram(n.corrected),
  }]);
  // Only the figures the gates read: a second's counts, its histograms, and each name's.
  return {
    interval_s: 1,
    api_per_s: s.sent,
    asked_per_s: null,
    errors: s.errors,
    accounting: { check_failed: s.check_failed },
    names: Object.fromEntries(names),
  } as unknown as IntervalSnapshot;
}

/** Writes the page to `--html`'s file; a file that cannot be written is a usage error. */
export async function writeHtml(path: string, html: string): Promise<void> {
  try {
    await Deno.writeTextFile(path, html);
  } catch (err) {
    throw UsageError.invalid(
      "report",
      "--html",
      path,
      `a file that can be written (${(err as Error).name})`,
    );
  }
}

/**
 * Reports `groups` (each a run) and `searches`; returns the lines to print and the exit code.
 */
export async function reportRuns(
  v: ReportFlags,
  groups: RunGroup[],
  searches: SearchFile[],
): Promise<{ lines: string[]; code: number }> {
  const views = groups.map(runView);
  for (const view of views) {
    const gates = judged(v, view.merged);
    if (gates.thresholds.length > 0) view.summary.thresholds = gates.judge(view.merged.summary);
  }
  const answers = searches.map((s) => ({ name: s.name, capacity: capacityOf(s.capacity) }));
  const lines: string[] = [];
  if (v.json) {
    for (const { name, summary } of views) {
      const { type, ...rest } = summary;
      lines.push(JSON.stringify({ type, run: name, ...rest }));
    }
    for (const { name, capacity } of answers) {
      const { type, ...rest } = capacity;
      lines.push(JSON.stringify({ type, run: name, ...rest }));
    }
  } else {
    if (views.length === 1) lines.push(summaryTable(views[0]!.summary));
    else if (views.length > 1) lines.push(runsTable(views));
    for (const [i, { name, capacity }] of answers.entries()) {
      const target = capacity.url ? ` against ${capacity.url}` : "";
      const cut = searches[i]!.capacity.answer
        ? ""
        : " (no answer record: the search was cut short; its steps bound the answer)";
      lines.push("", `Capacity search ${name}${target}${cut}`, capacityTable(capacity).slice(1));
    }
  }
  if (v.html !== undefined) {
    const { pageAssets } = await import("../report/assets.ts");
    const { runsModel } = await import("../report/runs_page.ts");
    const { renderPage } = await import("../report/page.ts");
    await writeHtml(v.html, renderPage(runsModel(views, answers), pageAssets()));
  }
  const judgedRuns = views.filter((w) => w.summary.thresholds);
  if (v.junit !== undefined && judgedRuns.length > 0) {
    Deno.writeTextFileSync(
      v.junit,
      junitRunsXml(judgedRuns.map((w) => ({
        name: w.name,
        seconds: w.summary.duration_s,
        thresholds: w.summary.thresholds!,
      }))),
    );
  }
  const failed = views.some((w) => w.summary.thresholds?.some((t) => !t.pass));
  return { lines, code: failed ? THRESHOLDS_FAILED : 0 };
}
