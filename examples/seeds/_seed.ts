// deno-lint-ignore-file no-console -- an example: it prints its progress and its answer.
/**
 * What every seed experiment shares: the processes it starts (each stopped by its PID at the end,
 * on failure and on Ctrl-C too), tpsdemo as a subprocess, free ports, Debian's packages, tables.
 *
 * @module
 */

/** The repository root, and tpsdemo's entry point. */
export const ROOT: string = new URL("../../", import.meta.url).pathname;
export const MAIN: string = `${ROOT}main.ts`;
/** `--quick`: the short form (under a minute) that tests/seeds_test.ts runs. */
export const QUICK: boolean = Deno.args.includes("--quick");

/**
 * `--keep DIR`: the results files an experiment wrote are copied there before its temporary folder
 * goes (for `tpsdemo report` later: the README's pictures are drawn from them).
 */
export async function keepResults(files: string[]): Promise<void> {
  const i = Deno.args.indexOf("--keep");
  if (i < 0) return;
  const dir = Deno.args[i + 1];
  if (!dir) throw new Error("--keep needs a folder");
  await Deno.mkdir(dir, { recursive: true });
  for (const file of files) await Deno.copyFile(file, `${dir}/${file.split("/").at(-1)}`);
}

/** A record of tpsdemo's JSON output, read as it is documented in the README. */
// deno-lint-ignore no-explicit-any
export type Json = any;

/** A started process: its PID, the output so far, and a wait for a line. */
export interface Started {
  name: string;
  pid: number;
  child: Deno.ChildProcess;
  /** stdout and stderr so far (the last 256 KiB). */
  output(): string;
  /**
   * Resolves with the `count`th line (stdout or stderr; default the first) matching `re`; rejects
   * at exit or timeout.
   */
  waitFor(re: RegExp, timeoutMs?: number, count?: number): Promise<string>;
}

/**
 * The processes an experiment started; {@linkcode Processes.stopAll} stops each by its PID,
 * newest first (SIGTERM, then SIGKILL after 5 s).
 *
 * @example
 * ```ts ignore
 * await withProcesses(async (procs) => {
 *   const redis = procs.start("redis", "redis-server", ["--port", "7000"]);
 *   await redis.waitFor(/Ready to accept/);
 * });
 * ```
 */
export class Processes {
  #live = new Map<number, Started>();
  #dirs: string[] = [];
  #stopping?: Promise<void>;

  /** A temporary folder, removed by {@linkcode Processes.stopAll} (after the processes). */
  async tempDir(prefix: string): Promise<string> {
    const dir = await Deno.makeTempDir({ prefix });
    this.#dirs.push(dir);
    return dir;
  }

  /** Starts `cmd args` with piped output, kept in memory. */
  start(name: string, cmd: string, args: string[], env?: Record<string, string>): Started {
    const child = new Deno.Command(cmd, {
      args,
      cwd: ROOT,
      ...(env ? { env } : {}),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    let text = "";
    let ended = false;
    const waiters = new Set<() => void>();
    const drain = async (stream: ReadableStream<Uint8Array>) => {
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
        text = (text + chunk).slice(-262144);
        for (const w of waiters) w();
      }
    };
    const done = Promise.all([drain(child.stdout), drain(child.stderr)]).then(() => {
      ended = true;
      for (const w of waiters) w();
    });
    const started: Started = {
      name,
      pid: child.pid,
      child,
      output: () => text,
      waitFor: (re, timeoutMs = 20_000, count = 1) =>
        new Promise((resolve, reject) => {
          const check = () => {
            const line = text.split("\n").filter((l) => re.test(l))[count - 1];
            if (line !== undefined) finish(() => resolve(line));
            else if (ended) finish(() => reject(new Error(`${name} ended:\n${text.slice(-2000)}`)));
          };
          const timer = setTimeout(
            () => finish(() => reject(new Error(`${name}: no ${re} in ${timeoutMs} ms:\n${text}`))),
            timeoutMs,
          );
          const finish = (f: () => void) => {
            clearTimeout(timer);
            waiters.delete(check);
            f();
          };
          waiters.add(check);
          check();
        }),
    };
    this.#live.set(child.pid, started);
    child.status.then(() => done).finally(() => this.#live.delete(child.pid));
    return started;
  }

  /** Runs `cmd args` to its end: exit code and output (stopped with the rest on failure). */
  async run(
    name: string,
    cmd: string,
    args: string[],
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    const child = new Deno.Command(cmd, {
      args,
      cwd: ROOT,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#live.set(child.pid, { name, pid: child.pid, child } as Started);
    try {
      const out = await child.output();
      const dec = new TextDecoder();
      return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
    } finally {
      this.#live.delete(child.pid);
    }
  }

  /** Stops one process by its PID: SIGTERM, then SIGKILL if it is still there after 5 s. */
  async stop(p: { pid: number; child: Deno.ChildProcess }): Promise<void> {
    try {
      Deno.kill(p.pid, "SIGTERM");
    } catch { /* already gone */ }
    const timer = setTimeout(() => {
      try {
        Deno.kill(p.pid, "SIGKILL");
      } catch { /* gone */ }
    }, 5000);
    await p.child.status;
    clearTimeout(timer);
    this.#live.delete(p.pid);
  }

  /**
   * Stops every process still running, newest first; then removes the temporary folders. A call
   * while one is under way (Ctrl-C during a failure) waits for it.
   */
  stopAll(): Promise<void> {
    this.#stopping ??= (async () => {
      for (const p of [...this.#live.values()].reverse()) await this.stop(p);
      for (const dir of this.#dirs.splice(0)) {
        await Deno.remove(dir, { recursive: true }).catch(() => {});
      }
    })().finally(() => this.#stopping = undefined);
    return this.#stopping;
  }

  /** Starts `tpsdemo serve --port 0 …args`; resolves with its process and port. */
  async serve(args: string[], name = "serve"): Promise<Started & { port: number }> {
    const p = this.start(name, Deno.execPath(), [
      "run",
      "-A",
      "--unstable-net",
      MAIN,
      "serve",
      "--port",
      "0",
      ...args,
    ]);
    const line = await p.waitFor(/listening on/);
    return { ...p, port: Number(/:(\d+)\b/.exec(line.slice(line.indexOf("listening")))![1]) };
  }

  /**
   * Runs `tpsdemo …args` to its end; fails unless it exits with one of `codes` (default 0).
   * With `--json` among the args, `lines` are its JSON records.
   */
  async tpsdemo(
    args: string[],
    codes = [0],
  ): Promise<{ lines: Json[]; stdout: string; stderr: string }> {
    const out = await this.run("tpsdemo", Deno.execPath(), [
      "run",
      "-A",
      "--unstable-net",
      MAIN,
      ...args,
    ]);
    if (!codes.includes(out.code)) {
      throw new Error(`tpsdemo ${args.join(" ")}: exit ${out.code}\n${out.stderr.slice(-3000)}`);
    }
    const lines = args.includes("--json")
      ? out.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l))
      : [];
    return { lines, stdout: out.stdout, stderr: out.stderr };
  }
}

/**
 * Runs an experiment with a {@linkcode Processes}; whatever happens (an error, Ctrl-C), every
 * process it started is stopped by its PID before this returns or the program exits.
 */
export async function withProcesses(fn: (procs: Processes) => Promise<void>): Promise<void> {
  const procs = new Processes();
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    console.error("seed: interrupted; stopping what it started");
    procs.stopAll().finally(() => Deno.exit(130));
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  try {
    await fn(procs);
  } catch (err) {
    // After Ctrl-C, a child stopped early is no failure: the signal's handler exits (130).
    if (!interrupted) console.error(`seed: failed: ${(err as Error).stack ?? err}`);
    await procs.stopAll();
    Deno.exit(interrupted ? 130 : 1);
  } finally {
    await procs.stopAll();
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
  }
}

/** A free loopback TCP port (bound, then released). */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** The first of `paths` that exists (a Debian program), or throws naming the package. */
export function need(pkg: string, ...paths: string[]): string {
  for (const p of paths) {
    try {
      if (Deno.statSync(p).isFile) return p;
    } catch { /* next */ }
  }
  throw new Error(
    `needs Debian's ${pkg} (${paths[0]}): run tests/needs.sh, or apt-get install ${pkg}`,
  );
}

/** Prints a table: a header row, a rule, then the rows, each column as wide as its widest cell. */
export function printTable(head: string[], rows: (string | number)[][]): void {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  console.log(line(head));
  console.log(line(widths.map((w) => "-".repeat(w))));
  for (const r of cells.slice(1)) console.log(line(r));
}

/** Arguments as a shell would need them quoted (for the lines the experiments print). */
export const shell = (args: string[]): string =>
  args.map((a) => /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a}'`).join(" ");

/** `x` rounded to `d` decimals, as text. */
export const fmt = (x: number, d = 1): string =>
  Number.isFinite(x) ? String(Math.round(x * 10 ** d) / 10 ** d) : "-";

/** Reads `url` as JSON. */
export async function getJson(url: string): Promise<Json> {
  const res = await fetch(url);
  return await res.json();
}
