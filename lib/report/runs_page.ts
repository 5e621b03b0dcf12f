/**
 * The report page of separate runs and of capacity searches (`report` given several runs, or
 * capacity results files): each run in a colour of its own on the same charts, named in the
 * legends, aligned on seconds since its own start, with its own column in the header (verdict
 * included); each capacity search's answer and steps, and their charts by rate overlaid, a colour
 * per search. Pure: `page.ts` renders the model.
 *
 * @module
 */

import { capacityCardsHtml, runCardsHtml } from "./cards.ts";
import { capacityModel, curvesOf, headerHtml } from "./html.ts";
import type { CapacityRecord } from "./inputs.ts";
import { namesTableHtml } from "./names_table.ts";
import { escapeHtml, type PageCapacity, type PageModel, type PageRun } from "./page.ts";
import type { RunView } from "./run_view.ts";
import { columnsOf } from "./series.ts";

/** The colours of separate runs (and of capacity searches), in order. */
export const RUN_COLORS = [
  "#2563eb",
  "#dc2626",
  "#16a34a",
  "#9333ea",
  "#ea580c",
  "#0891b2",
  "#ca8a04",
  "#4b5563",
];

const colorOf = (i: number) => RUN_COLORS[i % RUN_COLORS.length]!;
const swatch = (color: string) => `<span class="swatch" style="background:${color}"></span>`;

/** A capacity search given to `report`: its name (the file's) and its answer. */
export interface NamedSearch {
  name: string;
  capacity: CapacityRecord;
}

/**
 * The page of several runs and capacity searches: a colour per run (with one run, its series are
 * coloured as on a run's own report), a colour per capacity search when there are several.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readResults } from "../results/mod.ts";
 * import { partsOf } from "./runs.ts";
 * import { runView } from "./run_view.ts";
 * const text = await Deno.readTextFile(new URL("../../tests/fixtures/results.ndjson", import.meta.url));
 * const parts = partsOf("a", readResults(text, "a"));
 * const views = ["before", "after"].map((name) => runView({ name, parts }));
 * const model = runsModel(views, []);
 * assert.deepEqual(model.runs.map((r) => [r.label, r.color]), [["before", RUN_COLORS[0]],
 *   ["after", RUN_COLORS[1]]]);
 * assert.ok(model.header.includes(`background:${RUN_COLORS[1]}"></span>after`));
 * ```
 */
export function runsModel(runs: RunView[], searches: NamedSearch[]): PageModel {
  const several = runs.length > 1;
  const pageRuns: PageRun[] = runs.map((v, i) => ({
    label: v.name,
    ...(several ? { color: colorOf(i) } : {}),
    columns: columnsOf(v.intervals, undefined, v.events),
    curves: curvesOf(v.summary),
  }));
  let header = "";
  if (runs.length > 0) {
    const table = headerHtml(runs.map((v) => ({ label: v.name, summary: v.summary })));
    // The header's run names, each with its colour on the charts.
    const head = `<thead><tr><th></th>${
      runs.map((v, i) => `<th>${several ? swatch(colorOf(i)) : ""}${escapeHtml(v.name)}</th>`)
        .join("")
    }</tr></thead>`;
    header += table.replace(/<thead>[\s\S]*?<\/thead>/, head);
    header += namesTableHtml(runs.map((v) => ({ label: v.name, summary: v.summary })));
  }
  const capacities: PageCapacity[] = searches.map((s, i) => ({
    label: s.name,
    ...(searches.length > 1 ? { color: colorOf(i) } : {}),
    steps: s.capacity.steps,
    max_rate: s.capacity.max_rate,
    knee_rate: s.capacity.knee_rate,
  }));
  for (const [i, s] of searches.entries()) {
    const model = capacityModel(s.capacity, s.capacity.url ?? "", s.capacity.command ?? "");
    header += `<h2>${searches.length > 1 ? swatch(colorOf(i)) : ""}capacity search: ` +
      `${escapeHtml(s.name)}</h2>${model.header}`;
  }
  // A row of cards per run and per search, each named when the page has several rows.
  const named = runs.length + searches.length > 1;
  const cards = runCardsHtml(
    runs.map((v, i) => ({
      label: v.name,
      summary: v.summary,
      ...(several ? { color: colorOf(i) } : {}),
    })),
    named,
  ) + capacityCardsHtml(
    searches.map((s, i) => ({
      label: runs.length > 0 ? `capacity search: ${s.name}` : s.name,
      capacity: s.capacity,
      ...(searches.length > 1 ? { color: colorOf(i) } : {}),
    })),
    named,
  );
  const parts = [
    runs.length === 1 ? runs[0]!.summary.url : runs.length > 1 ? `${runs.length} runs` : "",
    searches.length === 1 && runs.length === 0
      ? `capacity of ${searches[0]!.capacity.url ?? searches[0]!.name}`
      : searches.length > 0
      ? `${searches.length} capacity search${searches.length > 1 ? "es" : ""}`
      : "",
  ].filter((p) => p);
  return {
    title: `tpsdemo report: ${parts.join(", ")}`,
    mode: "report",
    runs: pageRuns,
    header,
    cards,
    ...(capacities.length > 0 ? { capacities } : {}),
  };
}
