/**
 * The house rules, checked on the source. Product code lives in the folders of `FOLDERS`, in
 * pipeline order; each may import only itself and the folders it lists, so every import runs with
 * the data and no two folders import each other. A folder with a front door is entered only
 * through it. The README's "How it works" tree is the same list. Also: the simulator stays out of
 * product code, only the edge prints or exits, and no product file (`.ts` or `.js`) grows past
 * 300 lines.
 */
import { assertEquals, assertOk as assert } from "./_assert.ts";

const ROOT = new URL("../", import.meta.url);

interface Folder {
  /** What it owns, as the README's tree says it (one line). */
  owns: string;
  /** The folders it may import, besides itself. */
  imports: string[];
  /** The one file other folders import, when it has one. */
  door?: string;
}

const CLIENT_WINGS = ["pace", "dispatch", "http", "jobs", "record", "steer"]
  .map((w) => `lib/client/${w}/`);

/** Product folders, lowest first; `lib/` is the files every wing shares. */
const FOLDERS: Record<string, Folder> = {
  "lib/": { owns: "units, clock, CPU work, HDR histograms: what every wing uses", imports: [] },
  "lib/results/": {
    owns: "the versioned results records, accounting sum, merge, thresholds, summary",
    imports: ["lib/"],
    door: "mod.ts",
  },
  "lib/workload/": {
    owns: "the workload: targets files, the mix, data, response checks",
    imports: ["lib/"],
    door: "mod.ts",
  },
  "lib/client/pace/": {
    owns: "schedule, rate plans and stages, precise wait, the pacer thread + protocol",
    imports: ["lib/"],
    door: "mod.ts",
  },
  "lib/client/dispatch/": {
    owns: "bounded queue, consumers, Little's law for their count, virtual users",
    imports: ["lib/", "lib/results/", "lib/client/record/", "lib/client/http/"],
    door: "mod.ts",
  },
  "lib/client/http/": {
    owns: "connection (raw HTTP/1.1), response parser, fetch engine, watchdog",
    imports: ["lib/", "lib/results/", "lib/workload/", "lib/client/record/"],
    door: "mod.ts",
  },
  "lib/client/jobs/": {
    owns: "the CPU-job Worker pool and the job stage",
    imports: ["lib/", "lib/client/record/"],
    door: "mod.ts",
  },
  "lib/client/record/": {
    owns: "Result / NotSent (the record every stage shares), Window, recorder, notices",
    imports: ["lib/", "lib/results/"],
    door: "mod.ts",
  },
  "lib/client/steer/": {
    owns: "the rate controllers, run-time control, the run's timers",
    imports: ["lib/", "lib/results/", "lib/client/pace/", "lib/client/record/"],
    door: "mod.ts",
  },
  "lib/client/": {
    owns: "startRun(config, deps): the wiring of the wings above",
    imports: ["lib/", "lib/results/", "lib/workload/", ...CLIENT_WINGS],
    door: "run.ts",
  },
  "lib/capacity/": {
    owns: "tpsdemo capacity: the search, its judged steps, its report",
    imports: ["lib/", "lib/results/", "lib/client/"],
  },
  "lib/report/": {
    owns: "results drawn: chart columns, the HTML pages, the live dashboard",
    imports: ["lib/", "lib/results/", "lib/capacity/", "lib/client/steer/"],
  },
  "lib/sim/": {
    owns: "the simulator and its scenarios (each with its judge): tests and bench only",
    imports: ["lib/", "lib/client/pace/", "lib/client/record/", "lib/client/steer/"],
  },
  "server/": {
    owns: "tpsdemo serve: settings, app, faults, accounting, stores, isolates",
    imports: ["lib/", "lib/report/"],
  },
  "lib/cli/": {
    owns: "the terminal edge: typed flags + UsageError, the commands, the only printing",
    imports: [
      "lib/",
      "lib/results/",
      "lib/workload/",
      "lib/client/",
      ...CLIENT_WINGS,
      "lib/capacity/",
      "lib/report/",
      "server/",
    ],
  },
  "workers/": {
    owns: "thin Worker entries: pacer, cpu_job, server_isolate",
    imports: ["lib/", "lib/client/pace/", "lib/client/jobs/", "server/"],
  },
  "": {
    owns: "main.ts: the subcommand map; UsageError → exit 2; the only Deno.exit",
    imports: ["lib/cli/"],
  },
};

async function sourceFiles(dir: string, ends = [".ts"]): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(new URL(dir, ROOT))) {
    const path = `${dir}${e.name}`;
    if (e.isDirectory) out.push(...await sourceFiles(`${path}/`, ends));
    else if (ends.some((x) => e.name.endsWith(x))) out.push(path);
  }
  return out;
}

const PRODUCT = async (ends = [".ts"]) => [
  "main.ts",
  ...await sourceFiles("lib/", ends),
  ...await sourceFiles("server/", ends),
  ...await sourceFiles("workers/", ends),
];

const folderOf = (path: string) => path.slice(0, path.lastIndexOf("/") + 1);
const read = (path: string) => Deno.readTextFile(new URL(path, ROOT));

/** Relative imports (static and dynamic, not in comments) of a file, as paths from the root. */
function importsOf(path: string, text: string): string[] {
  const code = text.replace(/^\s*\*.*$/gm, "").replace(/\/\/.*$/gm, "");
  const re = /(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g;
  return [...code.matchAll(re)].map((m) => new URL(m[1]!, new URL(path, ROOT)).pathname)
    .map((p) => p.slice(ROOT.pathname.length)).filter((p) => p !== "deno.json");
}

Deno.test("layout: every product file is in a folder of the house", async () => {
  const stray = (await PRODUCT()).filter((f) => !(folderOf(f) in FOLDERS));
  assertEquals(stray, []);
});

Deno.test("layout: each folder imports only the folders it lists", async () => {
  const wrong: string[] = [];
  for (const file of await PRODUCT()) {
    const from = folderOf(file);
    const allowed = new Set([from, ...FOLDERS[from]?.imports ?? []]);
    for (const dep of importsOf(file, await read(file))) {
      if (!allowed.has(folderOf(dep))) wrong.push(`${file} imports ${dep}`);
    }
  }
  assertEquals(wrong, []);
});

Deno.test("layout: the folders' imports run one way (no two folders import each other)", () => {
  // A depth-first walk over the allowed imports finds no cycle.
  const state = new Map<string, "open" | "done">();
  const visit = (f: string, path: string[]): void => {
    assert(state.get(f) !== "open", `folders import in a circle: ${[...path, f].join(" → ")}`);
    if (state.get(f) === "done") return;
    state.set(f, "open");
    for (const dep of FOLDERS[f]?.imports ?? []) visit(dep, [...path, f]);
    state.set(f, "done");
  };
  for (const f of Object.keys(FOLDERS)) visit(f, []);
  // And every folder named is one of the house.
  const unknown = Object.values(FOLDERS).flatMap((f) => f.imports).filter((d) => !(d in FOLDERS));
  assertEquals(unknown, []);
});

Deno.test("layout: a folder with a front door is entered only through it", async () => {
  const wrong: string[] = [];
  for (const file of await PRODUCT()) {
    for (const dep of importsOf(file, await read(file))) {
      const door = FOLDERS[folderOf(dep)]?.door;
      if (door && folderOf(dep) !== folderOf(file) && dep !== `${folderOf(dep)}${door}`) {
        wrong.push(`${file} imports ${dep}, not ${folderOf(dep)}${door}`);
      }
    }
  }
  assertEquals(wrong, []);
});

Deno.test("layout: within a folder, files import one another without a cycle", async () => {
  const deps = new Map<string, string[]>();
  for (const file of await PRODUCT()) {
    deps.set(file, importsOf(file, await read(file)).filter((d) => folderOf(d) === folderOf(file)));
  }
  const state = new Map<string, "open" | "done">();
  const visit = (f: string, path: string[]): void => {
    assert(state.get(f) !== "open", `files import in a circle: ${[...path, f].join(" → ")}`);
    if (state.get(f) === "done") return;
    state.set(f, "open");
    for (const d of deps.get(f) ?? []) visit(d, [...path, f]);
    state.set(f, "done");
  };
  for (const f of deps.keys()) visit(f, []);
});

Deno.test("layout: the simulator is for tests and benches only", async () => {
  const wrong: string[] = [];
  for (const file of await PRODUCT()) {
    if (file.startsWith("lib/sim/")) continue;
    const deps = importsOf(file, await read(file));
    for (const dep of deps) if (dep.startsWith("lib/sim/")) wrong.push(`${file} imports ${dep}`);
  }
  assertEquals(wrong, []);
});

Deno.test("layout: only the CLI edge and the Worker entries print; only main.ts exits", async () => {
  const wrong: string[] = [];
  for (const file of await PRODUCT()) {
    const text = (await read(file))
      .replace(/^\s*\*.*$/gm, "") // JSDoc lines, examples included
      .replace(/\/\/.*$/gm, "");
    const edge = file === "main.ts" || file.startsWith("lib/cli/") || file.startsWith("workers/");
    if (!edge && /\bconsole\.|Deno\.std(out|err)\b/.test(text)) wrong.push(`${file} prints`);
    if (file !== "main.ts" && /\bDeno\.exit\b/.test(text)) wrong.push(`${file} exits`);
  }
  assertEquals(wrong, []);
});

Deno.test("layout: no product file (.ts or .js) over 300 lines", async () => {
  const long: string[] = [];
  for (const file of await PRODUCT([".ts", ".js"])) {
    const lines = (await read(file)).split("\n").length;
    if (lines > 300) long.push(`${file}: ${lines} lines`);
  }
  assertEquals(long, []);
});

Deno.test("layout: the Worker entries are thin (their logic lives beside what drives them)", async () => {
  const thick: string[] = [];
  for (const file of await sourceFiles("workers/")) {
    const lines = (await read(file)).split("\n").length;
    if (lines > 60) thick.push(`${file}: ${lines} lines`);
  }
  assertEquals(thick, []);
});

Deno.test("layout: the README's tree lists exactly the folders of the house, in order", async () => {
  const readme = await read("README.md");
  const tree = readme.slice(readme.indexOf("## How it works"));
  const block = tree.slice(
    tree.indexOf("```\nlib/"),
    tree.indexOf("```\n", tree.indexOf("```\nlib/") + 4),
  );
  const listed = block.split("\n").map((l) => l.match(/^(\S+\/)\s{2,}(.*)$/))
    .filter((m) => m !== null && /^(lib|server|workers)\//.test(m[1]!))
    .map((m) => `${m![1]}  ${m![2]}`);
  const expected = Object.entries(FOLDERS).filter(([f]) => f !== "").map(([f, d]) =>
    `${f}  ${d.owns}`
  );
  assertEquals(listed, expected);
});
