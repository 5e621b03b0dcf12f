/**
 * Test helpers: spawning the CLI as a real process and reading its lines.
 *
 * @module
 */

const MAIN = new URL("../main.ts", import.meta.url).pathname;

/** The `deno run` arguments that the `tpsdemo` task uses. */
export const DENO_RUN = [
  "run",
  "--allow-net",
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-sys",
  "--unstable-net",
  MAIN,
];

/** Runs the CLI to completion. */
export async function runCli(
  args: string[],
  options: { stdin?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [...DENO_RUN, ...args],
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(options.stdin));
    await w.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Reads a byte stream line by line. */
export class LineReader {
  #reader: ReadableStreamDefaultReader<string>;
  #buf = "";
  /** Everything read so far. */
  text = "";
  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  }
  /** The next line, or undefined at the end of the stream. */
  async line(): Promise<string | undefined> {
    for (;;) {
      const nl = this.#buf.indexOf("\n");
      if (nl !== -1) {
        const line = this.#buf.slice(0, nl);
        this.#buf = this.#buf.slice(nl + 1);
        return line;
      }
      const { value, done } = await this.#reader.read();
      if (done) {
        const rest = this.#buf;
        this.#buf = "";
        return rest === "" ? undefined : rest;
      }
      this.#buf += value;
      this.text += value;
    }
  }
  /** Reads until a line matches; returns it (throws at the end of the stream). */
  async until(re: RegExp): Promise<string> {
    for (;;) {
      const l = await this.line();
      if (l === undefined) throw new Error(`stream ended before ${re}; got:\n${this.text}`);
      if (re.test(l)) return l;
    }
  }
  /** Reads to the end and returns all remaining lines. */
  async rest(): Promise<string[]> {
    const lines: string[] = [];
    for (let l = await this.line(); l !== undefined; l = await this.line()) lines.push(l);
    return lines;
  }
}

/** A `serve` process started on a free port. */
export interface ServeProcess {
  port: number;
  child: Deno.ChildProcess;
  stdout: LineReader;
  stderr: LineReader;
  /** Sends SIGTERM and waits: exit code and the remaining stdout lines. */
  stop(): Promise<{ code: number; lines: string[] }>;
}

/** Starts `tpsdemo serve --port 0 …args` and waits for its listening line. */
export async function startServe(args: string[]): Promise<ServeProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    // A free port unless the test names one (a flag given twice is a usage error).
    args: [...DENO_RUN, "serve", ...(args.includes("--port") ? [] : ["--port", "0"]), ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdout = new LineReader(child.stdout);
  const stderr = new LineReader(child.stderr);
  const line = await stdout.until(/listening on/);
  const port = Number(/:(\d+) /.exec(line)![1]);
  return {
    port,
    child,
    stdout,
    stderr,
    async stop() {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      const [lines, status] = await Promise.all([stdout.rest(), child.status, stderr.rest()]);
      return { code: status.code, lines };
    },
  };
}

/** A `run` process whose stdout is read line by line. */
export function spawnRun(args: string[]): {
  child: Deno.ChildProcess;
  stdout: LineReader;
  stderr: LineReader;
} {
  const child = new Deno.Command(Deno.execPath(), {
    args: [...DENO_RUN, "run", ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  return { child, stdout: new LineReader(child.stdout), stderr: new LineReader(child.stderr) };
}

/** Parses JSON lines, failing the test on any line that is not JSON. */
export function jsonLines(lines: string[]): Record<string, unknown>[] {
  return lines.filter((l) => l.trim() !== "").map((l) => JSON.parse(l));
}

/**
 * Runs each `[args, wanted]` (the args after the program) and checks the usage-error contract:
 * exit 2 and exactly one line on stderr, which contains `wanted`.
 */
export async function assertUsageErrors(cases: [string[], string][]): Promise<void> {
  for (const [args, want] of cases) {
    const { code, stderr } = await runCli(args);
    if (code !== 2) throw new Error(`${args.join(" ")}: exit ${code}, not 2\n${stderr}`);
    const lines = stderr.trimEnd().split("\n");
    if (lines.length !== 1) throw new Error(`${args.join(" ")}: not one line:\n${stderr}`);
    if (!lines[0]!.includes(want)) throw new Error(`${lines[0]} lacks ${want}`);
  }
}
