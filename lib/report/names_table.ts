/**
 * The report's table by name: for a run of several targets (`run --targets`), a row per target
 * name with its requests sent, their outcomes (ok, HTTP errors, failed checks, transport errors)
 * and its corrected latency (p50, p90, p99, max); with several runs on the page, a row per run and
 * name. Names are the user's text: escaped. Pure: a string of HTML.
 *
 * @module
 */

import type { NameTotals, Summary } from "../results/mod.ts";
import { escapeHtml } from "./page.ts";

const COLUMNS = [
  "name",
  "sent",
  "ok",
  "HTTP errors",
  "failed checks",
  "transport errors",
  "p50 ms",
  "p90 ms",
  "p99 ms",
  "max ms",
];

const ms = (v: number) => v.toLocaleString("en-US", { maximumFractionDigits: 3 });

/** A name's cells: its counts, then its corrected latency (`–` without a response). */
function cells(n: NameTotals): string[] {
  const transport = n.failed + n.timed_out + n.cancelled;
  const kinds = Object.entries(n.error_kinds).map(([k, v]) => `${k} ${v}`).join(", ");
  const statuses = Object.entries(n.failed_status ?? {}).map(([k, v]) => `${k}: ${v}`).join(", ");
  const l = n.corrected_latency_ms;
  const answered = n.ok + n.http_error + n.check_failed > 0;
  return [
    `${n.sent}`,
    `${n.ok}`,
    statuses ? `<span title="${escapeHtml(statuses)}">${n.http_error}</span>` : `${n.http_error}`,
    `${n.check_failed}`,
    kinds ? `<span title="${escapeHtml(kinds)}">${transport}</span>` : `${transport}`,
    ...[l.p50, l.p90, l.p99, l.max].map((v) => answered ? ms(v) : "–"),
  ];
}

/**
 * The table by name of `runs` (label and summary; a run without names has no rows), with a run
 * column when there are several; "" when no run has names.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const p = { p50: 1, p90: 2, p99: 3, max: 4, p999: 4, mean: 1.5 };
 * const n = {
 *   scheduled: 5, sent: 5, ok: 3, http_error: 1, check_failed: 1, failed: 0, timed_out: 0,
 *   cancelled: 0, not_sent: 0, errors: 2, status: { "200": 4, "503": 1 }, error_kinds: {},
 *   failed_status: { "503": 1 }, latency_ms: p, corrected_latency_ms: p,
 *   histograms: { latency_us: "", corrected_latency_us: "" },
 * };
 * const html = namesTableHtml([{ label: "a", summary: { names: { "<b>": n } } as never }]);
 * assert.ok(html.includes('<td>&#60;b&#62;</td><td class="num">5</td><td class="num">3</td>'));
 * assert.ok(html.includes('title="503: 1"'));
 * assert.equal(namesTableHtml([{ label: "a", summary: {} as never }]), "");
 * ```
 */
export function namesTableHtml(runs: { label: string; summary: Summary }[]): string {
  const named = runs.filter((r) => Object.keys(r.summary.names ?? {}).length > 0);
  if (named.length === 0) return "";
  const several = runs.length > 1;
  const head = [...(several ? ["run"] : []), ...COLUMNS].map((h) => `<th>${h}</th>`).join("");
  const rows = named.flatMap((r) =>
    Object.entries(r.summary.names!).map(([name, n]) =>
      `<tr>${several ? `<td>${escapeHtml(r.label)}</td>` : ""}<td>${escapeHtml(name)}</td>${
        cells(n).map((c) => `<td class="num">${c}</td>`).join("")
      }</tr>`
    )
  ).join("\n");
  return `<h2>By name (corrected latency)</h2><table class="summary names"><thead><tr>${head}` +
    `</tr></thead><tbody>\n${rows}</tbody></table>`;
}
