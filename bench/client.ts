// deno-lint-ignore-file no-console -- a benchmark: it prints its tables and progress.
/**
 * `bench/client`: the load client's own cost. On one core for the client (`taskset -c 1`) against
 * the same local server on the other core: `tpsdemo run --rate-limit 0 --consumers 32` beside
 * autocannon (npm) and wrk (Debian) where installed, requests/s and client CPU µs per request.
 * Then tpsdemo at 1,000/s: lateness at the moment each request is written; and RSS over 60 s at
 * 10,000/s.
 *
 * @module
 */

import {
  BARE,
  DENO_RUN,
  MAIN,
  measureClient as measureOn,
  parseWrk,
  rssMiB,
  startServer,
  table,
  which,
  writeResult,
} from "./_util.ts";

/** Runs a client command pinned to core 1. */
const measureClient = (cmd: string, args: string[]) => measureOn(cmd, args, "1");

const DENO = Deno.execPath();
const dec = new TextDecoder();
const FLAGS = DENO_RUN;

/** Starts a Deno server pinned to `cpus` (null: not pinned). */
const startDenoServer = (args: string[], cpus: string | null = "0") =>
  startServer(DENO, [...FLAGS, ...args], cpus ?? undefined);

function tpsdemoArgs(url: string, extra: string[]) {
  return [...FLAGS, MAIN, "run", "--url", url, "--work-time", "0", "--json", ...extra];
}

/** Runs the comparison; returns its rows. */
export async function benchClient(seconds = 5, rssSeconds = 60): Promise<Record<string, unknown>> {
  const server = await startDenoServer([BARE, "bare"]);
  const url = `http://127.0.0.1:${server.port}/api/work`;
  const rows: Record<string, unknown>[] = [];
  try {
    // Start-up cost of each client, subtracted from its run.
    const base = await measureClient(DENO, tpsdemoArgs(url, ["--requests", "1", "--rate", "0"]));
    const run = await measureClient(
      DENO,
      tpsdemoArgs(url, ["--rate", "0", "--consumers", "32", "--duration", `${seconds}s`]),
    );
    const s = JSON.parse(run.stdout.trim().split("\n").at(-1)!);
    rows.push({
      client: "tpsdemo run (raw)",
      rps: Math.round(s.requests.sent / s.duration_s),
      cpu_us_per_req: ((run.cpu - base.cpu) * 1e6) / s.requests.sent,
    });
    const fetchRun = await measureClient(
      DENO,
      tpsdemoArgs(url, [
        "--rate",
        "0",
        "--consumers",
        "32",
        "--duration",
        `${seconds}s`,
        "--engine",
        "fetch",
      ]),
    );
    const f = JSON.parse(fetchRun.stdout.trim().split("\n").at(-1)!);
    rows.push({
      client: "tpsdemo run (fetch)",
      rps: Math.round(f.requests.sent / f.duration_s),
      cpu_us_per_req: ((fetchRun.cpu - base.cpu) * 1e6) / f.requests.sent,
    });
    if (which("autocannon")) {
      const b = await measureClient("autocannon", ["-c", "1", "-a", "1", "--json", url]);
      const a = await measureClient("autocannon", [
        "-c",
        "32",
        "-d",
        String(seconds),
        "--json",
        url,
      ]);
      const j = JSON.parse(a.stdout);
      const total = j.requests.total as number;
      rows.push({
        client: "autocannon -c 32",
        rps: Math.round(total / seconds),
        cpu_us_per_req: ((a.cpu - b.cpu) * 1e6) / total,
      });
    }
    if (which("wrk")) {
      const w = await measureClient("wrk", ["-t1", "-c32", `-d${seconds}s`, url]);
      const { rps, requests } = parseWrk(w.stdout);
      rows.push({
        client: "wrk -t1 -c32",
        rps: Math.round(rps),
        cpu_us_per_req: (w.cpu * 1e6) / requests,
      });
    }
  } finally {
    await server.stop();
  }
  console.log(table(rows));

  // Send lateness at 1,000/s against the mock (1 ms latency); neither process pinned.
  const mock = await startDenoServer(
    [MAIN, "serve", "--port", "0", "--latency", "1ms", "--jitter", "0"],
    null,
  );
  let precision: Record<string, unknown> = {};
  try {
    // Warm the target first (its JIT): this measures the client's precision, not a cold server.
    await new Deno.Command(DENO, {
      args: tpsdemoArgs(`http://127.0.0.1:${mock.port}/api/work`, [
        "--rate",
        "1000",
        "--duration",
        "3s",
      ]),
      stdout: "null",
      stderr: "null",
    }).output();
    const out = await new Deno.Command(DENO, {
      args: tpsdemoArgs(`http://127.0.0.1:${mock.port}/api/work`, [
        "--rate",
        "1000",
        "--duration",
        "10s",
      ]),
      stdout: "piped",
      stderr: "null",
    }).output();
    const s = JSON.parse(dec.decode(out.stdout).trim().split("\n").at(-1)!);
    precision = {
      rate: 1000,
      achieved: s.achieved_rate,
      pacer_lateness_us: s.pacer_lateness_us,
      send_lateness_us: s.send_lateness_us,
    };
    console.log(
      `\nat 1,000/s for 20 s (16 consumers): achieved ${s.achieved_rate}/s; pacer lateness p50/p99/max ` +
        `${s.pacer_lateness_us.p50}/${s.pacer_lateness_us.p99}/${s.pacer_lateness_us.max} µs; ` +
        `written − scheduled p50/p99/max ${s.send_lateness_us.p50}/${s.send_lateness_us.p99}/` +
        `${s.send_lateness_us.max} µs`,
    );
  } finally {
    await mock.stop();
  }

  // RSS at 10,000/s.
  const rss: { t: number; rss_mib: number }[] = [];
  if (rssSeconds > 0) {
    const target = await startDenoServer([BARE, "bare"]);
    try {
      const child = new Deno.Command(DENO, {
        args: tpsdemoArgs(`http://127.0.0.1:${target.port}/api/work`, [
          "--rate",
          "10000",
          "--consumers",
          "32",
          "--duration",
          `${rssSeconds}s`,
        ]),
        stdout: "piped",
        stderr: "null",
      }).spawn();
      const step = Math.max(1, Math.floor(rssSeconds / 6));
      const sampler = setInterval(() => {
        try {
          rss.push({
            t: rss.length * step + step,
            rss_mib: Math.round(rssMiB(child.pid) * 10) / 10,
          });
        } catch { /* exited */ }
      }, step * 1000);
      const out = await child.output();
      clearInterval(sampler);
      const s = JSON.parse(dec.decode(out.stdout).trim().split("\n").at(-1)!);
      console.log(
        `\nRSS at 10,000/s (achieved ${s.achieved_rate}/s): ` +
          rss.map((r) => `${r.t}s ${r.rss_mib} MiB`).join(", "),
      );
    } finally {
      await target.stop();
    }
  }
  const result = { seconds, rows, precision, rss };
  writeResult("client", result);
  return result;
}

if (import.meta.main) {
  await benchClient(Number(Deno.args[0] ?? 5), Number(Deno.args[1] ?? 60));
}
