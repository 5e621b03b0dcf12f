// deno-lint-ignore-file no-console -- a benchmark: it prints its tables and progress.
/**
 * `bench/pool`: the CPU-job Worker pool against its ceiling, `workers / work_time`, for 1, 2 and
 * 4 Workers (this machine has 2 cores) and for blocking `sleep` jobs: steady done/s (the mean of
 * the intervals after the first two) as a fraction of the ceiling.
 *
 * @module
 */

import { table, writeResult } from "./_util.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;

/** Runs the benchmark; returns its rows. */
export async function benchPool(seconds = 8, workTime = 0.1): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  const cases: [number, "cpu" | "sleep"][] = [[1, "cpu"], [2, "cpu"], [4, "cpu"], [8, "sleep"]];
  for (const [workers, kind] of cases) {
    const ceiling = workers / workTime;
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--unstable-net",
        MAIN,
        "run",
        "--rate",
        String(Math.ceil(ceiling * 1.5)),
        "--consumers",
        "8",
        "--workers",
        String(workers),
        "--work-time",
        String(workTime),
        "--work-kind",
        kind,
        "--duration",
        `${seconds}s`,
        "--json",
        "--server",
        "--latency 1ms --jitter 0",
      ],
      stdout: "piped",
      stderr: "null",
    }).output();
    const lines = new TextDecoder().decode(out.stdout).trim().split("\n").map((l) => JSON.parse(l));
    const steady = lines.filter((l) => l.type === "interval" && l.t > 2 && l.interval_s > 0.9);
    const done = steady.reduce((a, l) => a + l.done_per_s, 0) / Math.max(1, steady.length);
    rows.push({
      workers,
      kind,
      work_time_s: workTime,
      ceiling_per_s: ceiling,
      done_per_s: Math.round(done * 10) / 10,
      of_ceiling_pct: Math.round((done / ceiling) * 1000) / 10,
    });
  }
  console.log(table(rows));
  writeResult("pool", { seconds, workTime, cores: navigator.hardwareConcurrency, rows });
  return rows;
}

if (import.meta.main) await benchPool();
