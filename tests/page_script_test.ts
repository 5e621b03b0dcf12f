/**
 * The pages' scripts: each page inlines the chart engine, its own script and the TypeScript
 * functions it calls, and nothing of the other pages; and the inlined source, run on its own (as
 * the browser runs it, with nothing else of its module in scope), gives what the module gives.
 *
 * @module
 */

import { assertEquals, assertOk } from "./_assert.ts";
import { type PageAssets, pageAssets, type PageName } from "../lib/report/assets.ts";
import { chartTables } from "../lib/report/chart_tables.ts";
import { pageName, pageScript, renderPage } from "../lib/report/page.ts";
import { appendRow, emptyColumns, type Row } from "../lib/report/series.ts";
import { appendStats, emptyServeColumns, serveSpecs } from "../lib/report/serve_view.ts";
import { serveSummaryHtml } from "../lib/report/serve_view.ts";
import { capacitySpecs, chartSpecs, decisionLists } from "../lib/report/specs.ts";
import type { StatsSnapshot } from "../server/shared_state.ts";

const PAGES: PageName[] = ["report", "live", "serve", "capacity"];
const ENGINE = [
  "chartTables",
  "chartIds",
  "hasData",
  "fmtPercentile",
  "percentileSplits",
  "logAxes",
];
const CALLS: Record<PageName, string[]> = {
  report: ["chartSpecs", "decisionLists", "capacitySpecs"],
  live: ["appendRow", "emptyColumns", "eventText", "chartSpecs", "decisionLists"],
  serve: ["emptyServeColumns", "appendStats", "serveSpecs", "serveSummaryHtml"],
  capacity: ["capacitySpecs"],
};

const inlinedNames = (js: string) =>
  [...js.matchAll(/^const (\w+) = function \1\(/gm)].map((m) => m[1]);

/** The page's inlined functions alone (no engine, no page script), run in a scope of their own. */
// deno-lint-ignore no-explicit-any
function inlined(page: PageName): Record<string, (...args: any[]) => any> {
  const none = { report: "", live: "", serve: "", capacity: "" };
  const assets: PageAssets = { uplotJs: "", uplotCss: "", chartJs: "", pageJs: none, pageCss: "" };
  const js = pageScript(page, assets);
  return new Function(`${js}\nreturn { ${inlinedNames(js).join(", ")} };`)();
}

Deno.test("page script: each page inlines the engine, its own script, and only what it calls", () => {
  const assets = pageAssets();
  for (const page of PAGES) {
    const js = pageScript(page, assets);
    assertEquals(inlinedNames(js), [...ENGINE, ...CALLS[page]], page);
    assertOk(js.startsWith('"use strict";\n'), `${page}: strict`);
    assertOk(js.includes(assets.chartJs), `${page}: the chart engine`);
    assertOk(js.indexOf(assets.chartJs) < js.indexOf(assets.pageJs[page]), `${page}: engine first`);
    for (const other of PAGES.filter((p) => p !== page)) {
      assertOk(!js.includes(assets.pageJs[other]), `${page} holds ${other}'s script`);
    }
    assertOk(!/<\/script/i.test(js), `${page}: nothing ends the <script> element early`);
  }
});

Deno.test("page script: the page a model is, and the script its HTML holds", () => {
  const assets = pageAssets();
  const model = { title: "t", runs: [], header: "" };
  const capacity = { steps: [], max_rate: null, knee_rate: null };
  const cases = [
    [{ ...model, mode: "report" as const }, "report"],
    [{ ...model, mode: "live" as const }, "live"],
    [{ ...model, mode: "serve" as const }, "serve"],
    [{ ...model, mode: "report" as const, capacity }, "capacity"],
  ] as const;
  for (const [m, page] of cases) {
    assertEquals(pageName(m), page);
    const html = renderPage(m, assets);
    for (const p of PAGES) {
      assertEquals(html.includes(assets.pageJs[p]), p === page, `${page}/${p}`);
    }
  }
});

function row(t: number, overrides: Partial<Row> = {}): Row {
  return {
    t,
    secs: 0.5,
    target: 100 + t,
    sent: 99,
    done: 98,
    lat: [1, 2, 3, t],
    cor: [5, 6, 7, t + 4],
    queue: t % 3,
    jobs: null,
    inFlight: 1,
    consumers: 4,
    status: t > 2 ? { "200": 40, "503": 3 } : { "200": 45 },
    kinds: t > 3 ? { timeout: 1 } : {},
    pacer: [10, 20],
    send: [30, 40],
    ...overrides,
  };
}

/** Drops functions (the markers' `paths`), which compare by identity. */
const plain = (v: unknown) => JSON.parse(JSON.stringify(v));

Deno.test("page script: a run's inlined functions give the module's columns, charts and lists", () => {
  const page = inlined("live");
  const theirs = page.emptyColumns!(), ours = emptyColumns();
  for (const t of [1, 2, 3, 4, 5]) {
    page.appendRow!(theirs, row(t));
    appendRow(ours, row(t));
  }
  assertEquals(theirs, ours);
  ours.events = [{ t: 2.5, text: page.eventText!({ t: 2.5, event: "rate", rate: 120 }) }];
  ours.decisions = [{ t: 4, text: "cut" }];
  const run = {
    label: "r",
    columns: ours,
    curves: { corrected: { p: [0, 90], ms: [1, 2] }, latency: { p: [0, 99], ms: [1, 3] } },
  };
  for (const several of [false, true]) {
    assertEquals(page.chartSpecs!(run, several), chartSpecs(run, several));
  }
  // With each target's latency (a run of several targets): the chart by name, styled.
  const named = {
    ...run,
    columns: { ...ours, names: [{ name: "a", p50: [1, 2, 1, 2, 1], p99: [3, 4, 3, null, 3] }] },
  };
  for (const several of [false, true]) {
    assertEquals(page.chartSpecs!(named, several, true), chartSpecs(named, several, true));
    const specs = [chartSpecs(named, several, true)];
    assertEquals(
      plain(page.chartTables!(specs, 2, ["a"])),
      plain(chartTables(specs, 2, ["a"])),
    );
  }
  assertEquals(page.decisionLists!([run]), decisionLists([run]));
  assertEquals(ours.events[0]!.text, "rate → 120/s");
  const specs = [chartSpecs(run, false), chartSpecs(run, true)];
  for (let i = 0; i < specs[0]!.length; i++) {
    assertEquals(
      plain(page.chartTables!(specs, i, ["a", "b"])),
      plain(chartTables(specs, i, ["a", "b"])),
    );
  }
  assertEquals(page.fmtPercentile!(3), "99.9%");
  assertEquals(page.percentileSplits!(0, 2), [0, 1, 2]);
  assertEquals(page.hasData!([[1], [null]]), false);
});

Deno.test("page script: serve's and capacity's inlined functions give the module's", () => {
  const page = inlined("serve");
  const poll = (uptime_s: number, n: number): StatsSnapshot => ({
    uptime_s,
    isolates: 1,
    in_flight: n % 4,
    requests_total: n * 10,
    rps_last_second: n,
    routes: { "/api/work": { "200": n * 7 }, ...(n > 2 ? { "/cached": { "200": n } } : {}) },
    status: { "200": n * 9, ...(n > 1 ? { "503": n } : {}) },
    coupons: { total: 10, issued: n, left: 10 - n },
    cache: { hits: n, misses: 1 },
    capacity_waiting: 0,
  });
  const theirs = page.emptyServeColumns!(), ours = emptyServeColumns();
  let last: StatsSnapshot | undefined;
  for (const [uptime, n] of [[1, 0], [2, 1], [3.5, 3], [3.5, 4], [5, 6]]) {
    const s = poll(uptime!, n!);
    assertEquals(page.appendStats!(theirs, last, s), appendStats(ours, last, s), `at ${uptime}`);
    assertEquals(page.serveSummaryHtml!(s), serveSummaryHtml(s));
    last = s;
  }
  assertEquals(theirs, ours);
  assertEquals(ours.t, [2, 3.5, 5]);
  assertEquals(page.serveSpecs!(theirs), serveSpecs(ours));
  const step = (rate: number) => ({
    rate,
    achieved: rate,
    goodput: rate,
    p50_ms: 1,
    p99_ms: rate / 10,
    in_flight: 1,
    littles_law: 2,
    pass: rate < 300,
  });
  const cap = { steps: [step(400), step(100), step(200)], max_rate: 200, knee_rate: 100 };
  assertEquals(inlined("capacity").capacitySpecs!(cap), capacitySpecs(cap));
});
