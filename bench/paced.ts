// deno-lint-ignore-file no-console -- a benchmark: it prints its tables and progress.
/**
 * `bench/paced`: what pacing costs. Each client paces a fixed rate for 8 s pinned to one core
 * (`taskset -c 0`) against nginx (Debian's, one worker on the other core; `Deno.serve` when nginx
 * is absent): tpsdemo (each `--precision` mode), autocannon `--overallRate` (npm) and hey `-q`
 * (Debian) where installed. Per rate: CPU seconds, achieved rate, and tpsdemo's send lateness
 * (written − scheduled) p50/p99/max.
 *
 * @module
 */

import {
  BARE,
  type CpuSample,
  DENO_RUN,
  measureClient,
  measureRun,
  startServer,
  steadyPct,
  table,
  which,
  writeResult,
} from "./_util.ts";

const CLIENT_CPU = "0";
const SERVER_CPU = "1";

/**
 * Starts nginx (or the bare Deno server) on the server core (`cpus`; "" for none); returns its
 * URL and a stop.
 */
export async function startTarget(
  cpus = SERVER_CPU,
): Promise<{ url: string; name: string; stop(): Promise<void> }> {
  const nginx = which("nginx") ??
    (Deno.statSync("/usr/sbin/nginx").isFile ? "/usr/sbin/nginx" : "");
  if (nginx) {
    const dir = Deno.makeTempDirSync({ prefix: "tpsdemo-nginx-" });
    const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = probe.addr.port;
    probe.close();
    Deno.writeTextFileSync(
      `${dir}/nginx.conf`,
      `worker_processes 1; daemon off; pid ${dir}/nginx.pid; error_log ${dir}/error.log;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000;
  client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir};
  uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
  server { listen 127.0.0.1:${port}; location / { return 200 "ok"; } } }
`,
    );
    const child = new Deno.Command(cpus ? "taskset" : nginx, {
      args: [...(cpus ? ["-c", cpus, nginx] : []), "-c", `${dir}/nginx.conf`, "-p", dir],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    // Ready when it accepts a connection.
    for (let i = 0; i < 100; i++) {
      try {
        (await Deno.connect({ hostname: "127.0.0.1", port })).close();
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    return {
      url: `http://127.0.0.1:${port}/`,
      name: "nginx",
      async stop() {
        child.kill("SIGTERM");
        await child.status;
        Deno.removeSync(dir, { recursive: true });
      },
    };
  }
  const server = await startServer(Deno.execPath(), [...DENO_RUN, BARE, "bare"], cpus || undefined);
  return { url: `http://127.0.0.1:${server.port}/`, name: "Deno.serve", stop: server.stop };
}

interface Row extends Record<string, unknown> {
  client: string;
  rate: number;
  cpu_s: number;
  /** Share of a core from 2 s after the spawn to 0.5 s before the planned end (no start-up). */
  steady_pct: number;
  achieved: number;
  lateness_p50_us?: number;
  lateness_p99_us?: number;
  lateness_max_us?: number;
}

async function tpsdemo(
  url: string,
  rate: number,
  seconds: number,
  precision: string,
): Promise<Row> {
  const r = await measureRun(url, [
    "--rate",
    String(rate),
    "--duration",
    `${seconds}s`,
    "--consumers",
    "32",
    "--precision",
    precision,
    "--json",
  ], CLIENT_CPU);
  const s = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
  return {
    client: `tpsdemo ${precision}`,
    rate,
    cpu_s: r.cpu,
    steady_pct: steady(r.samples, seconds),
    achieved: s.requests.sent / s.duration_s,
    lateness_p50_us: s.send_lateness_us.p50,
    lateness_p99_us: s.send_lateness_us.p99,
    lateness_max_us: s.send_lateness_us.max,
  };
}

async function autocannon(url: string, rate: number, seconds: number): Promise<Row> {
  const r = await measureClient("autocannon", [
    "-c",
    "32",
    "--overallRate",
    String(rate),
    "-d",
    String(seconds),
    "--json",
    url,
  ], CLIENT_CPU);
  const s = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
  return {
    client: "autocannon",
    rate,
    cpu_s: r.cpu,
    steady_pct: steady(r.samples, seconds),
    achieved: s.requests.total / s.duration,
  };
}

async function hey(url: string, rate: number, seconds: number): Promise<Row> {
  // hey's -q is per worker: 32 workers at rate/32 each.
  const r = await measureClient("hey", [
    "-z",
    `${seconds}s`,
    "-c",
    "32",
    "-q",
    String(rate / 32),
    url,
  ], CLIENT_CPU);
  const total = Number(/Total:\s+([\d.]+) secs/.exec(r.stdout)?.[1] ?? NaN);
  const codes = [...r.stdout.matchAll(/\[\d+\]\s+(\d+) responses/g)].reduce(
    (n, m) => n + Number(m[1]),
    0,
  );
  return {
    client: "hey",
    rate,
    cpu_s: r.cpu,
    steady_pct: steady(r.samples, seconds),
    achieved: codes / total,
  };
}

/**
 * The steady state's share of a core: every client starts within 1 s of its spawn, so the window
 * from 2 s to 0.5 s before the planned end holds load only (start-up and exit left out).
 */
function steady(samples: CpuSample[], seconds: number): number {
  return Math.round(10 * steadyPct(samples, 2, seconds - 0.5)) / 10;
}

/** Runs the benchmark; returns its rows. */
export async function benchPaced(
  seconds = 8,
  rates = [1000, 5000, 10_000, 30_000, 50_000],
  modes = ["auto", "strict", "coarse"],
): Promise<Row[]> {
  const target = await startTarget();
  const rows: Row[] = [];
  try {
    for (const rate of rates) {
      for (const mode of modes) rows.push(await tpsdemo(target.url, rate, seconds, mode));
      if (which("autocannon")) rows.push(await autocannon(target.url, rate, seconds));
      if (which("hey")) rows.push(await hey(target.url, rate, seconds));
    }
  } finally {
    await target.stop();
  }
  console.log(`target: ${target.name}; each client on one core for ${seconds} s`);
  console.log(table(rows));
  const missing = ["autocannon", "hey"].filter((c) => !which(c));
  if (missing.length) console.log(`not installed, skipped: ${missing.join(", ")}`);
  writeResult("paced", { seconds, target: target.name, rows });
  return rows;
}

if (import.meta.main) {
  const rates = Deno.args[1] ? Deno.args[1].split(",").map(Number) : undefined;
  const modes = Deno.args[2] ? Deno.args[2].split(",") : undefined;
  await benchPaced(Number(Deno.args[0] ?? 8), rates, modes);
}
