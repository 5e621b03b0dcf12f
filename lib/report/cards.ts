/**
 * The key figures as a row of cards above a page's charts, each from the summary the table under
 * them shows (nothing computed that the table does not say): a run's asked, sent and done (with
 * the achieved share), its latency p50 / p99 (corrected; service time for virtual users, which
 * have no schedule), its errors, thresholds and verdict; a capacity search's answer. With several
 * runs (or searches), a row each, named and in the colour it has on the charts. Pure: HTML out.
 *
 * @module
 */

import type { CapacityReport } from "../capacity/report.ts";
import { type Summary, uncorrected } from "../results/mod.ts";

/** A run's row of cards: its name, its summary, and its colour on the charts (separate runs). */
export interface CardRun {
  label: string;
  summary: Summary;
  color?: string;
}

/** A capacity search's row: its name, its answer, its colour on the charts (several searches). */
export interface CardSearch {
  label: string;
  capacity: CapacityReport;
  color?: string;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const num = (v: number, digits = 1) =>
  Number.isFinite(v) ? v.toLocaleString("en-US", { maximumFractionDigits: digits }) : "–";
/** Milliseconds to three significant figures or so: 0.84, 21.3, 182. */
const ms = (v: number) => num(v, v >= 100 ? 0 : v >= 10 ? 1 : 2);

/** One card: what it is, its figure, a line under it; `tone` colours the figure. */
function card(
  name: string,
  value: string,
  sub: string,
  opts: { tone?: "good" | "bad" | "warn"; wide?: boolean; key?: string } = {},
): string {
  const cls = ["card", ...(opts.wide ? ["wide"] : []), ...(opts.tone ? [opts.tone] : [])];
  return `<div class="${cls.join(" ")}" data-card="${opts.key ?? name}" title="${esc(sub)}">` +
    `<div class="card-name">${esc(name)}</div><div class="card-value">${esc(value)}</div>` +
    `<div class="card-sub">${esc(sub)}</div></div>`;
}

/** A row of cards, named (with its colour's swatch) when the page has several. */
function row(
  label: string | undefined,
  color: string | undefined,
  cards: string[],
  compact = false,
): string {
  const style = color ? ` style="--run-color:${esc(color)}"` : "";
  const cls = ["cards", ...(color ? ["colored"] : []), ...(compact ? ["compact"] : [])];
  const name = label === undefined
    ? ""
    : `<div class="cards-name">${
      color ? `<span class="swatch" style="background:${esc(color)}"></span>` : ""
    }${esc(label)}</div>`;
  return `<div class="${cls.join(" ")}"${style}>${name}` +
    `<div class="cards-row">${cards.join("")}</div></div>`;
}

/** A run's cards, from its summary. */
export function runCards(s: Summary): string[] {
  const a = s.requests;
  const vus = s.config?.vus;
  // Older results carry no `asked`: their target rate is what they asked for.
  const asked = s.asked
    ? card("asked", `${num(s.asked.rate)}/s`, `${num(s.asked.requests)} requests`)
    : vus !== undefined
    ? card("asked", `${num(vus, 0)} VUs`, "at most: a closed model asks no rate")
    : s.target_rate > 0
    ? card("asked", `${num(s.target_rate)}/s`, "the target rate")
    : card("asked", "no rate", "closed loop: as fast as the consumers go");
  const pct = s.achieved_pct ?? null;
  const sent = card(
    "sent",
    `${num(s.achieved_rate)}/s`,
    `${num(a.sent, 0)} requests` + (pct === null ? "" : `, ${num(pct, 2)}% of asked`),
  );
  const done = card(
    "done",
    `${num(s.done_per_s)}/s`,
    a.jobs.submitted > 0 ? `${num(a.jobs.done, 0)} CPU jobs done` : "responses",
  );
  const answered = s.latency_ms.max > 0;
  // Virtual users and a closed loop have no schedule: their latency is not corrected.
  const why = uncorrected(s);
  const closed = why !== null;
  const l = closed ? s.latency_ms : s.corrected_latency_ms;
  const latency = card(
    closed ? "service time p50 / p99" : "corrected p50 / p99",
    answered ? `${ms(l.p50)} / ${ms(l.p99)}\u00a0ms` : "–",
    !answered
      ? "no response"
      : closed
      ? `not corrected: ${why === "closed loop" ? "a closed loop has" : "virtual users have"} ` +
        "no schedule"
      : "from the scheduled time (coordinated omission corrected)",
    { key: "latency" },
  );
  const share = a.sent > 0 ? (100 * s.errors) / a.sent : 0;
  const errors = card(
    "errors",
    num(s.errors, 0),
    `${num(share, 2)}% of sent`,
    { tone: s.errors === 0 ? "good" : "bad" },
  );
  const t = s.thresholds ?? [];
  const passed = t.filter((x) => x.pass).length;
  const thresholds = t.length === 0 ? [] : [
    card(
      "thresholds",
      `${passed} of ${t.length} passed`,
      t.filter((x) => !x.pass).map((x) => x.threshold).join(", ") || "every one held",
      { tone: passed === t.length ? "good" : "bad" },
    ),
  ];
  const b = s.bottleneck;
  const cut = b ? b.advice.indexOf(": ") : -1;
  const verdict = card(
    "verdict",
    b ? (cut > 0 ? b.advice.slice(0, cut) : b.stage) : "–",
    b ? (cut > 0 ? b.advice.slice(cut + 2) : b.advice) : "no verdict in these results",
    {
      wide: true,
      ...(b
        ? { tone: b.stage === "none" ? "good" : b.stage === "unknown" ? undefined : "warn" }
        : {}),
    },
  );
  return [asked, sent, done, latency, errors, ...thresholds, verdict];
}

/**
 * The cards of runs: a row each, named and coloured when there are several (or when `named`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readResults } from "../results/mod.ts";
 * const text = await Deno.readTextFile(new URL("../../tests/fixtures/results.ndjson", import.meta.url));
 * const s = readResults(text, "a").summaries[0]!;
 * const html = runCardsHtml([{ label: "a", summary: s }]);
 * assert.ok(html.includes(`data-card="sent"`));
 * assert.ok(!html.includes("cards-name")); // one run: no name
 * ```
 */
export function runCardsHtml(runs: CardRun[], named = runs.length > 1): string {
  return runs.map((r) => row(named ? r.label : undefined, r.color, runCards(r.summary))).join("");
}

/** A capacity search's cards: its answer, the objectives, and what bounds it. */
export function capacityCards(r: CapacityReport): string[] {
  const how = r.interrupted
    ? "interrupted: not confirmed"
    : r.no_response
    ? "no response came back"
    : r.max_rate === null
    ? "no rate met the objectives"
    : `confirmed, to ${num(r.precision * 100, 1)}%`;
  return [
    card(
      "sustainable rate",
      r.max_rate === null ? "none" : `${num(r.max_rate)}/s`,
      how,
      { key: "max-rate", tone: r.max_rate !== null && !r.interrupted ? "good" : "bad" },
    ),
    card("objectives", r.slos.join(", ") || "–", `${r.steps.length} steps judged`),
    card("most delivered", `${num(r.saturation_goodput)}/s`, "goodput, at saturation", {
      key: "saturation",
    }),
    card("knee", r.knee_rate === null ? "none seen" : `${num(r.knee_rate)}/s`, "latency climbs"),
    card(
      "recommended",
      r.recommended_rate === null ? "–" : `${num(r.recommended_rate)}/s`,
      "the operating point",
    ),
    card("client", r.client_limited ? "a limit" : "not the limit", r.client_note, {
      wide: true,
      tone: r.client_limited ? "warn" : "good",
    }),
  ];
}

/**
 * The cards of capacity searches: a row each, named and coloured when there are several (and
 * compact: the figures, and only the answer's line under its figure).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { capacityReport } from "../capacity/report.ts";
 * const r = capacityReport([], { slos: ["p99<50ms"], maxRate: 400, lowestFail: 420,
 *   precision: 0.05 });
 * const html = capacityCardsHtml([{ label: "a", capacity: r }]);
 * assert.ok(html.includes("400/s"));
 * assert.ok(html.includes("confirmed, to 5%"));
 * ```
 */
export function capacityCardsHtml(searches: CardSearch[], named = searches.length > 1): string {
  const compact = searches.length > 1;
  return searches.map((s) =>
    row(named ? s.label : undefined, s.color, capacityCards(s.capacity), compact)
  ).join("");
}
