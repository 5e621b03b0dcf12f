/**
 * Several runs side by side, as the terminal shows them: a column per run with its own figures
 * (target, rate asked and achieved, accounting, errors, latency, lateness, pacer, shards), its
 * verdict, a row per target name (sent, p99, errors), and each threshold's outcome. Pure: the
 * command prints what it returns.
 *
 * @module
 */

import { type Summary, uncorrected } from "../results/mod.ts";

/** Widest a column grows; longer text wraps. */
const COLUMN = 36;

const ms = (v: number) => (v >= 100 ? `${v.toFixed(0)}ms` : `${v.toFixed(1)}ms`);
const us = (v: number) => (v < 1000 ? `${Math.round(v)}µs` : ms(v / 1000));

/** `text` in lines of at most `width` characters (words longer than that are cut). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (let word of text.split(" ")) {
    while (word.length > width) {
      if (line) lines.push(line), line = "";
      lines.push(word.slice(0, width));
      word = word.slice(width);
    }
    if (line && line.length + 1 + word.length > width) lines.push(line), line = word;
    else line = line ? `${line} ${word}` : word;
  }
  if (line || lines.length === 0) lines.push(line);
  return lines;
}

/**
 * Sent of asked, and the share: the asked rate is the one the share is of (the plan's mean, not
 * its last rate); older results without `asked` say their target rate.
 */
function rate(s: Summary): string {
  const why = uncorrected(s);
  if (why !== null) return `${s.achieved_rate}/s sent (${why})`;
  const of = s.asked ? `${s.asked.rate}/s asked` : `${s.target_rate}/s`;
  const pct = s.achieved_pct ?? (s.achieved_rate / s.target_rate) * 100;
  return `${s.achieved_rate}/s sent of ${of} (${Math.round(pct * 10) / 10}%)` +
    (s.adaptive ? `, adaptive ${s.adaptive}, final ${s.final_rate}/s` : "");
}

/** A corrected percentile, or where there is no schedule, that there is none (the first row). */
const corrected = (k: "p50" | "p90" | "p99" | "max") => (s: Summary) =>
  uncorrected(s) === null
    ? ms(s.corrected_latency_ms[k])
    : k === "p50"
    ? "none: not corrected for coordinated omission"
    : "-";

function errors(s: Summary): string {
  if (s.errors === 0) return "none";
  const share = s.requests.sent > 0 ? (100 * s.errors) / s.requests.sent : 0;
  const kinds = Object.entries(s.error_kinds).map(([k, v]) => `${k} ${v}`).join(", ");
  return `${s.errors} (${Math.round(share * 100) / 100}%)${kinds ? ` ${kinds}` : ""}`;
}

/** The rows: a label, and each run's cell. */
function rows(runs: { name: string; summary: Summary }[]): [string, (s: Summary) => string][] {
  const out: [string, (s: Summary) => string][] = [
    ["target", (s) => s.url],
    ["started", (s) => s.t_unix_ms ? new Date(s.t_unix_ms).toISOString() : "-"],
    ["duration", (s) => `${s.duration_s}s (stopped by ${s.stopped_by})`],
    ["rate", rate],
    ["done/s", (s) => String(s.done_per_s)],
    ["sent", (s) => `${s.requests.sent} of ${s.requests.scheduled} scheduled`],
    ["errors", errors],
    [
      "status",
      (s) => Object.entries(s.status).map(([k, v]) => `${k}: ${v}`).join(", ") || "none",
    ],
    ["corrected p50", corrected("p50")],
    ["corrected p90", corrected("p90")],
    ["corrected p99", corrected("p99")],
    ["corrected max", corrected("max")],
    ["service p50", (s) => ms(s.latency_ms.p50)],
    ["service p99", (s) => ms(s.latency_ms.p99)],
    ["send late p99", (s) => us(s.send_lateness_us.p99)],
    [
      "pacer",
      (s) =>
        s.pacer
          ? `${s.pacer.precision}, ${s.pacer.batched_pct}% batched, ${s.pacer.cpu_pct}% of a core`
          : uncorrected(s) !== null
          ? `none (${uncorrected(s)})`
          : "-",
    ],
  ];
  const shards = (s: Summary) => s.shards ?? (s.shard ? [s.shard] : []);
  if (runs.some((r) => shards(r.summary).length > 0)) {
    out.push([
      "shards",
      (s) => shards(s).map((x) => `${x.index}/${x.count}`).join(", ") || "-",
    ]);
  }
  out.push(["bottleneck", (s) => s.bottleneck?.advice ?? "-"]);
  out.push(...nameRows(runs));
  const names = [
    ...new Set(runs.flatMap((r) => (r.summary.thresholds ?? []).map((t) => t.threshold))),
  ];
  for (const name of names) {
    out.push([name, (s) => {
      const t = s.thresholds?.find((x) => x.threshold === name);
      return t ? `${t.pass ? "pass" : "FAIL"} (${t.value}${t.unit})` : "-";
    }]);
  }
  return out;
}

/**
 * A row per target name (`run --targets`) when a run has names: its requests sent, its corrected
 * p99 and its share of errors (`-` where a run has no such name).
 */
function nameRows(runs: { summary: Summary }[]): [string, (s: Summary) => string][] {
  const names = [...new Set(runs.flatMap((r) => Object.keys(r.summary.names ?? {})))];
  if (names.length === 0) return [];
  return [
    ["by name", () => ""],
    ...names.map((name): [string, (s: Summary) => string] => [`  ${name}`, (s) => {
      const n = s.names?.[name];
      if (!n) return "-";
      const share = n.sent > 0 ? Math.round((1000 * n.errors) / n.sent) / 10 : 0;
      const p99 = n.corrected_latency_ms.max > 0 ? ms(n.corrected_latency_ms.p99) : "-";
      return `sent ${n.sent}, p99 ${p99}, errors ${share}%`;
    }]),
  ];
}

/**
 * Runs side by side: a heading, then a row per figure and a column per run (named by its run),
 * each run's verdict and, with thresholds, a row for each (`pass` or `FAIL`, and the value).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readResults } from "../results/mod.ts";
 * const text = await Deno.readTextFile(new URL("../../tests/fixtures/results.ndjson", import.meta.url));
 * const summary = readResults(text, "a").summaries[0]!;
 * const table = runsTable([{ name: "a", summary }, { name: "b", summary }]);
 * assert.match(table, /^ {2}rate +200\.1\/s sent of 200\/s \(100\.1%\)/m);
 * assert.match(table, /^ {2}bottleneck +none: the target rate was met/m);
 * ```
 */
export function runsTable(runs: { name: string; summary: Summary }[]): string {
  const table = rows(runs);
  const cells = table.map(([, f]) => runs.map((r) => wrap(f(r.summary), COLUMN)));
  const widths = runs.map((r, i) =>
    Math.max(r.name.length, ...cells.flatMap((row) => row[i]!.map((l) => l.length)))
  );
  const label = Math.max(...table.map(([l]) => l.length));
  const line = (head: string, parts: string[]) =>
    `  ${head.padEnd(label)}  ${parts.map((p, i) => p.padEnd(widths[i]!)).join("  ")}`.trimEnd();
  const out = [
    "",
    `Summary of ${runs.length} runs (each its own; '--as shards' merges them into one)`,
    line("", runs.map((r) => r.name)),
  ];
  table.forEach(([name], k) => {
    const row = cells[k]!;
    const height = Math.max(...row.map((c) => c.length));
    for (let j = 0; j < height; j++) {
      out.push(line(j === 0 ? name : "", row.map((c) => c[j] ?? "")));
    }
  });
  return out.join("\n");
}
