/**
 * The house rules, checked on the source: every import runs down the layers (the data flow
 * within `run`: record → stages → recorder → reporters → wiring → the CLI edge), the simulator
 * stays out of product code, only the edge prints or exits, and no product file grows past 300
 * lines.
 */
import { assertEquals } from "./_assert.ts";

const ROOT = new URL("../", import.meta.url);

/**
 * Layers, lowest first. A file may import only files of a strictly lower layer. Every product
 * file must be listed: a new file is placed here on purpose.
 */
const LAYERS: string[][] = [
  ["lib/units.ts", "lib/clock.ts", "lib/cpu_work.ts", "lib/histogram.ts", "lib/report/assets.ts"],
  // The record every stage shares; the server's data.
  ["lib/client/result.ts", "server/shared_state.ts"],
  // Pure pieces the stages are made of.
  [
    "lib/client/schedule.ts",
    "lib/client/precise_wait.ts",
    "lib/client/http_parser.ts",
    "lib/client/watchdog.ts",
    "lib/client/window_stats.ts",
    "server/settings.ts",
    "server/faults.ts",
    "server/redis_store.ts",
  ],
  // The stages, in pipeline order: pacer, queue, connection, job pool; the recorder; the app.
  ["lib/client/stages.ts"],
  ["lib/client/pacer_protocol.ts"],
  [
    "lib/client/pacer_thread.ts",
    "lib/client/queue.ts",
    "lib/client/connection.ts",
    "lib/client/worker_pool.ts",
    "lib/client/adaptive.ts",
    "lib/client/recorder.ts",
    "server/app.ts",
  ],
  ["lib/client/control.ts"],
  [
    "lib/client/pacer_loop.ts",
    "lib/client/pacer_async.ts",
    "lib/client/fetch_connection.ts",
    "lib/client/consumer.ts",
    "lib/client/verdict.ts",
    "lib/client/run_config.ts",
    "lib/client/warm_up.ts",
    "lib/client/notices.ts",
    "lib/client/job_stage.ts",
    "lib/client/consumer_sizing.ts",
    "lib/client/run_loops.ts",
    "server/accounting.ts",
    "lib/sim/random.ts",
    "lib/sim/heap.ts",
    "lib/sim/service.ts",
    "lib/report/series.ts",
  ],
  // The wiring.
  [
    "lib/client/run.ts",
    "lib/client/reporters.ts",
    "server/listen.ts",
    "lib/sim/simulator.ts",
    "lib/report/page.ts",
  ],
  [
    "server/dashboard.ts",
    "lib/sim/scenarios.ts",
    "lib/report/thresholds.ts",
    "lib/report/merge.ts",
  ],
  ["lib/capacity/search.ts"],
  ["lib/capacity/report.ts"],
  // Results: the report page and the live dashboard; the server's isolates; the capacity search.
  ["server/isolates.ts", "lib/report/html.ts", "lib/capacity/find.ts"],
  ["lib/report/dashboard.ts"],
  // The terminal edge.
  ["lib/cli/flags.ts"],
  ["lib/cli/help.ts", "lib/cli/terminal.ts"],
  [
    "lib/cli/run_flags.ts",
    "lib/cli/serve_flags.ts",
    "lib/cli/report_flags.ts",
    "lib/cli/gates.ts",
    "lib/cli/run_summary.ts",
  ],
  ["lib/cli/run_outputs.ts", "lib/cli/stages_flag.ts"],
  ["lib/cli/run_settings.ts"],
  ["lib/cli/embedded.ts", "lib/cli/keys.ts", "lib/cli/capacity_flags.ts"],
  [
    "lib/cli/run_command.ts",
    "lib/cli/serve_command.ts",
    "lib/cli/report_command.ts",
    "lib/cli/capacity_command.ts",
  ],
  // Entry points.
  ["main.ts", "workers/pacer.ts", "workers/cpu_job.ts", "workers/server_isolate.ts"],
];

const layerOf = new Map(LAYERS.flatMap((files, i) => files.map((f) => [f, i] as const)));

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(new URL(dir, ROOT))) {
    const path = `${dir}${e.name}`;
    if (e.isDirectory) out.push(...await sourceFiles(`${path}/`));
    else if (e.name.endsWith(".ts")) out.push(path);
  }
  return out;
}

const PRODUCT = async () => [
  "main.ts",
  ...await sourceFiles("lib/"),
  ...await sourceFiles("server/"),
  ...await sourceFiles("workers/"),
];

/** Relative imports (static and dynamic) of a file, as paths from the root. */
function importsOf(path: string, text: string): string[] {
  const re = /(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g;
  return [...text.matchAll(re)].map((m) => new URL(m[1], new URL(path, ROOT)).pathname)
    .map((p) => p.slice(ROOT.pathname.length));
}

Deno.test("layout: every product file has a layer, and imports only run down the layers", async () => {
  const wrong: string[] = [];
  for (const file of await PRODUCT()) {
    const layer = layerOf.get(file);
    if (layer === undefined) {
      wrong.push(`${file} is in no layer`);
      continue;
    }
    for (const dep of importsOf(file, await Deno.readTextFile(new URL(file, ROOT)))) {
      if (dep === "deno.json") continue; // main.ts reads the version
      const depLayer = layerOf.get(dep);
      if (depLayer === undefined || depLayer >= layer) {
        wrong.push(`${file} (layer ${layer}) imports ${dep} (layer ${depLayer ?? "none"})`);
      }
    }
  }
  assertEquals(wrong, []);
});

Deno.test("layout: the simulator is for tests and benches only", async () => {
  const wrong: string[] = [];
  for (const file of await PRODUCT()) {
    if (file.startsWith("lib/sim/")) continue;
    const deps = importsOf(file, await Deno.readTextFile(new URL(file, ROOT)));
    for (const dep of deps) if (dep.startsWith("lib/sim/")) wrong.push(`${file} imports ${dep}`);
  }
  assertEquals(wrong, []);
});

Deno.test("layout: only the CLI edge and the Worker entries print; only main.ts exits", async () => {
  const wrong: string[] = [];
  for (const file of await PRODUCT()) {
    const text = (await Deno.readTextFile(new URL(file, ROOT)))
      .replace(/^\s*\*.*$/gm, "") // JSDoc lines, examples included
      .replace(/\/\/.*$/gm, "");
    const edge = file === "main.ts" || file.startsWith("lib/cli/") || file.startsWith("workers/");
    if (!edge && /\bconsole\.|Deno\.std(out|err)\b/.test(text)) wrong.push(`${file} prints`);
    if (file !== "main.ts" && /\bDeno\.exit\b/.test(text)) wrong.push(`${file} exits`);
  }
  assertEquals(wrong, []);
});

Deno.test("layout: no product file over 300 lines but the two that hold one concern each", async () => {
  // run.ts is the wiring of one pipeline; adaptive.ts holds the two rate controllers.
  const allowed = new Set(["lib/client/run.ts", "lib/client/adaptive.ts"]);
  const long: string[] = [];
  for (const file of await PRODUCT()) {
    const lines = (await Deno.readTextFile(new URL(file, ROOT))).split("\n").length;
    if (lines > 300 && !allowed.has(file)) long.push(`${file}: ${lines} lines`);
  }
  assertEquals(long, []);
});
