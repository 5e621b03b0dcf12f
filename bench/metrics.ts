// deno-lint-ignore-file no-console -- a benchmark: it prints its tables and progress.
/**
 * `bench/metrics`: what `run --metrics` costs the run. The client paces 10,000/s pinned to one
 * core (`taskset -c 0`, as bench/paced does) against nginx (on the other core; `Deno.serve` when
 * nginx is absent), in three ways, interleaved over rounds: without `--metrics`; with it and no
 * scraper; with it and a scrape every second (from this process, as Prometheus would: the whole
 * text, read to its end). The client's CPU comes from /proc. Goal: the scrapes cost under 1% of a
 * core (scraped − unscraped); the metrics themselves (the intervals' histograms encoded, decoded
 * and bucketed) are the unscraped − plain difference. In-process, it also times one interval's
 * `RunMetrics.add` and one scrape's render, at 10,000 requests an interval.
 *
 * @module
 */

import { encodeHistogram, newHistogram } from "../lib/histogram.ts";
import { RunMetrics } from "../lib/report/run_metrics.ts";
import type { IntervalSnapshot } from "../lib/results/mod.ts";
import { measureRun, table, writeResult } from "./_util.ts";
import { startTarget } from "./paced.ts";

const CLIENT_CPU = "0";

interface Row extends Record<string, unknown> {
  round: number;
  variant: "plain" | "metrics" | "metrics + 1 s scrape";
  cpu_s: number;
  cpu_pct: number;
  achieved: number;
  scrapes?: number;
}

/** Scrapes `url` every second until stopped; counts the scrapes that got the whole text. */
function scraper(url: string): { stop(): number } {
  let n = 0;
  const timer = setInterval(async () => {
    try {
      const res = await fetch(url);
      if (res.ok && (await res.text()).includes("tpsdemo_run_requests_sent_total")) n++;
    } catch { /* not listening yet, or gone */ }
  }, 1000);
  return {
    stop() {
      clearInterval(timer);
      return n;
    },
  };
}

async function one(
  url: string,
  variant: Row["variant"],
  round: number,
  rate: number,
  seconds: number,
): Promise<Row> {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = probe.addr.port;
  probe.close();
  const metrics = variant === "plain" ? [] : ["--metrics", `127.0.0.1:${port}`];
  const scrape = variant === "metrics + 1 s scrape"
    ? scraper(`http://127.0.0.1:${port}/metrics`)
    : undefined;
  const r = await measureRun(url, [
    "--rate",
    String(rate),
    "--duration",
    `${seconds}s`,
    "--consumers",
    "32",
    "--json",
    ...metrics,
  ], CLIENT_CPU);
  const scrapes = scrape?.stop();
  const s = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
  return {
    round,
    variant,
    cpu_s: r.cpu,
    cpu_pct: (100 * r.cpu) / s.duration_s,
    achieved: s.requests.sent / s.duration_s,
    ...(scrapes === undefined ? {} : { scrapes }),
  };
}

/** One interval's `add` and one scrape's render, in-process, µs (the median of `n`). */
function inProcess(perInterval: number, n = 200): { add_us: number; render_us: number } {
  const h = newHistogram();
  for (let i = 0; i < perInterval; i++) h.recordValue(200 + ((i * 7919) % 20_000));
  const encoded = {
    latency_us: encodeHistogram(h),
    corrected_latency_us: encodeHistogram(h),
    send_lateness_us: encodeHistogram(h),
  };
  const p = { p50: 0, p90: 0, p99: 0, max: 0 };
  const snap = {
    accounting: { sent: 0, scheduled: 0, not_sent: { stopped: 0, queue_full: 0 } },
    status: { "200": perInterval },
    error_kinds: {},
    rate: perInterval,
    api_per_s: perInterval,
    queue: 0,
    in_flight: 8,
    consumers: 32,
    jobs_queued: null,
    latency_ms: p,
    corrected_ms: p,
  } as unknown as IntervalSnapshot;
  const m = new RunMetrics({ runId: "bench" });
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1]!;
  const add: number[] = [], render: number[] = [];
  for (let i = 0; i < n; i++) {
    let t = performance.now();
    m.add(snap, encoded);
    add.push((performance.now() - t) * 1000);
    t = performance.now();
    m.text();
    render.push((performance.now() - t) * 1000);
  }
  return { add_us: median(add), render_us: median(render) };
}

/** Runs the benchmark; returns its rows. */
export async function benchMetrics(rounds = 3, seconds = 10, rate = 10_000): Promise<Row[]> {
  const target = await startTarget();
  const rows: Row[] = [];
  const variants: Row["variant"][] = ["plain", "metrics", "metrics + 1 s scrape"];
  try {
    for (let round = 1; round <= rounds; round++) {
      // Each round in a different order, so a drift of the machine does not favour one.
      const order = variants.map((_, i) => variants[(i + round - 1) % variants.length]!);
      for (const v of order) rows.push(await one(target.url, v, round, rate, seconds));
    }
  } finally {
    await target.stop();
  }
  const median = (v: Row["variant"]) => {
    const xs = rows.filter((r) => r.variant === v).map((r) => r.cpu_pct).sort((a, b) => a - b);
    return xs[xs.length >> 1]!;
  };
  const summary = {
    plain_cpu_pct: median("plain"),
    metrics_cpu_pct: median("metrics"),
    scraped_cpu_pct: median("metrics + 1 s scrape"),
    scrape_cost_pct: median("metrics + 1 s scrape") - median("metrics"),
    metrics_cost_pct: median("metrics") - median("plain"),
    goal: "scrape_cost_pct < 1 (% of one core)",
    ...inProcess(rate),
  };
  console.log(`target: ${target.name}; client on one core, ${rate}/s for ${seconds} s a run`);
  console.log(table(rows));
  console.log(table([summary]));
  writeResult("metrics", { rate, seconds, rounds, target: target.name, rows, summary });
  return rows;
}

if (import.meta.main) {
  await benchMetrics(
    Number(Deno.args[0] ?? 3),
    Number(Deno.args[1] ?? 10),
    Number(Deno.args[2] ?? 10_000),
  );
}
