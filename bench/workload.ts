// deno-lint-ignore-file no-console -- a benchmark: it prints its tables and progress.
/**
 * `bench/workload`: what a real workload costs the client. The client is pinned to one core
 * (`taskset -c 0`), nginx (or the bare Deno server) to the other. Each pair of runs alternates,
 * the same seconds, the same target: the single static request of `--url`, and a targets file of
 * three targets weighted 3:1:1 whose URLs and bodies hold `{{uuid}}` and `{{seq}}`. Paced at
 * 10,000/s (CPU seconds), and in closed loop (CPU µs per request). The goal: the mix costs at most
 * 1.10x the static request.
 *
 * @module
 */

import { DENO_RUN, MAIN, measureClient, measureRun, table, writeResult } from "./_util.ts";
import { startTarget } from "./paced.ts";

const CLIENT_CPU = "0";

interface Row extends Record<string, unknown> {
  mode: string;
  workload: string;
  cpu_s: number;
  requests: number;
  rps: number;
  cpu_us_per_req: number;
}

/** The three-target mix, against `url`'s origin. */
function mixFile(url: string): string {
  const origin = new URL(url).origin;
  const path = Deno.makeTempFileSync({ prefix: "tpsdemo-mix-", suffix: ".txt" });
  Deno.writeTextFileSync(
    path,
    `#@ name=read weight=3
GET ${origin}/items/{{seq}}?trace={{uuid}}

#@ name=write
POST ${origin}/orders
Content-Type: application/json
X-Request-Id: {{uuid}}
@${path}.body

#@ name=static
GET ${origin}/health
`,
  );
  Deno.writeTextFileSync(`${path}.body`, '{"order":{{seq}},"user":"{{uuid}}","qty":1}');
  return path;
}

async function one(url: string, mix: string | undefined, mode: string, seconds: number) {
  const load = mode === "paced"
    ? ["--rate", "10000", "--consumers", "32"]
    : ["--rate", "0", "--consumers", "16"];
  const args = [...load, "--duration", `${seconds}s`, "--json"];
  const r = mix
    ? await measureClient(Deno.execPath(), [
      ...DENO_RUN,
      MAIN,
      "run",
      "--targets",
      mix,
      "--work-time",
      "0",
      ...args,
    ], CLIENT_CPU)
    : await measureRun(url, args, CLIENT_CPU);
  const s = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
  const requests = s.requests.sent as number;
  return {
    mode,
    workload: mix ? "3 targets, uuid+seq" : "one static request",
    cpu_s: r.cpu,
    requests,
    rps: Math.round(requests / s.duration_s),
    cpu_us_per_req: Math.round((r.cpu * 1e6) / Math.max(1, requests) * 100) / 100,
  };
}

/** Runs the benchmark (`pairs` alternating pairs per mode); returns its rows. */
export async function benchWorkload(seconds = 8, pairs = 3): Promise<Row[]> {
  const target = await startTarget();
  const mix = mixFile(target.url);
  const rows: Row[] = [];
  try {
    for (const mode of ["paced", "closed"]) {
      for (let i = 0; i < pairs; i++) {
        const order = i % 2 ? [mix, undefined] : [undefined, mix];
        for (const m of order) rows.push(await one(target.url, m, mode, seconds));
      }
    }
  } finally {
    await target.stop();
    Deno.removeSync(mix);
    Deno.removeSync(`${mix}.body`);
  }
  console.log(`target: ${target.name}; the client on one core, ${seconds} s a run`);
  console.log(table(rows));
  const ratios: Record<string, unknown>[] = [];
  for (const mode of ["paced", "closed"]) {
    const median = (w: string, k: "cpu_s" | "cpu_us_per_req") => {
      const xs = rows.filter((r) => r.mode === mode && r.workload.startsWith(w)).map((r) => r[k])
        .sort((a, b) => a - b);
      return xs[Math.floor(xs.length / 2)]!;
    };
    const k = mode === "paced" ? "cpu_s" : "cpu_us_per_req";
    ratios.push({
      mode,
      measure: k,
      static: median("one", k),
      mix: median("3", k),
      ratio: Math.round((median("3", k) / median("one", k)) * 1000) / 1000,
    });
  }
  console.log(table(ratios));
  writeResult("workload", { seconds, target: target.name, rows, ratios });
  return rows;
}
