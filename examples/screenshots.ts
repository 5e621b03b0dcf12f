// deno-lint-ignore-file no-console -- a script: it says what it wrote.
/**
 * `deno task screenshots`: the README's pictures of the pages (`docs/*.png`: the top 1300 × 1400
 * px of each, as a reader first sees it), each from runs long enough to have a shape:
 *
 * - `report.png`: the report of the README's `--adaptive` example against the embedded server
 *   held to 500/s, run for 40 s;
 * - `dashboard.png`: a run's live dashboard 25 s into a 40 s run at 200/s, steered twice (+10%)
 *   from its buttons, so its commands are on the charts;
 * - `serve-dashboard.png`: `serve`'s dashboard while a 30 s ramp (50/s to 400/s) runs at it;
 * - `capacity.png`: `docs/capacity.html` (which `deno task bench capacity` writes) as today's page
 *   draws it, from the data it holds.
 *
 * `--page FILE.html OUT.png` shoots one page instead: the seeds' pictures (README, Experiments)
 * are `deno task seed:4 --html seed-4.html`, then this. Needs Chromium (`tests/needs.sh`).
 *
 * @module
 */

import { type BrowserTab, launchBrowser } from "../tests/_browser.ts";
import { runCli, spawnRun, startServe } from "../tests/_helpers.ts";
import { capacityReport } from "../lib/capacity/report.ts";
import { pageAssets } from "../lib/report/assets.ts";
import { capacityModel } from "../lib/report/html.ts";
import { renderPage } from "../lib/report/page.ts";

const DOCS = new URL("../docs/", import.meta.url).pathname;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const browser = await launchBrowser();

/** Opens `url` in a 1300 × 1400 window and waits for its charts. */
async function open(url: string): Promise<BrowserTab> {
  const tab = await browser.newTab(1300, 1400);
  await tab.open(url);
  await tab.waitForMessage(/tpsdemo: \d+ charts drawn/, 15_000);
  return tab;
}

async function shoot(tab: BrowserTab, png: string): Promise<void> {
  await Deno.writeFile(png, await tab.screenshot({ viewport: true }));
  console.log(`wrote ${png}`);
}

/** Waits until the live page says it is `s` seconds in. */
async function liveAt(tab: BrowserTab, s: number): Promise<void> {
  for (;;) {
    const status = await tab.evaluate<string>("document.getElementById('controls').textContent");
    const at = Number(/live: (\d+) s/.exec(status)?.[1] ?? NaN);
    if (at >= s) return;
    if (status.startsWith("finished") || status.startsWith("disconnected")) {
      throw new Error(`the run ended before ${s} s: ${status}`);
    }
    await sleep(200);
  }
}

async function report(dir: string): Promise<void> {
  const html = `${dir}/report.html`;
  const r = await runCli([
    ...["run", "--rate", "2000", "--adaptive", "--consumers", "64", "--work-time", "0"],
    ...["--server", "--capacity 500", "--duration", "40s", "--html", html],
  ]);
  if (r.code !== 0) throw new Error(`run: exit ${r.code}\n${r.stderr}`);
  await shoot(await open(`file://${html}`), `${DOCS}report.png`);
}

async function dashboard(dir: string): Promise<void> {
  // With --html the run exits once stopped (else its dashboard stays up until a second signal).
  const run = spawnRun([
    ...["--rate", "200", "--duration", "40s", "--work-time", "1ms", "--dashboard=127.0.0.1:0"],
    ...["--html", `${dir}/dashboard.html`],
  ]);
  try {
    const url = /dashboard at (\S+)/.exec(await run.stderr.until(/dashboard at /))![1]!;
    const tab = await open(url);
    for (const at of [8, 16]) {
      await liveAt(tab, at);
      await tab.evaluate("document.querySelector('#steer button[title=faster]').click()");
    }
    await liveAt(tab, 25);
    await shoot(tab, `${DOCS}dashboard.png`);
  } finally {
    run.child.kill("SIGTERM");
    await Promise.all([run.child.status, run.stdout.rest(), run.stderr.rest()]);
  }
}

async function serveDashboard(): Promise<void> {
  const server = await startServe(["--cache-ttl", "5s"]);
  const base = `http://127.0.0.1:${server.port}`;
  const targets = await Deno.makeTempFile({ suffix: ".txt" });
  await Deno.writeTextFile(
    targets,
    `#@ weight=6\nGET ${base}/api/work\n\n#@ weight=3\nGET ${base}/cached?id={{rand:1:50}}\n\n` +
      `#@ weight=1 expect=200,410\nPOST ${base}/coupons\n`,
  );
  const run = spawnRun(["--targets", targets, "--stages", "0s:50,30s:400", "--work-time", "0"]);
  try {
    const tab = await open(`${base}/dashboard`);
    await tab.evaluate(
      "new Promise((r) => { const f = () => Number(document.body.dataset.draws) >= 25 ? r(1) : " +
        "setTimeout(f, 200); f(); })",
    );
    await shoot(tab, `${DOCS}serve-dashboard.png`);
  } finally {
    run.child.kill("SIGTERM");
    await Promise.all([run.child.status, run.stdout.rest(), run.stderr.rest()]);
    await server.stop();
    await Deno.remove(targets);
  }
}

/** docs/capacity.html drawn again from the search it holds (its steps and its settings). */
async function capacity(): Promise<void> {
  const file = `${DOCS}capacity.html`;
  const html = await Deno.readTextFile(file);
  const data = JSON.parse(/<script id="tpsdemo-data"[^>]*>(.*?)<\/script>/s.exec(html)![1]!);
  const text = (s: string) => s.replace(/&#(\d+);/g, (_, c) => String.fromCharCode(Number(c)));
  const cell = (name: string) =>
    text(new RegExp(`<th>${name}</th><td>(?:<code>)?(.*?)(?:</code>)?</td>`, "s").exec(html)![1]!);
  const c = data.capacity;
  // A page of an older tpsdemo holds the steps and settings, not every figure of the answer.
  const r = c.answer ? c : capacityReport(c.steps, {
    slos: c.slos,
    maxRate: c.max_rate ?? undefined,
    lowestFail: c.lowest_failing_rate ?? undefined,
    precision: c.precision,
  });
  await Deno.writeTextFile(
    file,
    renderPage(capacityModel(r, cell("target"), cell("command")), pageAssets()),
  );
  await shoot(await open(`file://${file}`), `${DOCS}capacity.png`);
}

const dir = await Deno.makeTempDir({ prefix: "tpsdemo-screenshots-" });
try {
  const page = Deno.args.indexOf("--page");
  if (page >= 0) {
    const [html, png] = Deno.args.slice(page + 1);
    if (!html || !png) throw new Error("--page FILE.html OUT.png");
    await shoot(await open(`file://${await Deno.realPath(html)}`), png);
  } else {
    await report(dir);
    await dashboard(dir);
    await serveDashboard();
    await capacity();
  }
} finally {
  await browser.close();
  await Deno.remove(dir, { recursive: true });
}
