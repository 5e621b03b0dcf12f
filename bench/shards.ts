// deno-lint-ignore-file no-console -- a benchmark: it prints its tables and progress.
/**
 * `deno task bench shards`: what a second shard buys. One tpsdemo process (core 0) and two shards
 * (`--shard 0/2` on core 0, `1/2` on core 1, started together with `--start-at`) pace nginx (one
 * worker, unpinned) at rising rates, 5 s each; the merge of the shards is read with
 * `tpsdemo report`. A rate counts as reached when at least 99.5% of it was sent with a send
 * lateness p99 within 2 ms (the worst shard's; the batching window puts the floor near 1 ms at
 * these rates, see BENCHMARKS.md "Paced load"). Goal: two shards reach a higher rate than one.
 *
 * @module
 */

import { startTarget } from "./paced.ts";
import { DENO_RUN, MAIN, measureRun, table, writeResult } from "./_util.ts";

const SECONDS = 5;
const RATES = [20_000, 30_000, 40_000, 50_000, 60_000];

interface Point extends Record<string, unknown> {
  clients: number;
  rate: number;
  achieved: number;
  send_p99_us: number;
  cpu_s: number;
  reached: boolean;
}

async function point(url: string, rate: number, shards: number, dir: string): Promise<Point> {
  const startAt = new Date(Date.now() + 1500).toISOString();
  const runs = [];
  for (let i = 0; i < shards; i++) {
    runs.push(measureRun(url, [
      "--rate",
      String(rate),
      "--duration",
      `${SECONDS}s`,
      "--consumers",
      "64",
      "--out",
      `${dir}/shard-${i}.ndjson`,
      ...(shards > 1 ? ["--shard", `${i}/${shards}`, "--start-at", startAt] : []),
    ], String(i)));
  }
  const outs = await Promise.all(runs);
  const files = [...Array(shards).keys()].map((i) => `${dir}/shard-${i}.ndjson`);
  const merged = await new Deno.Command(Deno.execPath(), {
    args: [...DENO_RUN, MAIN, "report", ...files, "--json"],
    stdout: "piped",
  }).output();
  const s = JSON.parse(new TextDecoder().decode(merged.stdout));
  // The rate over the span the shards ran side by side (the merge's is from the first start to
  // the last stop).
  const achieved = s.requests.sent / SECONDS;
  const p99 = s.send_lateness_us.p99;
  return {
    clients: shards,
    rate,
    achieved: Math.round(achieved),
    send_p99_us: p99,
    cpu_s: Math.round(outs.reduce((a, o) => a + o.cpu, 0) * 100) / 100,
    reached: achieved >= 0.995 * rate && p99 <= 2000,
  };
}

/** Runs the shard bench; returns its rows. */
export async function benchShards(): Promise<Point[]> {
  const target = await startTarget("");
  const dir = await Deno.makeTempDir({ prefix: "tpsdemo-bench-shards-" });
  const rows: Point[] = [];
  try {
    for (const shards of [1, 2]) {
      for (const rate of RATES) rows.push(await point(target.url, rate, shards, dir));
    }
  } finally {
    await target.stop();
    await Deno.remove(dir, { recursive: true });
  }
  const best = (n: number) =>
    Math.max(0, ...rows.filter((r) => r.clients === n && r.reached).map((r) => r.rate));
  console.log(table(rows));
  console.log(
    `highest rate reached (>= 99.5% sent, send p99 <= 2 ms): one process ${best(1)}/s, ` +
      `two shards ${best(2)}/s`,
  );
  console.log(
    `wrote ${writeResult("shards", { seconds: SECONDS, rows, best: [best(1), best(2)] })}`,
  );
  return rows;
}

if (import.meta.main) await benchShards();
