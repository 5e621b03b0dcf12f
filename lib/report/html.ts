/**
 * The offline HTML report of one or more results files: each run (each `run_id`) drawn on the
 * same charts, aligned on seconds since its own start (before and after overlay), and a header
 * with each run's summary and, for several, their exact merge. Pure: the page is rendered by
 * `page.ts` from the model built here.
 *
 * @module
 */

import type { CapacityReport } from "../capacity/report.ts";
import { type Summary, uncorrected } from "../results/mod.ts";
import { decodeHistogram, percentileCurve } from "../histogram.ts";
import type { Merged, Results } from "../results/mod.ts";

import { capacityCardsHtml, runCardsHtml } from "./cards.ts";
import { namesTableHtml } from "./names_table.ts";
import { escapeHtml, type PageModel, type PageRun } from "./page.ts";
import { columnsOf } from "./series.ts";

/** A run's curves, from its summary's histograms. */
export function curvesOf(summary: Summary): PageRun["curves"] {
  return {
    corrected: percentileCurve(decodeHistogram(summary.histograms.corrected_latency_us)),
    latency: percentileCurve(decodeHistogram(summary.histograms.latency_us)),
  };
}

/**
 * The report's model: one run per summary record of the inputs (its intervals found by
 * `run_id`), labelled by its file; the header's summary, then its table by name when the runs
 * have several targets.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mergeResults, readResults } from "../results/mod.ts";
 * const text = await Deno.readTextFile(new URL("../../tests/fixtures/results.ndjson", import.meta.url));
 * const results = readResults(text, "a");
 * const model = reportModel([{ name: "a.ndjson", results }], mergeResults([results]));
 * assert.equal(model.runs.length, 1);
 * assert.ok(model.runs[0]!.columns.t.length > 0);
 * ```
 */
export function reportModel(
  inputs: { name: string; results: Results }[],
  merged: Merged,
): PageModel {
  const runs: (PageRun & { summary: Summary })[] = [];
  for (const { name, results } of inputs) {
    for (const summary of results.summaries) {
      const mine = (r: { run_id?: string }) =>
        results.summaries.length === 1 || r.run_id === summary.run_id;
      const label = results.summaries.length === 1
        ? name
        : `${name} (${summary.run_id?.slice(0, 8)})`;
      const columns = columnsOf(
        results.intervals.filter(mine),
        undefined,
        (results.events ?? []).filter(mine),
      );
      runs.push({ label, summary, columns, curves: curvesOf(summary) });
    }
  }
  const header = runs.length > 1 ? [...runs, { label: "merged", summary: merged.summary }] : runs;
  const title = runs.length === 1
    ? `tpsdemo report: ${runs[0]!.summary.url}`
    : `tpsdemo report: ${runs.length} runs`;
  return {
    title,
    mode: "report",
    runs: runs.map(({ label, columns, curves }) => ({ label, columns, curves })),
    header: headerHtml(header) + namesTableHtml(header),
    cards: runCardsHtml(header),
  };
}

const fmt = (v: number, digits = 1) =>
  Number.isFinite(v) ? v.toLocaleString("en-US", { maximumFractionDigits: digits }) : "–";

/**
 * The header: one column per run (and the merge of several), with the run's command line, its
 * accounting, latency, thresholds and verdict.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(headerHtml([]), "");
 * ```
 */
export function headerHtml(runs: { label: string; summary: Summary }[]): string {
  if (runs.length === 0) return "";
  const rows: [string, (s: Summary) => string][] = [
    ["command", (s) => `<code>${escapeHtml(s.command ?? "")}</code>`],
    ["target", (s) => escapeHtml(s.url)],
    ["started", (s) => s.t_unix_ms ? new Date(s.t_unix_ms).toISOString() : "–"],
    ["duration", (s) => `${fmt(s.duration_s, 3)} s (drain ${fmt(s.drain_s, 3)} s)`],
    [
      "rate",
      (s) =>
        (s.config?.vus !== undefined
          ? `closed: ${s.config.stages ? `VUs ${escapeHtml(s.config.stages)}, at most ` : ""}` +
            `${s.config.vus} VUs, `
          : uncorrected(s) === "closed loop"
          ? "closed loop (no target rate), "
          : `target ${fmt(s.target_rate)}/s${s.adaptive ? ` (adaptive ${s.adaptive})` : ""}, `) +
        (s.asked ? `asked ${fmt(s.asked.rate)}/s (${fmt(s.asked.requests)} requests), ` : "") +
        `sent ${fmt(s.achieved_rate)}/s` +
        (typeof s.achieved_pct === "number" ? ` (${fmt(s.achieved_pct, 2)}% of asked)` : "") +
        `, done ${fmt(s.done_per_s)}/s`,
    ],
    [
      "requests",
      (s) => {
        const a = s.requests;
        return `scheduled ${a.scheduled} = sent ${a.sent} + not sent ` +
          `${
            a.not_sent.stopped + a.not_sent.queue_full
          }; ok ${a.ok}, HTTP error ${a.http_error}, ` +
          (a.check_failed ? `check failed ${a.check_failed}, ` : "") +
          `failed ${a.failed}, timed out ${a.timed_out}, cancelled ${a.cancelled}`;
      },
    ],
    [
      "status",
      (s) => Object.entries(s.status).map(([k, v]) => `${escapeHtml(k)}: ${v}`).join(", ") || "–",
    ],
    [
      "errors",
      (s) => {
        const kinds = Object.entries(s.error_kinds).map(([k, v]) => `${k} ${v}`).join(", ");
        const share = s.requests.sent > 0 ? (100 * s.errors) / s.requests.sent : 0;
        return `${s.errors} (${fmt(share, 2)}%)${kinds ? `: ${escapeHtml(kinds)}` : ""}`;
      },
    ],
    [
      "latency (corrected)",
      (s) =>
        uncorrected(s) !== null
          ? "not corrected for coordinated omission " +
            `(${uncorrected(s) === "closed loop" ? "a closed loop has" : "virtual users have"} ` +
            "no schedule)"
          : latency(s.corrected_latency_ms),
    ],
    ["service time", (s) => latency(s.latency_ms)],
    [
      "send lateness",
      (s) =>
        `p50 ${fmt(s.send_lateness_us.p50, 0)} µs, p99 ${fmt(s.send_lateness_us.p99, 0)} µs` +
        (s.pacer
          ? ` (pacer ${s.pacer.precision}, ${s.pacer.batched_pct}% batched, ` +
            `${s.pacer.cpu_pct}% of a core)`
          : ""),
    ],
    [
      "thresholds",
      (s) =>
        s.thresholds?.map((t) =>
          `<span class="${t.pass ? "pass" : "fail"}">${t.pass ? "✓" : "✗"} ` +
          `${escapeHtml(t.threshold)} (${fmt(t.value, 3)}${t.unit === "/s" ? "/s" : t.unit})</span>`
        ).join(" ") || "–",
    ],
    ["verdict", (s) => s.bottleneck ? escapeHtml(s.bottleneck.advice) : "–"],
  ];
  const head = runs.map((r) => `<th>${escapeHtml(r.label)}</th>`).join("");
  const body = rows.map(([name, f]) =>
    `<tr><th>${name}</th>${runs.map((r) => `<td>${f(r.summary)}</td>`).join("")}</tr>`
  ).join("\n");
  return `<table class="summary"><thead><tr><th></th>${head}</tr></thead><tbody>
${body}</tbody></table>`;
}

function latency(p: Summary["latency_ms"]): string {
  return `p50 ${fmt(p.p50, 3)} ms, p90 ${fmt(p.p90, 3)}, p99 ${fmt(p.p99, 3)}, ` +
    `p99.9 ${fmt(p.p999, 3)}, max ${fmt(p.max, 3)} (mean ${fmt(p.mean, 3)})`;
}

/**
 * The capacity report's page: its answer and evidence in the header, the steps in a table, and
 * charts by rate (goodput, latency, Little's law).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { capacityReport } from "../capacity/report.ts";
 * const r = capacityReport([], { slos: ["p99<50ms"], maxRate: 400, lowestFail: 420,
 *   precision: 0.05 });
 * const model = capacityModel(r, "http://x/", "tpsdemo capacity --slo p99<50ms");
 * assert.equal(model.capacity?.max_rate, 400);
 * assert.ok(model.header.includes("400/s"));
 * ```
 */
export function capacityModel(r: CapacityReport, url: string, command: string): PageModel {
  const row = (name: string, value: string) => `<tr><th>${name}</th><td>${value}</td></tr>`;
  const head = [
    row("command", `<code>${escapeHtml(command)}</code>`),
    row("target", escapeHtml(url)),
    row("objectives", escapeHtml(r.slos.join(", "))),
    ...(r.interrupted
      ? [row(
        "search",
        "<b>interrupted</b> (Ctrl-C): no answer, no recommendation" +
          (r.interrupted_rate === null
            ? ""
            : `; the step at ${r.interrupted_rate}/s it cut short is not counted`),
      )]
      : []),
    row("max rate", `<b>${escapeHtml(r.answer)}</b>`),
    row("saturation", `${r.saturation_goodput}/s of goodput at most`),
    row("knee", r.knee_rate === null ? "none seen" : `${r.knee_rate}/s`),
    row(
      "recommended",
      r.recommended_rate !== null
        ? `${r.recommended_rate}/s`
        : r.interrupted
        ? "none: the search did not finish"
        : "–",
    ),
    row("client", escapeHtml(r.client_note)),
    row(
      "method",
      `doubling, bisection to ${r.precision * 100}%, ` +
        (r.interrupted ? "stopped before the answer was confirmed" : "the answer confirmed"),
    ),
  ].join("\n");
  const cells = (s: CapacityReport["steps"][number]) =>
    [
      s.rate,
      s.achieved,
      s.goodput,
      s.p50_ms,
      s.p99_ms,
      `${s.errors_pct}%`,
      s.in_flight,
      s.littles_law,
      s.send_lateness_p99_us,
      s.client_cpu_pct,
    ].map((v) => `<td>${v}</td>`).join("") +
    `<td class="${s.pass ? "pass" : "fail"}">${
      s.pass ? "pass" : escapeHtml(s.failed.join(", "))
    }</td>`;
  const steps = `<table class="summary steps"><thead><tr>${
    [
      "rate",
      "achieved",
      "goodput",
      "p50 ms",
      "p99 ms",
      "errors",
      "in flight",
      "rate × latency",
      "send p99 µs",
      "client CPU %",
      "result",
    ].map((h) => `<th>${h}</th>`).join("")
  }</tr></thead><tbody>${r.steps.map((s) => `<tr>${cells(s)}</tr>`).join("\n")}</tbody></table>`;
  return {
    title: `tpsdemo capacity: ${url}${r.interrupted ? " (interrupted)" : ""}`,
    mode: "report",
    runs: [],
    header: `<table class="summary"><tbody>${head}</tbody></table>${steps}`,
    cards: capacityCardsHtml([{ label: url, capacity: r }]),
    capacity: r,
  };
}
