/**
 * The key-figure cards (`lib/report/cards.ts`): each figure is the summary's, as the table under
 * the cards says it; latency is corrected, or labelled service time for virtual users; a row per
 * run (named, in its colour) when there are several; a capacity search's answer.
 *
 * @module
 */

import { assertEquals, assertOk } from "./_assert.ts";
import { capacityReport } from "../lib/capacity/report.ts";
import { capacityCardsHtml, runCards, runCardsHtml } from "../lib/report/cards.ts";
import { headerHtml } from "../lib/report/html.ts";
import { readResults, type Summary, summaryTable } from "../lib/results/mod.ts";

const fixture = await Deno.readTextFile(new URL("./fixtures/results.ndjson", import.meta.url));
const base = readResults(fixture, "fixture").summaries[0]!;

/** A known summary: 1,000 asked at 100/s, 990 sent, 12 errors, a failed threshold. */
function known(over: Partial<Summary> = {}): Summary {
  return {
    ...base,
    duration_s: 10,
    asked: { requests: 1000, rate: 100 },
    achieved_rate: 99,
    achieved_pct: 99,
    done_per_s: 97.8,
    requests: { ...base.requests, sent: 990, ok: 978, http_error: 12 },
    errors: 12,
    corrected_latency_ms: { ...base.corrected_latency_ms, p50: 21.279, p99: 127.359 },
    latency_ms: { ...base.latency_ms, p50: 3.2149, p99: 26.767 },
    thresholds: [
      { threshold: "p99<50ms", value: 127.359, unit: "ms", pass: false },
      { threshold: "errors<5%", value: 1.2, unit: "%", pass: true },
    ] as Summary["thresholds"],
    bottleneck: {
      stage: "target",
      figure: "x",
      advice: "the target: 1.2% of requests failed (503: 12); lower --rate",
    },
    ...over,
  };
}

/** The cards' text: each card's name, figure and line, by its key. */
function cardsOf(html: string): Record<string, [string, string, string]> {
  const out: Record<string, [string, string, string]> = {};
  const re =
    /data-card="([^"]+)"[^>]*><div class="card-name">([^<]*)<\/div><div class="card-value">([^<]*)<\/div><div class="card-sub">([^<]*)<\/div>/g;
  const text = (s: string) => s.replace(/&#(\d+);/g, (_, c) => String.fromCharCode(Number(c)));
  for (const m of html.matchAll(re)) out[m[1]!] = [text(m[2]!), text(m[3]!), text(m[4]!)];
  return out;
}

Deno.test("cards: a run's figures are its summary's: asked, sent, done, latency, errors, verdict", () => {
  const cards = cardsOf(runCardsHtml([{ label: "a", summary: known() }]));
  assertEquals(cards, {
    asked: ["asked", "100/s", "1,000 requests"],
    sent: ["sent", "99/s", "990 requests, 99% of asked"],
    done: ["done", "97.8/s", "801 CPU jobs done"],
    latency: [
      "corrected p50 / p99",
      "21.3 / 127\u00a0ms",
      "from the scheduled time (coordinated omission corrected)",
    ],
    errors: ["errors", "12", "1.21% of sent"],
    thresholds: ["thresholds", "1 of 2 passed", "p99<50ms"],
    verdict: ["verdict", "the target", "1.2% of requests failed (503: 12); lower --rate"],
  });
});

Deno.test("cards: virtual users show service time, labelled, and the VUs they were", () => {
  const s = known({
    asked: null,
    achieved_pct: null,
    config: { ...base.config!, vus: 48, stages: "4..48vu/4@3s" },
    thresholds: undefined,
  });
  const cards = cardsOf(runCardsHtml([{ label: "a", summary: s }]));
  assertEquals(cards.asked, ["asked", "48 VUs", "at most: a closed model asks no rate"]);
  assertEquals(cards.sent, ["sent", "99/s", "990 requests"]);
  assertEquals(cards.latency, [
    "service time p50 / p99",
    "3.21 / 26.8\u00a0ms",
    "not corrected: virtual users have no schedule",
  ]);
  assertEquals(cards.thresholds, undefined);
  // Closed loop; and older results, which carry no asked: their target rate.
  const loop = cardsOf(
    runCardsHtml([{ label: "a", summary: known({ asked: null, target_rate: 0 }) }]),
  );
  assertEquals(loop.asked, ["asked", "no rate", "closed loop: as fast as the consumers go"]);
  const old = cardsOf(runCardsHtml([{ label: "a", summary: base }]));
  assertEquals(old.asked, ["asked", "200/s", "the target rate"]);
  assertEquals(old.verdict![1], "none");
  // No response at all: no latency figure.
  const none = known({ latency_ms: { ...base.latency_ms, max: 0 } });
  assertEquals(
    runCards(none).find((c) => c.includes('data-card="latency"'))?.includes(">–<"),
    true,
  );
});

Deno.test("cards, header and summary: a closed loop's latency is not corrected", () => {
  const s = known({ asked: null, achieved_pct: null, target_rate: 0, thresholds: undefined });
  assertEquals(cardsOf(runCardsHtml([{ label: "a", summary: s }])).latency, [
    "service time p50 / p99",
    "3.21 / 26.8\u00a0ms",
    "not corrected: a closed loop has no schedule",
  ]);
  const header = headerHtml([{ label: "a", summary: s }]);
  assertOk(header.includes("closed loop (no target rate), sent 99/s"), header);
  assertOk(!header.includes("target 0/s"), header);
  assertOk(header.includes("not corrected for coordinated omission (a closed loop has"), header);
  const table = summaryTable(s);
  assertOk(/corrected +none: not corrected for coordinated omission \(a closed loop/.test(table));
  assertOk(!table.includes("(from the scheduled time)"), table);
  assertOk(/pacer lateness +none \(closed loop: no pacer\)/.test(table), table);
  // A paced run's summary still gives its corrected latency and its pacer's lateness.
  assertOk(summaryTable(known()).includes("(from the scheduled time)"));
  assertOk(/pacer lateness +p50/.test(summaryTable(known())));
});

Deno.test("cards: several runs, a row each, named and in the run's colour", () => {
  const html = runCardsHtml([
    { label: "before <1>", summary: base, color: "#2563eb" },
    { label: "after", summary: known(), color: "#dc2626" },
  ]);
  const rows = html.split('<div class="cards colored"').slice(1);
  assertEquals(rows.length, 2);
  assertOk(rows[0]!.includes("--run-color:#2563eb") && rows[0]!.includes("before &#60;1&#62;"));
  assertOk(rows[1]!.includes("background:#dc2626") && rows[1]!.includes(">after</div>"));
  assertEquals(cardsOf(rows[1]!).sent![1], "99/s");
  // One run is not named.
  assertOk(!runCardsHtml([{ label: "a", summary: base }]).includes("cards-name"));
});

Deno.test("cards: a capacity search's answer, confirmed or not", () => {
  const r = capacityReport([], {
    slos: ["p99<50ms", "errors<1%"],
    maxRate: 400,
    lowestFail: 420,
    precision: 0.05,
  });
  const cards = cardsOf(capacityCardsHtml([{ label: "a", capacity: r }]));
  assertEquals(cards["max-rate"], ["sustainable rate", "400/s", "confirmed, to 5%"]);
  assertEquals(cards.objectives, [
    "objectives",
    "p99<50ms, errors<1%",
    "0 steps judged",
  ]);
  assertEquals(cards.recommended![1], "320/s");
  const cut = capacityReport([], {
    slos: ["p99<50ms"],
    maxRate: 400,
    lowestFail: undefined,
    precision: 0.05,
    interrupted: true,
  });
  const interrupted = cardsOf(capacityCardsHtml([{ label: "a", capacity: cut }]));
  assertEquals(interrupted["max-rate"]![2], "interrupted: not confirmed");
});
