// deno-lint-ignore-file no-console -- an example: it prints its progress and its answer.
/**
 * Seed 5, FastAPI performance: source 5's app (`fastapi_app.py`: `/slow` does 20 ms of CPU work
 * every time, `/cached` the same behind a TTL cache) under Uvicorn with 1, 2 and 4 workers, and
 * `tpsdemo capacity` at one objective for each: what the cache and the workers are worth here.
 * `--html FILE` keeps the searches overlaid on one page (`tpsdemo report … --html`).
 *
 * Run: `deno run -A examples/seeds/5_fastapi.ts [--quick] [--html FILE] [--keep DIR]` (`deno task seed:5`).
 * Needs Debian's python3-fastapi and python3-uvicorn.
 *
 * @module
 */

import {
  fmt,
  freePort,
  getJson,
  type Json,
  keepResults,
  need,
  printTable,
  QUICK,
  ROOT,
  shell,
  withProcesses,
} from "./_seed.ts";

const SLO = "p95<100ms";
const html = Deno.args.includes("--html") ? Deno.args[Deno.args.indexOf("--html") + 1] : undefined;
/** Each search: the endpoint, the Uvicorn workers, the first rate tried. */
const RUNS: [string, number, number][] = QUICK
  ? [["/slow", 1, 20], ["/slow", 2, 20], ["/cached", 1, 200]]
  : [["/slow", 1, 20], ["/slow", 2, 20], ["/slow", 4, 20], ["/cached", 1, 200], [
    "/cached",
    2,
    200,
  ], ["/cached", 4, 200]];
const STEPS = QUICK
  ? ["--warm", "300ms", "--step", "1s", "--resolution", "25"]
  : ["--warm", "1s", "--step", "3s", "--resolution", "10"];

await withProcesses(async (procs) => {
  const python = need("python3", "/usr/bin/python3");
  for (const mod of ["fastapi", "uvicorn"]) {
    const ok = await procs.run(mod, python, ["-c", `import ${mod}`]);
    if (ok.code !== 0) throw new Error(`needs Debian's python3-${mod}: run tests/needs.sh`);
  }
  // 20 ms of hashing, measured once (the most of three tries: this VM's cores are shared) and
  // given to every worker, so every setting does the same work.
  let rounds = 0;
  for (let i = 0; i < 3; i++) {
    const r = await procs.run("calibrate", python, [
      `${ROOT}examples/seeds/fastapi_app.py`,
      "--rounds",
    ]);
    rounds = Math.max(rounds, Number(r.stdout.trim()));
  }
  const dir = await procs.tempDir("tpsdemo-seed-5-");
  const results: { path: string; workers: number; cap: Json; hit?: number; file: string }[] = [];
  for (const [path, workers, start] of RUNS) {
    const port = freePort();
    const uv = procs.start(`uvicorn x${workers}`, python, [
      ...["-m", "uvicorn", "fastapi_app:app", "--app-dir", `${ROOT}examples/seeds`],
      ...["--workers", String(workers), "--port", String(port), "--no-access-log"],
    ], { SLOW_ROUNDS: String(rounds) });
    await uv.waitFor(/Application startup complete/, 30_000, workers);
    const url = `http://127.0.0.1:${port}${path}${path === "/cached" ? "?key={{rand:1:10}}" : ""}`;
    const file = `${dir}/${path.slice(1)}-${workers}w.ndjson`;
    // 16 connections from the start, so the kernel spreads them over every worker.
    const args = [
      ...["capacity", "--url", url, "--slo", SLO, "--start", String(start), ...STEPS],
      ...["--consumers", "16"],
    ];
    console.error(`seed 5: ${workers} worker(s): tpsdemo ${shell(args)}`);
    const { lines } = await procs.tpsdemo([...args, "--json", "--out", file]);
    const cap = lines.find((l) => l.type === "capacity");
    const hit = path === "/cached"
      ? (await getJson(`http://127.0.0.1:${port}/stats`)).hit_ratio
      : undefined;
    results.push({ path, workers, cap, hit, file });
    await procs.stop(uv);
  }
  await keepResults(results.map((r) => r.file));
  if (html) {
    await procs.tpsdemo(["report", ...results.map((r) => r.file), "--html", html]);
    console.error(`seed 5: the searches overlaid: ${html}`);
  }
  const find = (p: string, w: number) => results.find((r) => r.path === p && r.workers === w);
  const slow1 = find("/slow", 1)?.cap.max_rate ?? NaN;
  const cores = navigator.hardwareConcurrency;
  const rows = results.map((r) => {
    const at = r.cap.steps.filter((s: Json) => s.pass && s.rate === r.cap.max_rate).at(-1);
    const source = r.path === "/slow"
      ? `1 worker ~ 1/20 ms = 50/s; x${r.workers} up to the cores`
      : "a cache hit skips the work";
    return [
      r.path,
      String(r.workers),
      source,
      r.cap.max_rate === null ? "none" : `${fmt(r.cap.max_rate, 0)}/s`,
      `${fmt(r.cap.saturation_goodput, 0)}/s`,
      at ? `${fmt(at.p50_ms)} / ${fmt(at.p99_ms)}` : "-",
      `${fmt(r.cap.max_rate / slow1)}x`,
      r.hit === undefined ? "-" : `${fmt(100 * r.hit, 0)}%`,
      r.cap.client_limited ? "yes" : "no",
    ];
  });
  console.log(
    `\nFastAPI + Uvicorn on ${cores} cores (the client on the same cores), ` +
      `tpsdemo capacity --slo '${SLO}' ${STEPS.join(" ")} --consumers 16:\n`,
  );
  printTable([
    "endpoint",
    "workers",
    "source expects",
    `capacity (${SLO})`,
    "most delivered",
    "p50 / p99 ms there",
    "vs /slow x1",
    "cache hits",
    "client a limit",
  ], rows);
  const max = (p: string, w: number) => find(p, w)?.cap.max_rate ?? NaN;
  const said: string[] = [];
  const r21 = max("/slow", 2) / max("/slow", 1), r42 = max("/slow", 4) / max("/slow", 2);
  if (Number.isFinite(r21)) {
    said.push(
      `/slow with 2 workers: ${fmt(r21)}x one (` +
        (r21 >= 1.3
          ? "a second worker uses the second core)"
          : "no gain here: Uvicorn shares the cores with the client)"),
    );
  }
  if (Number.isFinite(r42)) {
    said.push(
      `with 4: ${fmt(r42)}x two (` +
        (r42 <= 1.15
          ? `past the ${cores} cores, more workers add nothing)`
          : "more workers still helped)"),
    );
  }
  const c1 = max("/cached", 1) / slow1;
  if (Number.isFinite(c1)) {
    said.push(
      `/cached on one worker: ${fmt(c1)}x /slow on one (` +
        (c1 >= 2 ? "the cache is worth more than any worker count" : "the cache did not pay") + ")",
    );
  }
  console.log(
    `\nThe source's rule, 2 x cores + 1 workers, gives ${2 * cores + 1} here. ` +
      `Measured: ${said.join("; ")}.`,
  );
  if (results.some((r) => r.cap.client_limited)) {
    console.log(
      "Where 'client a limit' is yes, tpsdemo says its own sends were late there " +
        "(it shares the cores with Uvicorn): the figure is a lower bound.",
    );
  }
});
