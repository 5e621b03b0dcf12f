// deno-lint-ignore-file no-console -- a benchmark: it prints its tables and progress.
/**
 * `bench/pacer`: precision of the pacer doing no work, at 200, 1,000, 5,000 and 20,000 ticks/s:
 * achieved rate, lateness (actual − scheduled) p50/p99/max in µs and CPU % of a core, beside the
 * source document's Python pacer, and (at 1,000/s) the main-thread design it replaces.
 *
 * @module
 */

import { table, writeResult } from "./_util.ts";

const PROBE = new URL("./fixtures/pacer_probe.ts", import.meta.url).pathname;
const SEED = new URL("./fixtures/seed_pacer.py", import.meta.url).pathname;

async function runJson(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<Record<string, number | string>> {
  const out = await new Deno.Command(cmd, { args, env, stdout: "piped", stderr: "inherit" })
    .output();
  const text = new TextDecoder().decode(out.stdout).trim().split("\n").pop()!;
  return JSON.parse(text);
}

/** Runs the benchmark; returns its rows. */
export async function benchPacer(
  seconds = 5,
  rates = [200, 1000, 5000, 20000],
  rounds = 3,
): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  const fmt = (r: Record<string, number | string>, design: string) => ({
    design,
    rate: r.rate,
    achieved: Number(r.achieved),
    rate_err_pct: Math.abs(Number(r.achieved) / Number(r.rate) - 1) * 100,
    p50_us: Number(r.p50_us),
    p99_us: Number(r.p99_us),
    max_us: Number(r.max_us),
    cpu_pct: Number(r.cpu_pct),
  });
  // Three rounds of each, interleaved; the median round (by p99) is reported.
  const deno = Deno.execPath();
  const median = async (design: string, cmd: string, args: string[], env = {}) => {
    const runs = [];
    for (let i = 0; i < rounds; i++) runs.push(fmt(await runJson(cmd, args, env), design));
    runs.sort((a, b) => a.p99_us - b.p99_us);
    return runs[Math.floor(runs.length / 2)]!;
  };
  for (const rate of rates) {
    const r = String(rate), sec = String(seconds);
    rows.push(await median("tpsdemo strict", deno, ["run", "-A", PROBE, r, sec]));
    rows.push(
      await median("tpsdemo auto", deno, ["run", "-A", PROBE, r, sec], { PRECISION: "auto" }),
    );
    rows.push(await median("python seed", "python3", [SEED, r, sec]));
    if (rate === 1000) {
      rows.push(await median("main-thread spin", deno, ["run", "-A", PROBE, r, sec, "main"]));
    }
  }
  console.log(table(rows));
  writeResult("pacer", { seconds, rounds, rows });
  return rows;
}

if (import.meta.main) await benchPacer(Number(Deno.args[0] ?? 5));
