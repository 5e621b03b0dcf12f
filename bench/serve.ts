// deno-lint-ignore-file no-console -- a benchmark: it prints its tables and progress.
/**
 * `bench/serve`: the mock's `/api/work` (latency 0, no faults) against a bare `Deno.serve`
 * handler, with wrk as the load (servers on core 0, wrk on core 1).
 *
 * Two parts:
 * - **Cost vs bare, paired.** Each candidate runs *at the same time* as the bare handler, both on
 *   core 0, each loaded by its own wrk. Both see the same machine state, so the ratio of their CPU
 *   µs per request holds within a few percent where back-to-back runs on this VM differ by 30%.
 *   Rounds where the bare server ran more than 15% slower than its best round are "noisy" (other
 *   tenants on the host): those inflate the mock more than the bare handler (a larger working set
 *   suffers more from a contended cache), so the report gives the quiet rounds' median beside the
 *   median of all rounds.
 * - **Throughput, solo.** Each server alone on core 0, interleaved rounds: requests/s and CPU µs
 *   per request, with FastAPI + Uvicorn (`fixtures/fastapi_app.py`) when Python has it.
 *
 * @module
 */

import {
  BARE,
  cpuSeconds,
  DENO_RUN,
  MAIN,
  parseWrk,
  spawn,
  type StartedServer,
  startServer,
  table,
  which,
  writeResult,
} from "./_util.ts";

const DENO = Deno.execPath();
const PYTHON = "/usr/bin/python3";
const FASTAPI = new URL("./fixtures/fastapi_app.py", import.meta.url).pathname;
const QUIET = 1.15;

interface Server {
  name: string;
  start(): { cmd: string; args: string[] };
}

const deno = (name: string, args: string[]): Server => ({
  name,
  start: () => ({ cmd: DENO, args: [...DENO_RUN, ...args] }),
});
const BARE_SERVER = deno("bare Deno.serve", [BARE, "bare"]);
const CANDIDATES = [
  deno("bare, reading req.url", [BARE, "url"]),
  deno("bare + 2 timing headers", [BARE, "headers"]),
  deno("minimal spec handler", [BARE, "minimal"]),
  deno("bare Hono", [BARE, "hono"]),
  deno("tpsdemo serve", [MAIN, "serve", "--port", "0", "--latency", "0", "--jitter", "0"]),
];
const FASTAPI_SERVER: Server = {
  name: "FastAPI + Uvicorn",
  start: () => ({
    cmd: PYTHON,
    args: [FASTAPI, String(20000 + Math.floor(Math.random() * 20000))],
  }),
};

/** Whether the FastAPI baseline can run here. */
async function hasFastApi(): Promise<boolean> {
  if (!which("python3")) return false;
  try {
    const out = await new Deno.Command(PYTHON, {
      args: ["-c", "import fastapi, uvicorn, uvloop, httptools"],
      stdout: "null",
      stderr: "null",
    }).output();
    return out.success;
  } catch {
    return false;
  }
}

interface Running extends StartedServer {
  url: string;
}

async function launch(s: Server): Promise<Running> {
  const { cmd, args } = s.start();
  const server = await startServer(cmd, args, "0");
  const url = `http://127.0.0.1:${server.port}/api/work`;
  // Uvicorn announces itself just before it binds: wait until the route answers.
  for (let i = 0;; i++) {
    try {
      await (await fetch(url)).body?.cancel();
      break;
    } catch (err) {
      if (i === 100) {
        await server.stop();
        throw err;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return { ...server, url };
}

const wrk = (url: string, connections: number, seconds: number) =>
  spawn("wrk", ["-t1", `-c${connections}`, `-d${seconds}s`, url], { cpus: "1" }).output();

/** Loads each server with its own wrk at once; CPU µs per request and requests/s of each. */
async function load(servers: Running[], seconds: number) {
  // Warm up the JIT first.
  await Promise.all(servers.map((s) => wrk(s.url, 32, 2)));
  const cpu0 = servers.map((s) => cpuSeconds(s.child.pid));
  const outs = await Promise.all(servers.map((s) => wrk(s.url, 64, seconds)));
  const cpu1 = servers.map((s) => cpuSeconds(s.child.pid));
  return outs.map((o, i) => {
    const { rps, requests } = parseWrk(new TextDecoder().decode(o.stdout));
    return {
      rps,
      cpuUs: ((cpu1[i]! - cpu0[i]!) * 1e6) / requests,
      cpuPct: (cpu1[i]! - cpu0[i]!) / seconds,
    };
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor(s.length / 2)];
};
const round2 = (x: number) => Math.round(x * 100) / 100;

/** Part 1: each candidate paired with the bare handler. */
async function paired(seconds: number, rounds: number) {
  const runs: { server: string; round: number; bare_us: number; us: number; ratio: number }[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const c of CANDIDATES) {
      const [a, b] = [await launch(BARE_SERVER), await launch(c)];
      try {
        const [ra, rb] = await load([a, b], seconds);
        runs.push({
          server: c.name,
          round: r,
          bare_us: ra!.cpuUs,
          us: rb!.cpuUs,
          ratio: rb!.cpuUs / ra!.cpuUs,
        });
      } finally {
        await a.stop();
        await b.stop();
      }
    }
  }
  const best = Math.min(...runs.map((x) => x.bare_us));
  const rows = CANDIDATES.map((c) => {
    const mine = runs.filter((x) => x.server === c.name);
    const quiet = mine.filter((x) => x.bare_us <= best * QUIET);
    const ratios = mine.map((x) => x.ratio);
    return {
      server: c.name,
      vs_bare_quiet: round2(median(quiet.map((x) => x.ratio))!),
      quiet_rounds: `${quiet.length}/${mine.length}`,
      vs_bare_all: round2(median(ratios)!),
      min: round2(Math.min(...ratios)),
      max: round2(Math.max(...ratios)),
      cpu_us: round2(median(mine.map((x) => x.us))!),
      bare_cpu_us: round2(median(mine.map((x) => x.bare_us))!),
    };
  });
  return { rows, runs };
}

/** Part 2: each server alone, interleaved rounds. */
async function solo(seconds: number, rounds: number, servers: Server[]) {
  const runs: { server: string; round: number; rps: number; cpu_us: number; cpu_pct: number }[] =
    [];
  for (let r = 0; r < rounds; r++) {
    for (const s of servers) {
      const running = await launch(s);
      try {
        const m = (await load([running], seconds))[0]!;
        runs.push({ server: s.name, round: r, rps: m.rps, cpu_us: m.cpuUs, cpu_pct: m.cpuPct });
      } finally {
        await running.stop();
      }
    }
  }
  const rows = servers.map((s) => {
    const mine = runs.filter((x) => x.server === s.name);
    return {
      server: s.name,
      rps: Math.round(median(mine.map((x) => x.rps))!),
      rps_min: Math.round(Math.min(...mine.map((x) => x.rps))),
      rps_max: Math.round(Math.max(...mine.map((x) => x.rps))),
      cpu_us: round2(median(mine.map((x) => x.cpu_us))!),
      cpu_pct: Math.round(median(mine.map((x) => x.cpu_pct))! * 100),
    };
  });
  // The multiple over FastAPI, round by round (servers of one round ran minutes apart at most).
  const perRound = (name: string) =>
    Array.from({ length: rounds }, (_, r) => {
      const get = (n: string) => runs.find((x) => x.server === n && x.round === r)?.rps ?? NaN;
      return get(name) / get(FASTAPI_SERVER.name);
    });
  return { rows, runs, perRound };
}

/** Runs the benchmark; returns its rows. */
export async function benchServe(seconds = 4, rounds = 5): Promise<Record<string, unknown>[]> {
  if (!which("wrk")) {
    console.log("bench/serve: wrk is not installed (apt-get install wrk); skipped");
    return [];
  }
  const withFastApi = await hasFastApi();
  if (!withFastApi) {
    console.log(
      "bench/serve: FastAPI not found for /usr/bin/python3 (apt-get install python3-fastapi " +
        "python3-uvicorn python3-uvloop python3-httptools); its rows are skipped",
    );
  }
  console.log(`cost vs bare, paired on core 0 (${rounds} rounds of ${seconds} s):`);
  const p = await paired(seconds, rounds);
  console.log(table(p.rows));
  const soloServers = [
    BARE_SERVER,
    CANDIDATES[CANDIDATES.length - 1]!,
    ...(withFastApi ? [FASTAPI_SERVER] : []),
  ];
  const soloRounds = Math.max(1, Math.ceil(rounds / 2));
  console.log(`\nthroughput, each alone on core 0 (${soloRounds} rounds of ${seconds} s):`);
  const s = await solo(seconds, soloRounds, soloServers);
  const multiples = withFastApi
    ? {
      tpsdemo_vs_fastapi: s.perRound("tpsdemo serve").map(round2),
      bare_vs_fastapi: s.perRound(BARE_SERVER.name).map(round2),
    }
    : undefined;
  console.log(table(s.rows));
  if (multiples) {
    console.log(
      `requests/s over FastAPI, per round: tpsdemo ${
        multiples.tpsdemo_vs_fastapi.join(", ")
      }; bare Deno.serve ${multiples.bare_vs_fastapi.join(", ")}`,
    );
  }
  writeResult("serve", {
    seconds,
    rounds,
    quiet_rule: `bare µs/request within ${QUIET}× of its best round`,
    paired: p.rows,
    paired_runs: p.runs,
    solo: s.rows,
    solo_runs: s.runs,
    multiples,
  });
  return p.rows;
}

if (import.meta.main) await benchServe(Number(Deno.args[0] ?? 4), Number(Deno.args[1] ?? 5));
