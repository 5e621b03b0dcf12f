// deno-lint-ignore-file no-console -- a benchmark: it prints its tables and progress.
/**
 * `deno task bench report`: the results tools at scale, on synthetic results files shaped like a
 * real run's (1,000 requests a second, log-normal latency around 20 ms, 0.5% 503s, one interval
 * record a second with its histograms):
 * - `tpsdemo report` merging 10 files of a 10-minute run each (goal: under 2 s, end to end);
 * - `report --html` of a 1-hour run: the file's size (goal: under 2 MB) and the time Chromium
 *   takes from navigation to all charts drawn (goal: under 1 s; the page logs it).
 *
 * @module
 */

import { encodeHistogram, latencySummary, newHistogram } from "../lib/histogram.ts";
import { launchBrowser } from "../tests/_browser.ts";
import { DENO_RUN, MAIN, table, writeResult } from "./_util.ts";

const RATE = 1000;

/** A seeded generator (mulberry32), so every run of the bench reads the same files. */
function random(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A results file of `seconds` one-second intervals. */
function syntheticRun(seconds: number, seed: number, startMs: number): string {
  const rnd = random(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const runId = crypto.randomUUID();
  const header = { schema: 1, run_id: runId };
  const totalLat = newHistogram(), totalCor = newHistogram();
  const lines: string[] = [];
  let sent = 0, errors = 0;
  for (let s = 1; s <= seconds; s++) {
    const lat = newHistogram(), cor = newHistogram();
    let e = 0;
    for (let i = 0; i < RATE; i++) {
      const us = Math.round(20_000 * Math.exp(0.35 * normal()));
      lat.recordValue(us);
      cor.recordValue(us + Math.round(rnd() * 200));
      if (rnd() < 0.005) e++;
    }
    totalLat.add(lat);
    totalCor.add(cor);
    sent += RATE;
    errors += e;
    const p = (h: typeof lat) => {
      const l = latencySummary(h);
      return { p50: l.p50, p90: l.p90, p99: l.p99, max: l.max };
    };
    const lateness = { p50: 3, p90: 20, p99: 80, max: 300 };
    lines.push(JSON.stringify({
      type: "interval",
      t: s,
      interval_s: 1,
      api_per_s: RATE,
      done_per_s: RATE,
      queue: 0,
      rate: RATE,
      in_flight: 20,
      consumers: 32,
      jobs_queued: null,
      latency_ms: p(lat),
      corrected_ms: p(cor),
      pacer_lateness_us: lateness,
      send_lateness_us: lateness,
      errors: e,
      status: { "200": RATE - e, "503": e },
      error_kinds: {},
      accounting: {
        scheduled: sent,
        sent,
        queued: 0,
        not_sent: { stopped: 0, queue_full: 0 },
        ok: sent - errors,
        http_error: errors,
        failed: 0,
        timed_out: 0,
        cancelled: 0,
        in_flight: 0,
        jobs: { submitted: 0, done: 0, failed: 0, cancelled: 0, queued: null, running: 0 },
      },
      ...header,
      t_unix_ms: startMs + s * 1000,
      histograms: { latency_us: encodeHistogram(lat), corrected_latency_us: encodeHistogram(cor) },
    }));
  }
  const lastAccounting = JSON.parse(lines.at(-1)!).accounting;
  lines.push(JSON.stringify({
    type: "summary",
    url: "http://127.0.0.1:8000/api/work",
    duration_s: seconds,
    drain_s: 0.02,
    target_rate: RATE,
    final_rate: RATE,
    adaptive: false,
    achieved_rate: RATE,
    done_per_s: RATE,
    requests: lastAccounting,
    status: { "200": sent - errors, "503": errors },
    errors,
    error_kinds: {},
    bytes: sent * 180,
    latency_ms: latencySummary(totalLat),
    corrected_latency_ms: latencySummary(totalCor),
    pacer_lateness_us: { p50: 3, p90: 20, p99: 80, max: 300 },
    send_lateness_us: { p50: 3, p90: 20, p99: 80, max: 300 },
    pacer: { precision: "auto", batched_pct: 0, cpu_pct: 5 },
    histograms: {
      latency_us: encodeHistogram(totalLat),
      corrected_latency_us: encodeHistogram(totalCor),
    },
    stopped_by: "duration",
    command: `tpsdemo run --rate ${RATE} --duration ${seconds}s`,
    ...header,
    t_unix_ms: startMs,
  }));
  return lines.join("\n") + "\n";
}

async function timeReport(args: string[]): Promise<{ seconds: number; code: number }> {
  const t0 = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: [...DENO_RUN, MAIN, "report", ...args],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (out.code !== 0) throw new Error(new TextDecoder().decode(out.stderr));
  return { seconds: (performance.now() - t0) / 1000, code: out.code };
}

/** Runs the report bench; returns its rows. */
export async function benchReport(): Promise<Record<string, unknown>[]> {
  const dir = await Deno.makeTempDir({ prefix: "tpsdemo-bench-report-" });
  const rows: Record<string, unknown>[] = [];
  try {
    const start = Date.UTC(2026, 0, 1);
    const files: string[] = [];
    for (let i = 0; i < 10; i++) {
      const file = `${dir}/shard-${i}.ndjson`;
      await Deno.writeTextFile(file, syntheticRun(600, i + 1, start));
      files.push(file);
    }
    const size = files.reduce((a, f) => a + Deno.statSync(f).size, 0);
    // The first call compiles and caches the program; the figure is the best of the next three.
    await timeReport([files[0]!]);
    const merges = [];
    for (let k = 0; k < 3; k++) merges.push((await timeReport(files)).seconds);
    rows.push({
      what: "report: merge 10 files x 10 min (6,000 intervals, 6 M requests)",
      input_mb: Math.round(size / 1e5) / 10,
      seconds: Math.round(Math.min(...merges) * 100) / 100,
      goal: "< 2 s",
    });

    const hour = `${dir}/hour.ndjson`;
    await Deno.writeTextFile(hour, syntheticRun(3600, 99, start));
    const html = `${dir}/hour.html`;
    const made = await timeReport([hour, "--html", html]);
    const bytes = Deno.statSync(html).size;
    rows.push({
      what: "report --html of a 1-hour run (3,600 intervals)",
      input_mb: Math.round(Deno.statSync(hour).size / 1e5) / 10,
      seconds: Math.round(made.seconds * 100) / 100,
      html_mb: Math.round(bytes / 1e4) / 100,
      goal: "< 2 MB",
    });
    const browser = await launchBrowser();
    try {
      const opens = [];
      for (let k = 0; k < 3; k++) {
        const tab = await browser.newTab(1400, 900);
        await tab.open(`file://${html}`);
        const line = await tab.waitForMessage(/tpsdemo: 7 charts drawn at \d+ ms/, 30_000);
        opens.push(Number(/at (\d+) ms/.exec(line)![1]) / 1000);
      }
      rows.push({
        what: "Chromium: navigation to 7 charts drawn, 1-hour report",
        seconds: Math.round(Math.min(...opens) * 100) / 100,
        worst_s: Math.round(Math.max(...opens) * 100) / 100,
        goal: "< 1 s",
      });
    } finally {
      await browser.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  console.log(table(rows));
  console.log(`wrote ${writeResult("report", { rows })}`);
  return rows;
}

if (import.meta.main) await benchReport();
