// deno-lint-ignore-file no-console -- a benchmark: it prints its tables and progress.
/**
 * `deno task bench adaptive-real`: `--adaptive` and `--adaptive=seed` on real servers, each
 * scenario run several times (3 by default: `deno task bench adaptive-real` or
 * `deno run -A bench/adaptive_real.ts RUNS`), the worst run reported. The target runs on core 1,
 * the client on core 0.
 *
 * 1. `tpsdemo serve --capacity 500` (a token bucket; past it, a backlog, then 503s);
 * 2. nginx `limit_req` at 300 r/s (503s past it);
 * 3. FastAPI + Uvicorn on one core, `/slow` burning 2 ms of CPU (latency grows, no 503s); its
 *    capacity measured by wrk in closed loop in the same run;
 * 4. the same app losing half its core for 15 s from t = 30 s (a busy process on that core),
 *    then getting it back;
 * 5. latency noise at a fixed capacity (`serve --capacity 500 --jitter 18ms` around 20 ms) under a
 *    ceiling of 0.8x the capacity: a controller should not cut at all.
 *
 * Per scenario and controller: time to ±10% of the capacity, utilisation and goodput CV in steady
 * state (the last 15 s of the run, or before the loss), p50 and p99 over the unloaded p50, and
 * for (4) the time to cut after the loss, the p50 during it over the new unloaded p50, and the
 * time back to 90% after the restore; the error share; for (5) the cuts.
 *
 * @module
 */

import { startServer, table, which, writeResult } from "./_util.ts";
import { DENO_RUN, MAIN, measureRun, waitForUrl } from "./_util.ts";

const PYTHON = "/usr/bin/python3";
const FASTAPI = new URL("./fixtures/fastapi_cpu.py", import.meta.url).pathname;

interface Target {
  url: string;
  stop(): Promise<void>;
}

interface Second {
  t: number;
  rate: number;
  sent: number;
  ok: number;
  errors: number;
  p50: number;
  p99: number;
  reason?: string;
}

async function serve(args: string[]): Promise<Target> {
  const s = await startServer(
    Deno.execPath(),
    [...DENO_RUN, MAIN, "serve", "--port", "0", ...args],
    "1",
  );
  const url = `http://127.0.0.1:${s.port}/api/work`;
  await waitForUrl(url);
  return { url, stop: s.stop };
}

async function nginxLimit(): Promise<Target> {
  const dir = await Deno.makeTempDir({ prefix: "tpsdemo-limit-" });
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = probe.addr.port;
  probe.close();
  await Deno.writeTextFile(
    `${dir}/nginx.conf`,
    `worker_processes 1; daemon off; pid ${dir}/nginx.pid; error_log ${dir}/error.log;
events { worker_connections 4096; }
http { access_log off;
  client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir};
  uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
  limit_req_zone $binary_remote_addr zone=one:1m rate=300r/s;
  server { listen 127.0.0.1:${port};
    location / { limit_req zone=one burst=20 nodelay; limit_req_status 503;
      root ${dir}; try_files /ok =404; } } }
`,
  );
  // A static file: `return` would answer in the rewrite phase, before limit_req runs.
  await Deno.writeTextFile(`${dir}/ok`, "ok");
  const child = new Deno.Command("taskset", {
    args: ["-c", "1", which("nginx") ?? "/usr/sbin/nginx", "-c", `${dir}/nginx.conf`, "-p", dir],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const url = `http://127.0.0.1:${port}/`;
  await waitForUrl(url);
  return {
    url,
    async stop() {
      child.kill("SIGTERM");
      await child.status;
      await Deno.remove(dir, { recursive: true });
    },
  };
}

async function fastapi(): Promise<Target> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const s = await startServer(PYTHON, [FASTAPI, String(port), "2"], "1");
  const url = `http://127.0.0.1:${s.port}/slow`;
  await waitForUrl(url);
  return { url, stop: s.stop };
}

/** A busy process on core 1 (it takes half of it from the target there). */
function hog(): { stop(): Promise<void> } {
  const child = new Deno.Command("taskset", {
    args: ["-c", "1", Deno.execPath(), "eval", "for (;;) {}"],
    stdout: "null",
    stderr: "null",
  }).spawn();
  let stopped: Promise<unknown> | undefined;
  return {
    async stop() {
      stopped ??= (async () => {
        try {
          child.kill("SIGKILL");
        } catch { /* ended */ }
        await child.status;
      })();
      await stopped;
    },
  };
}

/** One tpsdemo run; its seconds. */
async function run(url: string, args: string[]): Promise<Second[]> {
  const r = await measureRun(url, ["--json", ...args], "0");
  // ADAPTIVE_REAL_TRACE=DIR keeps each run's records, to look at a bad run second by second.
  const trace = Deno.env.get("ADAPTIVE_REAL_TRACE");
  if (trace) {
    Deno.mkdirSync(trace, { recursive: true });
    Deno.writeTextFileSync(`${trace}/${Date.now()}.jsonl`, r.stdout);
  }
  return r.stdout.trim().split("\n").map((l) => JSON.parse(l)).filter((x) =>
    x.type === "interval" && x.interval_s > 0.5
  ).map((x) => {
    const ok = Object.entries(x.status as Record<string, number>)
      .filter(([k]) => Number(k) < 400).reduce((a, [, v]) => a + v, 0);
    return {
      t: x.t,
      rate: x.rate,
      sent: x.api_per_s,
      ok: ok / x.interval_s,
      errors: x.errors,
      p50: x.latency_ms.p50,
      p99: x.latency_ms.p99,
      reason: x.adaptive,
    };
  });
}

/** The unloaded p50: 3 s at 20/s. */
async function unloaded(url: string): Promise<number> {
  const s = await run(url, ["--rate", "20", "--duration", "3s"]);
  const p50s = s.map((x) => x.p50).filter((x) => x > 0).sort((a, b) => a - b);
  return p50s[Math.floor(p50s.length / 2)] ?? NaN;
}

/** Closed-loop capacity by wrk (5 s, 8 connections). */
async function wrkCapacity(url: string): Promise<number> {
  const out = await new Deno.Command("taskset", {
    args: ["-c", "0", "wrk", "-t1", "-c8", "-d5s", url],
    stdout: "piped",
  }).output();
  return Number(/Requests\/sec:\s+([\d.]+)/.exec(new TextDecoder().decode(out.stdout))?.[1]);
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);
const cv = (v: number[]) => {
  const m = mean(v);
  return m > 0 ? Math.sqrt(mean(v.map((x) => (x - m) ** 2))) / m : NaN;
};
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? NaN;
const r2 = (v: number) => Math.round(v * 100) / 100;

interface Judged extends Record<string, unknown> {
  scenario: string;
  controller: string;
  run: number;
}

/** The steady-state figures of seconds [from, to). */
function steady(s: Second[], capacity: number, base: number, from: number, to: number) {
  const span = s.filter((x) => x.t > from && x.t <= to);
  const toTen = s.find((x) => Math.abs(x.ok - capacity) <= 0.1 * capacity)?.t ?? NaN;
  const sent = s.reduce((a, x) => a + x.sent, 0);
  const errors = s.reduce((a, x) => a + x.errors, 0);
  return {
    to_10pct_s: r2(toTen),
    utilisation: r2(mean(span.map((x) => x.ok)) / capacity),
    goodput_cv: r2(cv(span.map((x) => x.ok))),
    p50_x: r2(median(span.map((x) => x.p50)) / base),
    p99_x: r2(median(span.map((x) => x.p99)) / base),
    errors_pct: r2((100 * errors) / Math.max(1, sent)),
    // The steady state's own share (the whole run's includes the start-up's overshoot).
    steady_errors_pct: r2(
      (100 * span.reduce((a, x) => a + x.errors, 0)) /
        Math.max(1, span.reduce((a, x) => a + x.sent, 0)),
    ),
  };
}

/**
 * Only the scenarios whose name contains this, and only these controllers
 * (`bench/adaptive_real.ts RUNS FILTER capacity,seed`).
 */
const only = Deno.args[1] ?? "";

/** When the FastAPI target loses half its core (s into the run), and for how long. */
const LOSS_AT = 30;
const LOSS_S = 15;

async function scenarios(controller: string, n: number): Promise<Judged[]> {
  const flag = controller === "seed" ? "--adaptive=seed" : "--adaptive";
  const rows: Judged[] = [];
  const shed = async (name: string, make: () => Promise<Target>, capacity: number) => {
    const t = await make();
    try {
      const base = await unloaded(t.url);
      const s = await run(t.url, [flag, "--rate", String(capacity * 2), "--duration", "35s"]);
      rows.push({
        scenario: name,
        controller,
        run: n,
        capacity,
        ...steady(s, capacity, base, 20, 35),
      });
    } finally {
      await t.stop();
    }
  };
  if ("serve --capacity 500".includes(only)) {
    await shed("serve --capacity 500", () => serve(["--capacity", "500"]), 500);
  }
  if ("nginx limit_req 300 r/s".includes(only)) {
    await shed("nginx limit_req 300 r/s", nginxLimit, 300);
  }
  // FastAPI: its capacity by wrk in the same run.
  if ("FastAPI".includes(only)) {
    const t = await fastapi();
    try {
      const base = await unloaded(t.url);
      const capacity = Math.round(await wrkCapacity(t.url));
      const s = await run(t.url, [flag, "--rate", String(capacity * 2), "--duration", "35s"]);
      rows.push({
        scenario: "FastAPI 2 ms CPU, one core",
        controller,
        run: n,
        capacity,
        ...steady(s, capacity, base, 20, 35),
      });
      // The loss: half the core taken for 15 s from t = 30 s, then given back. The steady state
      // before it is the 15 s before the loss, after the 10 s the controller has to converge.
      const h = hog();
      const lossBase = await unloaded(t.url);
      await h.stop();
      const from = LOSS_AT, to = LOSS_AT + LOSS_S;
      let busy: { stop(): Promise<void> } | undefined;
      const timer = setTimeout(() => busy = hog(), from * 1000);
      const stopTimer = setTimeout(() => busy?.stop(), to * 1000);
      const l = await run(t.url, [
        flag,
        "--rate",
        String(capacity * 2),
        "--duration",
        `${to + 20}s`,
      ]);
      clearTimeout(timer);
      clearTimeout(stopTimer);
      await busy?.stop();
      const before = mean(l.filter((x) => x.t > from - 5 && x.t <= from).map((x) => x.rate));
      const cut = l.find((x) => x.t > from && x.rate < 0.9 * before)?.t;
      const during = l.filter((x) => x.t > from + 5 && x.t <= to);
      const back = l.find((x) => x.t > to && x.ok >= 0.9 * capacity)?.t;
      rows.push({
        scenario: "FastAPI losing half its core for 15 s",
        controller,
        run: n,
        capacity,
        ...steady(l, capacity, base, from - 15, from),
        cut_after_s: cut === undefined ? NaN : r2(cut - from),
        loss_p50_x: r2(median(during.map((x) => x.p50)) / lossBase),
        back_90pct_s: back === undefined ? NaN : r2(back - to),
      });
    } finally {
      await t.stop();
    }
  }
  // Noise at a fixed capacity, under a ceiling of 0.8x: no cut.
  if ("noise".includes(only)) {
    const t = await serve(["--capacity", "500", "--jitter", "18ms"]);
    try {
      const base = await unloaded(t.url);
      const s = await run(t.url, [flag, "--rate", "400", "--duration", "25s"]);
      rows.push({
        scenario: "noise (jitter ±18 ms), ceiling 0.8x",
        controller,
        run: n,
        capacity: 400,
        ...steady(s, 400, base, 10, 25),
        cuts: s.filter((x) => x.reason?.startsWith("cut")).length,
      });
    } finally {
      await t.stop();
    }
  }
  return rows;
}

/** The worst of the runs per scenario and controller, by the figures that can fail a goal. */
function worst(rows: Judged[]): Record<string, unknown>[] {
  const keys = [...new Set(rows.map((r) => `${r.scenario}|${r.controller}`))];
  const higher = [
    "to_10pct_s",
    "goodput_cv",
    "p50_x",
    "p99_x",
    "errors_pct",
    "steady_errors_pct",
    "cut_after_s",
    "loss_p50_x",
    "back_90pct_s",
    "cuts",
  ];
  return keys.map((k) => {
    const group = rows.filter((r) => `${r.scenario}|${r.controller}` === k);
    const out: Record<string, unknown> = {
      scenario: group[0]!.scenario,
      controller: group[0]!.controller,
    };
    for (const f of Object.keys(group[0]!)) {
      if (["scenario", "controller", "run"].includes(f)) continue;
      const v = group.map((r) => r[f] as number).map((x) => Number.isNaN(x) ? Infinity : x);
      out[f] = higher.includes(f) ? Math.max(...v) : Math.min(...v);
    }
    return out;
  });
}

/** Runs the bench; returns the worst rows. */
export async function benchAdaptiveReal(runs = 3): Promise<Record<string, unknown>[]> {
  if (!which("wrk")) throw new Error("adaptive-real needs wrk (apt-get install wrk)");
  const rows: Judged[] = [];
  for (let n = 1; n <= runs; n++) {
    for (const c of (Deno.args[2] ?? "capacity,seed").split(",")) {
      const got = await scenarios(c, n);
      for (const r of got) console.log(JSON.stringify(r)); // as they come: a long bench
      rows.push(...got);
    }
  }
  const w = worst(rows);
  console.log(table(rows));
  console.log(`\nworst of ${runs} runs:`);
  console.log(table(w));
  console.log(
    `wrote ${
      writeResult(only ? `adaptive_real_${only}` : "adaptive_real", { runs, rows, worst: w })
    }`,
  );
  return w;
}

if (import.meta.main) await benchAdaptiveReal(Number(Deno.args[0] ?? 3));
