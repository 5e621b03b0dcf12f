// deno-lint-ignore-file no-console -- a benchmark: it prints its tables and progress.
/**
 * `deno task bench [adaptive|pacer|serve|client|pool|paced|report|stages|capacity|shards|adaptive-real|workload|https|alloc|metrics ...]`: runs the benchmarks (all by default),
 * prints a table for each and writes JSON under `bench/results/`.
 *
 * @module
 */

import { benchAdaptive } from "./adaptive.ts";
import { benchAdaptiveReal } from "./adaptive_real.ts";
import { benchCapacity } from "./capacity.ts";
import { benchClient } from "./client.ts";
import { benchPacer } from "./pacer.ts";
import { benchPaced } from "./paced.ts";
import { benchPool } from "./pool.ts";
import { benchReport } from "./report.ts";
import { benchServe } from "./serve.ts";
import { benchShards } from "./shards.ts";
import { benchStages } from "./stages.ts";
import { benchWorkload } from "./workload.ts";
import { benchHttps } from "./https.ts";
import { benchAlloc } from "./alloc.ts";
import { benchMetrics } from "./metrics.ts";

const ALL: Record<string, () => unknown> = {
  adaptive: () => benchAdaptive(10),
  pacer: () => benchPacer(5),
  serve: () => benchServe(4, 5),
  client: () => benchClient(5, 60),
  pool: () => benchPool(8, 0.1),
  paced: () => benchPaced(8),
  report: () => benchReport(),
  stages: () => benchStages(),
  capacity: () => benchCapacity(),
  shards: () => benchShards(),
  "adaptive-real": () => benchAdaptiveReal(3),
  workload: () => benchWorkload(8, 3),
  https: () => benchHttps(8),
  alloc: () => benchAlloc(8),
  metrics: () => benchMetrics(3, 10),
};

const names = Deno.args.length > 0 ? Deno.args : Object.keys(ALL);
for (const name of names) {
  const run = ALL[name];
  if (!run) {
    console.error(`bench: unknown benchmark "${name}"; one of ${Object.keys(ALL).join(", ")}`);
    Deno.exit(2);
  }
  console.log(`\n== ${name} ==`);
  await run();
}
