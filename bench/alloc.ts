// deno-lint-ignore-file no-console -- a benchmark: it prints its tables and progress.
/**
 * `bench/alloc`: what the client allocates per request, and the collections that costs. The
 * client runs pinned to one core against nginx on the other, with V8's `--trace-gc-nvp`: every
 * garbage collection prints its kind and the bytes allocated since the last one. Per rate (and
 * closed loop): bytes allocated per request on the main thread in the steady state (after the
 * run's first second), scavenges and mark-compacts over the whole run, and send lateness p99.
 *
 * @module
 */

import { DENO_RUN, MAIN, measureClient, table, writeResult } from "./_util.ts";
import { startTarget } from "./paced.ts";

const CLIENT_CPU = "0";

interface Gc {
  isolate: string;
  ms: number;
  kind: string;
  allocated: number;
}

/** The collections V8 reported, by isolate. */
export function parseGcLines(text: string): Gc[] {
  const out: Gc[] = [];
  for (const line of text.split("\n")) {
    // Lines of several threads may interleave: read the two fields, not the whole JSON.
    const m = /\[\d+:(0x[0-9a-f]+):\d+\]\s+(\d+) ms: GC: \{/.exec(line);
    const kind = /"gc":"(\w+)"/.exec(line)?.[1];
    const allocated = /"allocated":(\d+)/.exec(line)?.[1];
    if (!m || !kind || allocated === undefined) continue;
    out.push({ isolate: m[1]!, ms: Number(m[2]), kind, allocated: Number(allocated) });
  }
  return out;
}

interface Row extends Record<string, unknown> {
  rate: string;
  requests: number;
  bytes_per_req: number;
  scavenges: number;
  mark_compacts: number;
  send_p99_us: number;
  send_p99_after_1s_us: number | string;
}

async function one(url: string, rate: number, seconds: number): Promise<Row> {
  // The records go to a file: V8's GC lines would cut into them on stdout.
  const out = Deno.makeTempFileSync({ suffix: ".ndjson" });
  const spawned = Date.now();
  const r = await measureClient(Deno.execPath(), [
    "run",
    ...DENO_RUN.slice(1),
    "--v8-flags=--trace-gc-nvp",
    MAIN,
    "run",
    "--url",
    url,
    "--work-time",
    "0",
    "--rate",
    String(rate),
    "--consumers",
    rate === 0 ? "16" : "32",
    "--duration",
    `${seconds}s`,
    "--out",
    out,
  ], CLIENT_CPU);
  const records = Deno.readTextFileSync(out).trim().split("\n").map((l) => JSON.parse(l));
  Deno.removeSync(out);
  const summary = records.at(-1);
  const intervals = records.filter((x) => x.type === "interval" && !x.drain);
  const gcs = parseGcLines(r.stdout + "\n" + r.stderr);
  // The main thread is the isolate that collected most (Workers allocate little).
  const by = new Map<string, Gc[]>();
  for (const g of gcs) by.set(g.isolate, [...(by.get(g.isolate) ?? []), g]);
  const main = [...by.values()].sort((a, b) => b.length - a.length)[0] ?? [];
  // The steady state: from the end of the run's first second (the process's clock starts at
  // its spawn; the run's at its first tick).
  const firstTick = (summary.t_unix_ms ?? spawned) - spawned;
  const from = firstTick + 1000;
  const allocated = main.filter((g) => g.ms >= from).reduce((a, g) => a + g.allocated, 0);
  const first = intervals[0]?.accounting.sent ?? 0;
  const steady = summary.requests.sent - first;
  return {
    rate: rate === 0 ? "closed" : String(rate),
    requests: summary.requests.sent,
    bytes_per_req: Math.round(allocated / Math.max(1, steady)),
    scavenges: main.filter((g) => g.kind === "s").length,
    mark_compacts: main.filter((g) => g.kind !== "s").length,
    send_p99_us: summary.send_lateness_us.p99,
    send_p99_after_1s_us: summary.send_lateness_after_warmup_us?.p99 ?? "-",
  };
}

/** Runs the benchmark; returns its rows. */
export async function benchAlloc(seconds = 8, rates = [1000, 10_000, 30_000, 0]): Promise<Row[]> {
  const target = await startTarget();
  const rows: Row[] = [];
  try {
    for (const rate of rates) rows.push(await one(target.url, rate, seconds));
  } finally {
    await target.stop();
  }
  console.log(`target: ${target.name}; the client on one core, ${seconds} s a run`);
  console.log(table(rows));
  writeResult("alloc", { seconds, target: target.name, rows });
  return rows;
}
