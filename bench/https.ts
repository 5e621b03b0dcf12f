// deno-lint-ignore-file no-console -- a benchmark: it prints its tables and progress.
/**
 * `bench/https`: what HTTPS costs the client. nginx serves TLS on one core (a CA and certificate
 * made with openssl), the client runs on the other (`taskset -c 0`). Closed loop, 16 connections,
 * CPU µs per request: tpsdemo's built-in client, tpsdemo `--engine fetch`, and autocannon where
 * installed. Then keep-alive off (a TLS handshake per request): tpsdemo `--no-keepalive` and
 * `hey -disable-keepalive` where installed, requests/s and CPU per request.
 *
 * @module
 */

import { DENO_RUN, MAIN, measureClient, table, which, writeResult } from "./_util.ts";
import { makePki, startTlsNginx } from "../tests/_tls.ts";

const CLIENT_CPU = "0";

interface Row extends Record<string, unknown> {
  client: string;
  keepalive: boolean;
  requests: number;
  rps: number;
  cpu_s: number;
  cpu_us_per_req: number;
}

const row = (client: string, keepalive: boolean, requests: number, secs: number, cpu: number) => ({
  client,
  keepalive,
  requests,
  rps: Math.round(requests / secs),
  cpu_s: cpu,
  cpu_us_per_req: Math.round((cpu * 1e6) / Math.max(1, requests) * 100) / 100,
});

async function tpsdemo(url: string, ca: string, seconds: number, extra: string[]): Promise<Row> {
  const r = await measureClient(Deno.execPath(), [
    ...DENO_RUN,
    MAIN,
    "run",
    "--url",
    url,
    "--cacert",
    ca,
    "--rate",
    "0",
    "--consumers",
    "16",
    "--work-time",
    "0",
    "--duration",
    `${seconds}s`,
    "--json",
    ...extra,
  ], CLIENT_CPU);
  const s = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
  const name = extra.includes("fetch") ? "tpsdemo --engine fetch" : "tpsdemo (built-in)";
  return row(name, !extra.includes("--no-keepalive"), s.requests.ok, s.duration_s, r.cpu);
}

/** Runs the benchmark; returns its rows. */
export async function benchHttps(seconds = 8): Promise<Row[]> {
  const pki = await makePki(["127.0.0.1"]);
  const ng = await startTlsNginx(pki, { cpus: "1" });
  const url = `https://127.0.0.1:${ng.port}/`;
  const rows: Row[] = [];
  try {
    rows.push(await tpsdemo(url, pki.ca, seconds, []));
    rows.push(await tpsdemo(url, pki.ca, seconds, ["--engine", "fetch"]));
    if (which("autocannon")) {
      const r = await measureClient(
        "autocannon",
        ["-c", "16", "-d", String(seconds), "-j", url],
        CLIENT_CPU,
        {
          NODE_EXTRA_CA_CERTS: pki.ca,
        },
      );
      const s = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
      rows.push(row("autocannon", true, s.requests.total, s.duration, r.cpu));
    }
    rows.push(await tpsdemo(url, pki.ca, seconds, ["--no-keepalive"]));
    if (which("hey")) {
      // hey does not verify certificates; -disable-keepalive: a handshake per request.
      const r = await measureClient("hey", [
        "-z",
        `${seconds}s`,
        "-c",
        "16",
        "-disable-keepalive",
        url,
      ], CLIENT_CPU);
      const n = [...r.stdout.matchAll(/\[200\]\s+(\d+) responses/g)].reduce(
        (a, m) => a + Number(m[1]),
        0,
      );
      rows.push(row("hey -disable-keepalive", false, n, seconds, r.cpu));
    }
  } finally {
    await ng.stop();
    await Deno.remove(pki.dir, { recursive: true });
  }
  console.log(
    `nginx TLS on core 1, the client on core 0, closed loop, 16 connections, ${seconds} s`,
  );
  console.log(table(rows));
  const missing = ["autocannon", "hey"].filter((c) => !which(c));
  if (missing.length) console.log(`not installed, skipped: ${missing.join(", ")}`);
  writeResult("https", { seconds, rows });
  return rows;
}
