/**
 * Test helpers for Prometheus metrics: an exposition parsed by an independent parser (npm
 * `parse-prometheus-text-format`), and a real Prometheus (Debian's) started on a free port with
 * the project's scrape config, queried over its HTTP API and stopped by its PID.
 *
 * @module
 */
import parsePrometheus from "parse-prometheus-text-format";

/** A metric family as the parser gives it. */
export interface Family {
  name: string;
  type: string;
  help: string;
  metrics: {
    value?: string;
    labels?: Record<string, string>;
    buckets?: Record<string, string>;
    count?: string;
    sum?: string;
  }[];
}

/**
 * The families of an exposition, by name (the parser throws on a malformed line). Its one
 * flaw: the series of a histogram with labels besides `le` are folded into one.
 */
export function families(text: string): Map<string, Family> {
  return new Map((parsePrometheus(text) as Family[]).map((f) => [f.name, f]));
}

/** The value of a counter or gauge's series with exactly these labels. */
export function valueOf(f: Family | undefined, labels: Record<string, string> = {}): number {
  const s = f?.metrics.find((m) =>
    JSON.stringify(Object.entries(m.labels ?? {}).sort()) ===
      JSON.stringify(Object.entries(labels).sort())
  );
  return s?.value === undefined ? NaN : Number(s.value);
}

/** The path of a Debian program, or an error that says what to install. */
export function which(cmd: string, pkg = cmd): string {
  for (const dir of ["/usr/bin", "/usr/sbin", "/usr/local/bin"]) {
    try {
      if (Deno.statSync(`${dir}/${cmd}`).isFile) return `${dir}/${cmd}`;
    } catch { /* next */ }
  }
  throw new Error(`${cmd} not found: install Debian's ${pkg} (tests/needs.sh does)`);
}

/** A free loopback port (free when asked). */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = l.addr.port;
  l.close();
  return port;
}

/** Polls `probe` until it returns a value (not undefined), or throws at the deadline. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  deadlineMs = 15_000,
): Promise<T> {
  const end = Date.now() + deadlineMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`${what}: not within ${deadlineMs} ms (${last ?? ""})`);
    // A poll, not a synchronisation: the condition is checked again, up to the deadline.
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A PromQL result: an instant vector's series (labels, value). */
export type Vector = { metric: Record<string, string>; value: [number, string] }[];

/** A real Prometheus (Debian's), on a free port, its storage in `dir`; stopped by its PID. */
export interface PrometheusProcess {
  url: string;
  /** An instant query at `time` (seconds since the epoch; default now): its vector. */
  query(expr: string, time?: number): Promise<Vector>;
  /** What it said on stderr, and its targets' health, for a failure's message. */
  log(): Promise<string>;
  stop(): Promise<void>;
}

/** Starts `prometheus` with `config` (YAML text), storage in `dir`; waits until it is ready. */
export async function startPrometheus(dir: string, config: string): Promise<PrometheusProcess> {
  const port = freePort();
  await Deno.writeTextFile(`${dir}/prometheus.yml`, config);
  const child = new Deno.Command(which("prometheus"), {
    args: [
      `--config.file=${dir}/prometheus.yml`,
      `--storage.tsdb.path=${dir}/data`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let log = "";
  const drained = child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (s) => void (log += s) }),
  ).catch(() => {});
  const url = `http://127.0.0.1:${port}`;
  const p: PrometheusProcess = {
    url,
    async query(expr, time) {
      const q = new URLSearchParams({ query: expr, ...(time ? { time: String(time) } : {}) });
      const res = await fetch(`${url}/api/v1/query?${q}`);
      const body = await res.json();
      if (body.status !== "success") throw new Error(`${expr}: ${JSON.stringify(body)}`);
      return body.data.result as Vector;
    },
    async log() {
      let targets = "";
      try {
        const t = await (await fetch(`${url}/api/v1/targets`)).json();
        targets = t.data.activeTargets.map((a: Record<string, string>) =>
          `${a.scrapeUrl}: ${a.health} ${a.lastError}`
        ).join("\n");
      } catch { /* gone */ }
      return `${targets}\n${log}`;
    },
    async stop() {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      await child.status;
      await drained;
    },
  };
  try {
    await until("prometheus ready", async () => {
      const res = await fetch(`${url}/-/ready`);
      await res.body?.cancel();
      return res.ok ? true : undefined;
    }, 30_000);
  } catch (err) {
    await p.stop();
    throw new Error(`${(err as Error).message}\n${log}`);
  }
  return p;
}

/**
 * The project's scrape config (deploy/prometheus/prometheus.yml) with each job's targets
 * replaced by `targets[job]`.
 */
export async function scrapeConfig(targets: Record<string, string[]>): Promise<string> {
  const { parse, stringify } = await import("yaml");
  const text = await Deno.readTextFile(
    new URL("../deploy/prometheus/prometheus.yml", import.meta.url),
  );
  const config = parse(text);
  for (const job of config.scrape_configs) {
    const t = targets[job.job_name];
    if (!t) throw new Error(`deploy's config has a job the test does not know: ${job.job_name}`);
    job.static_configs = [{ targets: t }];
  }
  return stringify(config);
}
