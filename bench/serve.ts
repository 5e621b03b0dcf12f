/**
 * `bench/serve`: the mock's `/api/work` (latency 0, no faults) against a bare `Deno.serve`
 * handler and a bare Hono app, each server pinned to core 0 and loaded by wrk on core 1:
 * requests/s and server CPU µs per request.
 *
 * @module
 */

import {
  BARE,
  cpuSeconds,
  DENO_RUN,
  MAIN,
  parseWrk,
  readUntil,
  spawn,
  table,
  which,
  writeResult,
} from "./_util.ts";

const DENO = Deno.execPath();
const FLAGS = DENO_RUN;

/** One server under wrk load. */
async function measure(name: string, args: string[], seconds: number) {
  const server = spawn(DENO, [...FLAGS, ...args], { cpus: "0" });
  const { match, reader } = await readUntil(server.stdout, /127\.0\.0\.1:(\d+)/);
  const url = `http://127.0.0.1:${match[1]}/api/work`;
  // Warm up the JIT, then measure.
  await spawn("wrk", ["-t1", "-c32", "-d2s", url], { cpus: "1" }).output();
  const cpu0 = cpuSeconds(server.pid);
  const out = await spawn("wrk", ["-t1", "-c64", `-d${seconds}s`, url], { cpus: "1" }).output();
  const cpu1 = cpuSeconds(server.pid);
  server.kill("SIGTERM");
  await server.status;
  await reader.cancel();
  const { rps, requests } = parseWrk(new TextDecoder().decode(out.stdout));
  return {
    server: name,
    rps: Math.round(rps),
    cpu_us_per_req: Math.round(((cpu1 - cpu0) * 1e6 / requests) * 10) / 10,
    cpu_pct: Math.round(((cpu1 - cpu0) / seconds) * 100),
  };
}

/** Runs the benchmark; returns its rows. */
export async function benchServe(seconds = 5, rounds = 3): Promise<Record<string, unknown>[]> {
  if (!which("wrk")) {
    console.log("bench/serve: wrk is not installed (apt-get install wrk); skipped");
    return [];
  }
  const servers: [string, string[]][] = [
    ["bare Deno.serve", [BARE, "bare"]],
    ["bare + 2 timing headers", [BARE, "headers"]],
    ["bare Hono", [BARE, "hono"]],
    ["tpsdemo serve", [MAIN, "serve", "--port", "0", "--latency", "0", "--jitter", "0"]],
  ];
  // Rounds interleave the servers so drift in the machine's speed hits all alike; the median
  // round of each is reported.
  const runs = new Map<string, Awaited<ReturnType<typeof measure>>[]>();
  for (let r = 0; r < rounds; r++) {
    for (const [name, args] of servers) {
      const m = await measure(name, args, seconds);
      runs.set(name, [...(runs.get(name) ?? []), m]);
    }
  }
  const rows = servers.map(([name]) => {
    const all = runs.get(name)!.sort((a, b) => a.cpu_us_per_req - b.cpu_us_per_req);
    return all[Math.floor(all.length / 2)];
  });
  const bare = rows[0].cpu_us_per_req;
  const out = rows.map((r) => ({ ...r, cpu_vs_bare: r.cpu_us_per_req / bare }));
  console.log(table(out));
  writeResult("serve", { seconds, rounds, rows: out, runs: Object.fromEntries(runs) });
  return out;
}

if (import.meta.main) await benchServe(Number(Deno.args[0] ?? 5));
