/**
 * Benchmark helpers: process CPU time and RSS from /proc, spawning with `taskset`, tables, and
 * writing results as JSON under `bench/results/`.
 *
 * @module
 */

const CLK_TCK = 100;

/** `deno run` with the permissions and flags of the `tpsdemo` task (and the compiled binary). */
export const DENO_RUN = [
  "run",
  "--allow-net",
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-sys",
  "--unstable-net",
  // As `deno task tpsdemo` and the compiled binary run (deno.json).
  "--v8-flags=--max-semi-space-size=4",
];
/** The program, and the bare-server fixture the benchmarks measure against. */
export const MAIN = new URL("../main.ts", import.meta.url).pathname;
export const BARE = new URL("./fixtures/bare_server.ts", import.meta.url).pathname;

/** CPU seconds (user + system) that process `pid` has used, from /proc. */
export function cpuSeconds(pid: number): number {
  if (Deno.build.os !== "linux") {
    throw new Error("the benchmarks read /proc and pin cores with taskset: they need Linux");
  }
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** Resident set size of `pid` in MiB. */
export function rssMiB(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Whether `cmd` is on the PATH. */
export function which(cmd: string): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      const p = `${dir}/${cmd}`;
      if (Deno.statSync(p).isFile) return p;
    } catch { /* not here */ }
  }
  return undefined;
}

/** Spawns `cmd args`, pinned to `cpus` with taskset when available. */
export function spawn(
  cmd: string,
  args: string[],
  options: {
    cpus?: string;
    stdout?: "piped" | "null";
    stderr?: "piped" | "null";
    env?: Record<string, string>;
  } = {},
): Deno.ChildProcess {
  const pinned = options.cpus && which("taskset");
  return new Deno.Command(pinned ? "taskset" : cmd, {
    args: pinned ? ["-c", options.cpus!, cmd, ...args] : args,
    ...(options.env ? { env: options.env } : {}),
    stdin: "null",
    stdout: options.stdout ?? "piped",
    stderr: options.stderr ?? "null",
  }).spawn();
}

/** A client's CPU seconds at a time, s since it was spawned. */
export interface CpuSample {
  t: number;
  cpu: number;
}

/**
 * Runs a client command pinned to `cpus` to its end; its CPU seconds are sampled from /proc
 * every 20 ms until it exits (the last sample before the exit is the total).
 */
export async function measureClient(
  cmd: string,
  args: string[],
  cpus: string,
  env?: Record<string, string>,
): Promise<
  { cpu: number; samples: CpuSample[]; stdout: string; stderr: string; code: number }
> {
  const spawned = performance.now();
  const child = spawn(cmd, args, { cpus, stderr: "piped", ...(env ? { env } : {}) });
  let cpu = 0;
  const samples: CpuSample[] = [];
  const sampler = setInterval(() => {
    try {
      cpu = cpuSeconds(child.pid);
      samples.push({ t: (performance.now() - spawned) / 1000, cpu });
    } catch { /* exited */ }
  }, 20);
  const out = await child.output();
  clearInterval(sampler);
  const dec = new TextDecoder();
  return {
    cpu,
    samples,
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr),
    code: out.code,
  };
}

/**
 * The share of a core a client used between `from` and `to` s after its spawn (its steady
 * state: past its start-up, before its end), in percent; NaN without samples there.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const s = [{ t: 1, cpu: 0.5 }, { t: 2, cpu: 0.6 }, { t: 4, cpu: 0.8 }, { t: 5, cpu: 1.2 }];
 * assert.equal(steadyPct(s, 2, 4).toFixed(1), "10.0");
 * ```
 */
export function steadyPct(samples: CpuSample[], from: number, to: number): number {
  const inside = samples.filter((x) => x.t >= from && x.t <= to);
  const a = inside[0], b = inside.at(-1);
  if (!a || !b || b.t <= a.t) return NaN;
  return (100 * (b.cpu - a.cpu)) / (b.t - a.t);
}

/**
 * `tpsdemo run --url URL --work-time 0 ARGS…` as a client measured by
 * {@linkcode measureClient}, pinned to `cpus`.
 */
export function measureRun(
  url: string,
  args: string[],
  cpus: string,
): ReturnType<typeof measureClient> {
  return measureClient(Deno.execPath(), [
    ...DENO_RUN,
    MAIN,
    "run",
    "--url",
    url,
    "--work-time",
    "0",
    ...args,
  ], cpus);
}

/** Reads a child's stdout until a line matches. */
export async function readUntil(
  stream: ReadableStream<Uint8Array>,
  re: RegExp,
): Promise<{ match: RegExpExecArray; reader: ReadableStreamDefaultReader<string> }> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended before ${re}: ${buf}`);
    buf += value;
    const m = re.exec(buf);
    if (m) return { match: m, reader };
  }
}

/** A server started by {@linkcode startServer}. */
export interface StartedServer {
  child: Deno.ChildProcess;
  /** The port from its listening line. */
  port: number;
  /** SIGTERM, then waits for it to exit. */
  stop(): Promise<void>;
}

/** Starts `cmd args` pinned to `cpus`; resolves once it prints its `127.0.0.1:PORT` line. */
export async function startServer(
  cmd: string,
  args: string[],
  cpus?: string,
): Promise<StartedServer> {
  const child = spawn(cmd, args, { cpus });
  const { match, reader } = await readUntil(child.stdout, /127\.0\.0\.1:(\d+)/);
  return {
    child,
    port: Number(match[1]),
    async stop() {
      child.kill("SIGTERM");
      await child.status;
      await reader.cancel().catch(() => {});
    },
  };
}

/** Renders rows as an aligned text table. */
export function table(rows: Record<string, unknown>[]): string {
  if (rows.length === 0) return "(no rows)";
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown) =>
    typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : String(v ?? "");
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padStart(widths[i]!)).join("  ");
  return [
    line(cols),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map((r) => line(cols.map((c) => cell(r[c])))),
  ].join("\n");
}

/** Writes `data` to `bench/results/<name>.json` and returns the path. */
export function writeResult(name: string, data: unknown): string {
  const dir = new URL("./results/", import.meta.url);
  Deno.mkdirSync(dir, { recursive: true });
  const path = new URL(`${name}.json`, dir);
  Deno.writeTextFileSync(path, JSON.stringify(data, null, 2) + "\n");
  return path.pathname;
}

/** Parses wrk's summary: requests/s. */
export function parseWrk(text: string): { rps: number; requests: number } {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1] ?? NaN);
  const requests = Number(/(\d+) requests in/.exec(text)?.[1] ?? NaN);
  return { rps, requests };
}

/** Waits until `url` answers (a server that has just started), at most 10 s. */
export async function waitForUrl(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      await (await fetch(url)).body?.cancel();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`${url} never answered`);
}
