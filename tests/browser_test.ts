/**
 * The pages, tested in a real headless Chromium: the offline HTML report (`report --html`, one
 * run and an overlay of two), the live dashboard of a run (`run --dashboard`, steered from the
 * page), `serve`'s `GET /dashboard`, and the capacity report. Each page must draw every chart with data (it logs "tpsdemo: N charts
 * drawn" and sets `data-charts`) and log no error. With `TPSDEMO_SCREENSHOTS=DIR` it also writes
 * a PNG of each page there, of its short runs (the README's pictures are `deno task screenshots`').
 *
 * @module
 */

import { assertEquals, assertOk } from "./_assert.ts";
import { type BrowserTab, errorsOf, launchBrowser } from "./_browser.ts";
import { jsonLines, runCli, spawnRun, startServe } from "./_helpers.ts";

// deno-lint-ignore no-explicit-any
type Json = any;
import { capacityReport } from "../lib/capacity/report.ts";
import { pageAssets } from "../lib/report/assets.ts";
import { capacityModel } from "../lib/report/html.ts";
import { renderPage } from "../lib/report/page.ts";

const SHOTS = Deno.env.get("TPSDEMO_SCREENSHOTS");
const REPORT_CHARTS = 7;
const SERVE_CHARTS = 5;

async function shot(tab: BrowserTab, name: string) {
  if (SHOTS) await Deno.writeFile(`${SHOTS}/${name}.png`, await tab.screenshot());
}

function assertNoErrors(tab: BrowserTab, page: string) {
  const errors = errorsOf(tab.messages);
  assertEquals(errors, [], `${page}: console errors`);
}

/** Each chart's legend as shown (its visible entries' text), by the chart's id. */
function legends(tab: BrowserTab): Promise<Record<string, string[]>> {
  return tab.evaluate(
    "Object.fromEntries([...document.querySelectorAll('figure')].map((f) => [f.id, " +
      "[...f.querySelectorAll('.u-legend .u-series')].filter((e) => e.style.display !== 'none')" +
      ".map((e) => e.innerText.trim())]))",
  );
}

/** Legends show a marker and a name: no uPlot placeholder values ("--"), no x entry. */
async function assertPlainLegends(tab: BrowserTab, page: string) {
  const all = await legends(tab);
  const text = await tab.evaluate<string>(
    "[...document.querySelectorAll('.u-legend')].map((e) => e.textContent).join('|')",
  );
  assertOk(!text.includes("--"), `${page}: a legend shows "--": ${text}`);
  for (const [id, entries] of Object.entries(all)) {
    assertOk(
      entries.every((e) => !/^(s|seconds|rate|percentile):?$/.test(e)),
      `${page} ${id}: ${entries}`,
    );
  }
}

/** The rows of cards: each row's name and colour, and its cards' figure and line, by key. */
interface CardRow {
  name: string | null;
  color: string;
  cards: Record<string, [value: string, sub: string]>;
}
function cardRows(tab: BrowserTab): Promise<CardRow[]> {
  return tab.evaluate(
    "[...document.querySelectorAll('#cards .cards')].map((row) => ({ " +
      "name: row.querySelector('.cards-name')?.textContent ?? null, " +
      "color: row.style.getPropertyValue('--run-color'), " +
      "cards: Object.fromEntries([...row.querySelectorAll('.card')].map((c) => [c.dataset.card, " +
      "[c.querySelector('.card-value').textContent, c.querySelector('.card-sub').textContent]]))" +
      " }))",
  );
}

/** A run's summary record, from its results file. */
async function summaryOf(file: string): Promise<Json> {
  return jsonLines((await Deno.readTextFile(file)).split("\n")).find((r) => r.type === "summary")!;
}

const en = (v: number) => v.toLocaleString("en-US", { maximumFractionDigits: 1 });

/** The cards of a run say its summary's figures (the table under them says the same). */
function assertRunCards(row: CardRow, s: Json, page: string) {
  const c = row.cards;
  assertEquals(c.asked, [`${en(s.asked.rate)}/s`, `${en(s.asked.requests)} requests`], page);
  assertEquals(c.sent![0], `${en(s.achieved_rate)}/s`, page);
  assertOk(c.sent![1].startsWith(`${en(s.requests.sent)} requests, `), `${page}: ${c.sent}`);
  assertEquals(c.done![0], `${en(s.done_per_s)}/s`, page);
  assertEquals(c.errors![0], String(s.errors), page);
  assertOk(c.latency![0].endsWith("\u00a0ms"), `${page}: ${c.latency}`);
  assertEquals(c.verdict![0], s.bottleneck.advice.slice(0, s.bottleneck.advice.indexOf(": ")));
}

/** A run against the embedded server that writes its results; returns the file. */
async function results(dir: string, name: string, args: string[]): Promise<string> {
  const file = `${dir}/${name}.ndjson`;
  const r = await runCli([
    "run",
    "--duration",
    "3s",
    "--work-time",
    "1ms",
    "--out",
    file,
    ...args,
  ]);
  assertEquals(r.code, 0, r.stderr);
  return file;
}

Deno.test("browser: the HTML report draws every chart, for one run and for two overlaid", async () => {
  const dir = await Deno.makeTempDir();
  const browser = await launchBrowser();
  try {
    const a = await results(dir, "before", ["--rate", "200"]);
    const b = await results(dir, "after", ["--rate", "300", "--server", "--error-rate 0.05"]);
    for (const [name, files] of [["report", [a]], ["report-overlay", [a, b]]] as const) {
      const html = `${dir}/${name}.html`;
      const r = await runCli(["report", ...files, "--html", html]);
      assertEquals(r.code, 0, r.stderr);
      const size = (await Deno.stat(html)).size;
      assertOk(size > 50_000 && size < 500_000, `${name}.html is ${size} bytes`);
      const tab = await browser.newTab(1400, 900);
      await tab.open(`file://${html}`);
      await tab.waitForMessage(new RegExp(`tpsdemo: ${REPORT_CHARTS} charts drawn`), 10_000);
      assertEquals(await tab.evaluate<string>("document.body.dataset.charts"), `${REPORT_CHARTS}`);
      // Every series drawn is named (target, sent, done; no commands were given): each run's.
      const suffix = (f: string) => files.length > 1 ? ` · ${f.split("/").at(-1)}` : "";
      assertEquals(
        (await legends(tab))["chart-rate"],
        files.flatMap((f) => ["target", "sent/s", "done/s"].map((l) => `${l}${suffix(f)}`)),
        `${name}: rate legend entries`,
      );
      await assertPlainLegends(tab, name);
      // The key figures above the charts, a row per run; the table under the charts.
      const order = await tab.evaluate<string[]>(
        "[...document.body.children].map((e) => e.id).filter((id) => id)",
      );
      assertEquals(order.slice(0, 3), ["cards", "charts", "summary"], `${name}: the page's order`);
      const rows = await cardRows(tab);
      assertEquals(rows.length, files.length, `${name}: a row of cards per run`);
      for (const [i, file] of files.entries()) {
        assertRunCards(rows[i]!, await summaryOf(file), `${name} ${file}`);
      }
      const header = await tab.evaluate<string>("document.getElementById('summary').textContent");
      assertOk(header.includes("tpsdemo run --duration 3s"), `${name}: the command line`);
      // The values under the cursor show in a tip while it is over a chart, never "--".
      const tip = await tab.evaluate<string>(
        "(() => { const o = document.querySelector('#chart-rate .u-over'); " +
          "const r = o.getBoundingClientRect(); o.dispatchEvent(new MouseEvent('mousemove', " +
          "{ clientX: r.left + r.width / 3, clientY: r.top + 20, bubbles: true })); " +
          "const t = o.querySelector('.tip'); return t.hidden ? '' : t.innerText; })()",
      );
      assertOk(/^[\d.]+ s\n/.test(tip) && tip.includes("sent/s") && !tip.includes("--"), tip);
      if (files.length === 2) {
        // Two runs one after the other: each its own column, and a colour of its own.
        assertOk(header.includes("before.ndjson") && header.includes("after.ndjson"), header);
        const swatches = await tab.evaluate<string[]>(
          "[...document.querySelectorAll('#summary .swatch')].map((e) => e.style.background)",
        );
        assertEquals(swatches.length, 2);
        assertOk(swatches[0] !== swatches[1], `${swatches}`);
        // Each row of cards named, in its run's colour.
        assertEquals(rows.map((r) => r.name), ["before.ndjson", "after.ndjson"]);
        const colors = await tab.evaluate<string[]>(
          "[...document.querySelectorAll('#cards .cards-name .swatch')].map((e) => e.style.background)",
        );
        assertEquals(colors, swatches);
      }
      assertNoErrors(tab, name);
      await shot(tab, name);
    }
  } finally {
    await browser.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("browser: the report of a run of several targets has its table and chart by name", async () => {
  const server = await startServe([]);
  const dir = await Deno.makeTempDir();
  const browser = await launchBrowser();
  try {
    const base = `http://127.0.0.1:${server.port}`;
    await Deno.writeTextFile(
      `${dir}/targets.txt`,
      `#@ name=work weight=3\nGET ${base}/api/work\n\n#@ name=cached weight=1\n` +
        `GET ${base}/cached?id={{rand:1:5}}\n\n#@ name=coupon weight=1 expect=200-299,410 ` +
        `check=json.coupon exists\nPOST ${base}/coupons\n`,
    );
    const file = `${dir}/mix.ndjson`;
    const run = await runCli([
      "run",
      ...["--targets", `${dir}/targets.txt`, "--requests", "50", "--rate", "100"],
      ...["--work-time", "0", "--out", file],
    ]);
    assertEquals(run.code, 0, run.stderr);
    // A name is the user's text: one made into markup in the file is shown as text.
    await Deno.writeTextFile(
      file,
      (await Deno.readTextFile(file)).replaceAll('"coupon":', '"<i>coupon</i>":'),
    );
    const html = `${dir}/names.html`;
    const r = await runCli(["report", file, "--html", html]);
    assertEquals(r.code, 0, r.stderr);
    const tab = await browser.newTab(1400, 900);
    await tab.open(`file://${html}`);
    await tab.waitForMessage(new RegExp(`tpsdemo: ${REPORT_CHARTS + 1} charts drawn`), 10_000);
    const rows = await tab.evaluate<string[][]>(
      "[...document.querySelectorAll('table.names tbody tr')].map((tr) => " +
        "[...tr.cells].map((c) => c.textContent))",
    );
    assertEquals(rows.map((row) => row.slice(0, 2)), [
      ["work", "30"],
      ["cached", "10"],
      ["<i>coupon</i>", "10"],
    ]);
    for (const row of rows) {
      // ok + HTTP errors + failed checks + transport errors = sent; latencies in ms.
      const [sent, ok, http, checks, transport] = row.slice(1, 6).map(Number);
      assertEquals(ok! + http! + checks! + transport!, sent, `${row}`);
      assertOk(row.slice(6).every((v) => Number(v) > 0), `${row}`);
    }
    assertEquals(await tab.evaluate<number>("document.querySelectorAll('#summary i').length"), 0);
    // The chart by name: p99 and p50 of each, a colour per name, named in the legend.
    const legend = await tab.evaluate<[string, string][]>(
      "[...document.querySelectorAll('#chart-names .u-legend .u-series')].map((e) => " +
        "[e.querySelector('.u-label').textContent, e.querySelector('.u-marker').style.borderColor])",
    );
    assertEquals(legend.map(([label]) => label), [
      "work p99",
      "work p50",
      "cached p99",
      "cached p50",
      "<i>coupon</i> p99",
      "<i>coupon</i> p50",
    ]);
    assertEquals(new Set(legend.map(([, color]) => color)).size, 3, `${legend}`);
    assertNoErrors(tab, "report by name");
  } finally {
    await browser.close();
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("browser: a run's live dashboard draws as it runs, then shows the summary", async () => {
  const dir = await Deno.makeTempDir();
  const browser = await launchBrowser();
  const run = spawnRun([
    "--duration",
    "4s",
    "--rate",
    "200",
    "--work-time",
    "1ms",
    "--dashboard=127.0.0.1:0",
    "--html",
    `${dir}/final.html`,
    "--json",
  ]);
  try {
    const line = await run.stderr.until(/dashboard at /);
    const url = /dashboard at (\S+)/.exec(line)![1];
    const tab = await browser.newTab(1400, 900);
    await tab.open(url!);
    // Live: drawn from the streamed intervals while the run goes on.
    await tab.waitForMessage(new RegExp(`tpsdemo: ${REPORT_CHARTS} charts drawn`), 10_000);
    const status = await tab.evaluate<string>("document.getElementById('controls').textContent");
    assertOk(/^live: \d+ s$/.test(status), `live status: ${status}`);
    // The page steers the run: +10% through the run's API; the change comes back as an event.
    await tab.evaluate("document.querySelector('#steer button[title=faster]').click()");
    await tab.evaluate(
      "new Promise((r) => { const f = () => document.querySelector('#decisions li') ? r(1) : " +
        "setTimeout(f, 50); f(); })",
    );
    const listed = await tab.evaluate<string>("document.getElementById('decisions').textContent");
    assertOk(listed.includes("rate → 220/s (api)"), listed);
    const [lines] = await Promise.all([run.stdout.rest(), run.stderr.rest()]);
    assertEquals((await run.child.status).code, 0);
    // The summary event ends the page: the header is the run's, the status says finished.
    const finished = await tab.evaluate<string>(
      "new Promise((r) => { const f = () => { const t = document.getElementById('controls')" +
        ".textContent; t.startsWith('finished') ? r(t) : setTimeout(f, 50); }; f(); })",
    );
    assertOk(finished.startsWith("finished after"), finished);
    const records = jsonLines(lines);
    const summary = records.at(-1)!;
    const events = records.filter((r) => r.type === "event");
    assertEquals(events.map((e) => [e.event, e.rate, e.source]), [["rate", 220, "api"]]);
    const rows = await tab.evaluate<number>(
      "document.querySelectorAll('#chart-rate .u-over').length",
    );
    assertEquals(rows, 1);
    const header = await tab.evaluate<string>("document.getElementById('summary').textContent");
    const sent = (summary.requests as { sent: number }).sent;
    assertOk(header.includes(`sent ${sent}`), `header shows sent ${sent}: ${header}`);
    // At its end the page has the cards of the run, and the table under the charts.
    const [row, ...more] = await cardRows(tab);
    assertEquals(more.length, 0);
    assertRunCards(row!, summary, "dashboard");
    const order = await tab.evaluate<string[]>(
      "[...document.body.children].map((e) => e.id).filter((id) => id)",
    );
    assertEquals(order.slice(0, 3), ["cards", "charts", "summary"]);
    await assertPlainLegends(tab, "dashboard");
    assertNoErrors(tab, "dashboard");
    await shot(tab, "dashboard");
    // --html wrote the final report, which draws too.
    const final = await browser.newTab();
    await final.open(`file://${dir}/final.html`);
    await final.waitForMessage(new RegExp(`tpsdemo: ${REPORT_CHARTS} charts drawn`), 10_000);
    assertNoErrors(final, "final report");
  } finally {
    try {
      run.child.kill("SIGTERM");
    } catch { /* ended */ }
    await run.child.status;
    await browser.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("browser: serve's /dashboard shows its /stats live", async () => {
  const server = await startServe(["--latency", "0", "--jitter", "0", "--cache-ttl", "60s"]);
  const browser = await launchBrowser();
  try {
    const base = `http://127.0.0.1:${server.port}`;
    const get = async (path: string, init?: RequestInit) =>
      await (await fetch(`${base}${path}`, init)).body?.cancel();
    for (const path of ["/api/work", "/cached", "/cached", "/slow"]) await get(path);
    await get("/coupons", { method: "POST" });
    // Traffic while the page polls: a request every 20 ms until the page has drawn 4 times.
    let drawn = false;
    const traffic = (async () => {
      for (let i = 0; !drawn && i < 1000; i++) {
        await get(i % 3 === 0 ? "/cached" : "/api/work");
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const tab = await browser.newTab(1400, 900);
    await tab.open(`${base}/dashboard`);
    await tab.waitForMessage(new RegExp(`tpsdemo: ${SERVE_CHARTS} charts drawn`), 10_000);
    // It goes on drawing each second: wait for the 4th drawing (3 points per chart).
    const draws = await tab.evaluate<number>(
      "new Promise((r) => { const f = () => Number(document.body.dataset.draws) >= 4 ? " +
        "r(Number(document.body.dataset.draws)) : setTimeout(f, 50); f(); })",
    );
    drawn = true;
    await traffic;
    assertOk(draws >= 4, `draws ${draws}`);
    const header = await tab.evaluate<string>("document.getElementById('summary').textContent");
    assertOk(/1 issued of \d+/.test(header), `coupons in the header: ${header}`);
    assertOk(/\d+ hits, 1 misses/.test(header), `cache in the header: ${header}`);
    await assertPlainLegends(tab, "serve dashboard");
    assertNoErrors(tab, "serve dashboard");
    await shot(tab, "serve-dashboard");
  } finally {
    await browser.close();
    await server.stop();
  }
});

Deno.test("browser: the capacity report draws its charts by rate", async () => {
  const row = (rate: number, p99: number, pass: boolean) => ({
    rate,
    achieved: rate,
    goodput: Math.min(rate, 500),
    p50_ms: p99 / 2,
    p99_ms: p99,
    mean_ms: p99 / 2,
    errors_pct: 0,
    pass,
    failed: pass ? [] : [`p99<100ms (${p99} ms)`],
    in_flight: (rate * p99) / 2000,
    littles_law: (rate * p99) / 2000,
    send_lateness_p99_us: 80,
    client_cpu_pct: 6,
  });
  const report = capacityReport(
    [
      row(100, 26, true),
      row(200, 27, true),
      row(400, 27, true),
      row(800, 800, false),
      row(
        500,
        30,
        true,
      ),
      row(600, 370, false),
      row(550, 300, false),
    ],
    { slos: ["p99<100ms"], maxRate: 500, lowestFail: 550, precision: 0.1 },
  );
  const dir = await Deno.makeTempDir();
  const browser = await launchBrowser();
  try {
    const html = `${dir}/capacity.html`;
    await Deno.writeTextFile(
      html,
      renderPage(
        capacityModel(report, "http://127.0.0.1:8000/api/work", "tpsdemo capacity --slo p99<100ms"),
        pageAssets(),
      ),
    );
    const tab = await browser.newTab(1400, 900);
    await tab.open(`file://${html}`);
    await tab.waitForMessage(/tpsdemo: 3 charts drawn/, 10_000);
    const header = await tab.evaluate<string>("document.getElementById('summary').textContent");
    assertOk(header.includes("500/s meets every objective"), header);
    // The answer in cards above the charts: the rate, the objective, confirmed.
    const [answer, ...others] = await cardRows(tab);
    assertEquals(others.length, 0);
    assertEquals(answer!.cards["max-rate"], ["500/s", "confirmed, to 10%"]);
    assertEquals(answer!.cards.objectives![0], "p99<100ms");
    assertEquals(answer!.cards.saturation![0], "500/s");
    assertEquals((await legends(tab))["chart-cap-goodput"], [
      "rate asked",
      "achieved",
      "goodput",
      "max rate",
      "knee",
    ]);
    await assertPlainLegends(tab, "capacity");
    assertNoErrors(tab, "capacity");

    // Two capacity results files given to report: overlaid, a colour each.
    const fixture = new URL("./fixtures/capacity.ndjson", import.meta.url).pathname;
    await Deno.copyFile(fixture, `${dir}/other.ndjson`);
    const overlay = `${dir}/capacity-overlay.html`;
    const r = await runCli(["report", fixture, `${dir}/other.ndjson`, "--html", overlay]);
    assertEquals(r.code, 0, r.stderr);
    const both = await browser.newTab(1400, 900);
    await both.open(`file://${overlay}`);
    await both.waitForMessage(/tpsdemo: 3 charts drawn/, 10_000);
    const legend = await both.evaluate<string[]>(
      "[...document.querySelectorAll('#chart-cap-latency .u-legend .u-series')].map((e) => e.textContent)",
    );
    assertEquals(legend.length, 2 * 2, `${legend}`);
    assertOk(legend.some((l) => l.includes("p99 · other.ndjson")), `${legend}`);
    // A row of cards per search, named and coloured as on the charts.
    const searches = await cardRows(both);
    assertEquals(searches.map((r) => r.name), [
      "capacity.ndjson",
      "other.ndjson",
    ]);
    assertOk(searches[0]!.color !== searches[1]!.color, `${searches.map((r) => r.color)}`);
    await assertPlainLegends(both, "capacity overlay");
    assertNoErrors(both, "capacity overlay");
  } finally {
    await browser.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("browser: a run of VUs draws the VUs beside the rate, alone and overlaid", async () => {
  const dir = await Deno.makeTempDir();
  const browser = await launchBrowser();
  try {
    const file = await results(dir, "vus", ["--stages", "0s:2vu,1s:2vu,1s:6vu"]);
    const html = `${dir}/vus.html`;
    const r = await runCli(["report", file, "--html", html]);
    assertEquals(r.code, 0, r.stderr);
    const tab = await browser.newTab(1400, 900);
    await tab.open(`file://${html}`);
    await tab.waitForMessage(/tpsdemo: \d+ charts drawn/, 10_000);
    const ids = await tab.evaluate<string[]>(
      "[...document.querySelectorAll('figure')].map((f) => f.id)",
    );
    assertEquals(ids.slice(0, 3), ["chart-rate", "chart-vus", "chart-latency"]);
    const legend = (chart: string) =>
      tab.evaluate<string[]>(
        `[...document.querySelectorAll('#chart-${chart} .u-legend .u-label')].map((e) => e.textContent)`,
      );
    assertEquals(await legend("vus"), ["VUs"]);
    assertEquals(await legend("latency"), ["p50", "p90", "p99", "max", "mean"]);
    // No target rate line at 0: VUs have none; nor a controller chart with nothing to draw.
    assertEquals((await legends(tab))["chart-rate"], ["sent/s", "done/s"]);
    const hidden = await tab.evaluate<boolean>(
      "document.getElementById('chart-controller').hidden",
    );
    assertEquals(hidden, true);
    await assertPlainLegends(tab, "report of VUs");
    // The latency card is the service time, labelled so.
    const [row] = await cardRows(tab);
    assertEquals(row!.cards.latency![1], "not corrected: virtual users have no schedule");
    assertEquals(row!.cards.asked![0], "6 VUs");
    const header = await tab.evaluate<string>("document.getElementById('summary').textContent");
    assertOk(header.includes("closed: VUs 0s:2vu,1s:2vu,1s:6vu, at most 6 VUs"), header);
    assertOk(header.includes("not corrected for coordinated omission"), header);
    assertNoErrors(tab, "report of VUs");
    // Overlaid with a rate run: each run's series on the chart of the same kind, not position.
    const rate = await results(dir, "rate", ["--rate", "100"]);
    const both = `${dir}/both.html`;
    assertEquals((await runCli(["report", file, rate, "--html", both])).code, 0);
    const two = await browser.newTab(1300, 900);
    await two.open(`file://${both}`);
    await two.waitForMessage(/tpsdemo: \d+ charts drawn/, 10_000);
    const shown = await legends(two);
    assertEquals(shown["chart-vus"], ["VUs · vus.ndjson"]);
    assertEquals(shown["chart-latency"], [
      "p50 · vus.ndjson",
      "p99 · vus.ndjson",
      "mean · vus.ndjson",
      "corrected p50 · rate.ndjson",
      "corrected p99 · rate.ndjson",
      "service p99 · rate.ndjson",
    ]);
    assertOk(shown["chart-controller"]!.includes("target rate · rate.ndjson"));
    assertOk(shown["chart-lateness"]!.every((l) => l.endsWith("· rate.ndjson")));
    const caption = await two.evaluate<string>(
      "document.querySelector('#chart-rate figcaption').textContent",
    );
    assertEquals(caption, "Rate: target, sent and done per second");
    assertNoErrors(two, "report of VUs and a rate run");
    await shot(two, "report-vus-and-rate");
  } finally {
    await browser.close();
    await Deno.remove(dir, { recursive: true });
  }
});
