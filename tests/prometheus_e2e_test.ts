/**
 * A real Prometheus (Debian's `prometheus`, on a free port, its storage in a temporary folder,
 * configured from deploy/prometheus/prometheus.yml) scrapes `serve` (two servers sharing one
 * `redis-server`) and a running load (`run --metrics`) every second. Its PromQL rate is the rate
 * the run reports, within 5%; the sum of the servers' counters is `/stats`, to the request; every
 * query of deploy/grafana/tpsdemo.json runs and finds data; `promtool check metrics` passes on
 * both expositions. Nothing waits by sleeping: each condition is polled up to a deadline.
 */
import { assertEquals, assertOk } from "./_assert.ts";
import { LineReader, spawnRun, startServe } from "./_helpers.ts";
import {
  freePort,
  type PrometheusProcess,
  scrapeConfig,
  startPrometheus,
  until,
  which,
} from "./_prometheus.ts";

/** A throwaway redis-server on a free loopback port, stopped by its PID. */
async function scratchRedis(dir: string) {
  const port = freePort();
  const child = new Deno.Command(which("redis-server"), {
    args: ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", ""],
    stdout: "null",
    stderr: "null",
  }).spawn();
  await until("redis-server listening", async () => {
    (await Deno.connect({ hostname: "127.0.0.1", port })).close();
    return true;
  });
  return { url: `redis://127.0.0.1:${port}`, child };
}

/** `promtool check metrics` on an exposition: the format and Prometheus' naming rules. */
async function promtoolCheck(text: string): Promise<string> {
  const child = new Deno.Command(which("promtool", "prometheus"), {
    args: ["check", "metrics"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(text));
  await w.close();
  const out = await child.output();
  const dec = new TextDecoder();
  return out.code === 0 ? "" : dec.decode(out.stdout) + dec.decode(out.stderr);
}

const one = async (p: PrometheusProcess, expr: string, time?: number) =>
  Number((await p.query(expr, time))[0]?.value[1] ?? NaN);

Deno.test("Prometheus scrapes serve and a running load: rates within 5%, counters exact", async () => {
  const dir = await Deno.makeTempDir();
  const redis = await scratchRedis(dir);
  const flags = ["--redis", redis.url, "--redis-prefix", `m${Date.now()}:`, "--jitter", "0"];
  const servers = await Promise.all([startServe(flags), startServe(flags)]);
  const [a, b] = servers as [typeof servers[0], typeof servers[0]];
  const metricsPort = freePort();
  let prom: PrometheusProcess | undefined;
  let run: { child: Deno.ChildProcess; stdout: LineReader; stderr: LineReader } | undefined;
  try {
    prom = await startPrometheus(
      dir,
      await scrapeConfig({
        "tpsdemo-serve": [`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`],
        "tpsdemo-run": [`127.0.0.1:${metricsPort}`],
      }),
    );
    const p = prom;
    // Prometheus starts scraping a few seconds after it is ready (its discovery's first update).
    await until(
      "Prometheus scraping both servers",
      async () => (await one(p, 'count(up{job="tpsdemo-serve"} == 1)')) === 2 ? true : undefined,
    );
    // The load goes to one server; the other gets a few requests and coupons of its own.
    run = spawnRun([
      "--url",
      `http://127.0.0.1:${a.port}/api/work`,
      "--rate",
      "200",
      "--duration",
      "15s",
      "--interval",
      "200ms",
      "--work-time",
      "0",
      "--json",
      "--metrics",
      `127.0.0.1:${metricsPort}`,
    ]);
    const other = `http://127.0.0.1:${b.port}`;
    for (let i = 0; i < 20; i++) await (await fetch(`${other}/api/work`)).body?.cancel();
    for (const base of [`http://127.0.0.1:${a.port}`, other]) {
      for (let i = 0; i < 3; i++) {
        await (await fetch(`${base}/coupons`, { method: "POST" })).body?.cancel();
      }
    }
    // The run's own intervals, as it reports them, until 13.5 s into it.
    const intervals: { t: number; t_unix_ms: number; api_per_s: number; interval_s: number }[] = [];
    while (!(intervals.at(-1)?.t! >= 13.5)) {
      const rec = JSON.parse(await run.stdout.until(/"type":"interval"/));
      intervals.push(rec);
    }
    // Both expositions pass promtool while the load runs.
    for (
      const url of [`http://127.0.0.1:${metricsPort}/metrics`, `http://127.0.0.1:${a.port}/metrics`]
    ) {
      assertEquals(await promtoolCheck(await (await fetch(url)).text()), "", url);
    }
    // Over the 10 s before T (a moment Prometheus has scraped past), its rate and the run's.
    const T = Date.now() / 1000 - 1.5;
    await until(
      "10 s of the run's samples in Prometheus",
      async () =>
        (await one(p, "count_over_time(tpsdemo_run_requests_sent_total[10s])", T)) >= 9
          ? true
          : undefined,
    );
    const span = intervals.filter((i) => i.t_unix_ms > (T - 10) * 1000 && i.t_unix_ms <= T * 1000);
    const reported = span.reduce((s, i) => s + i.api_per_s * i.interval_s, 0) /
      span.reduce((s, i) => s + i.interval_s, 0);
    const promRate = await one(p, "sum(rate(tpsdemo_run_requests_sent_total[10s]))", T);
    const served = await one(
      p,
      'sum(rate(tpsdemo_serve_requests_total{route="/api/work",instance=~".*:' + a.port +
        '"}[10s]))',
      T,
    );
    const close = (x: number) => Math.abs(x - reported) / reported <= 0.05;
    assertOk(close(promRate), `PromQL ${promRate}/s vs the run's ${reported}/s`);
    assertOk(close(served), `serve's PromQL ${served}/s vs the run's ${reported}/s`);
    assertEquals(await one(p, "sum(tpsdemo_run_target_requests_per_second)", T), 200);
    // Every query of the Grafana dashboard runs, and each panel finds data (a healthy run has
    // no failures to draw by kind).
    const dash = JSON.parse(
      await Deno.readTextFile(new URL("../deploy/grafana/tpsdemo.json", import.meta.url)),
    );
    for (const panel of dash.panels) {
      let found = 0;
      for (const target of panel.targets) {
        found += (await p.query(target.expr.replaceAll("$__rate_interval", "4s"), T)).length;
      }
      assertOk(found > 0, `${panel.title}: its queries found nothing`);
    }
    // The run ends; then the servers' counters, summed by PromQL, are /stats' to the request.
    const status = await run.child.status;
    assertEquals(status.code, 0, run.stderr.text);
    await run.stdout.rest();
    run = undefined;
    await until("PromQL's sums equal /stats", async () => {
      const stats = await (await fetch(`${other}/stats`)).json();
      const work = stats.routes["/api/work"]["200"];
      const summed = await one(p, 'sum(tpsdemo_serve_requests_total{route="/api/work"})');
      const coupons = await one(p, "sum(tpsdemo_serve_coupons_issued_total)");
      const left = await one(p, "max(tpsdemo_serve_coupons_left)");
      return summed === work && coupons === stats.coupons.issued && left === stats.coupons.left
        ? true
        : undefined;
    });
    assertEquals(await one(p, "min(tpsdemo_serve_store_up)"), 1);
  } catch (err) {
    throw new Error(`${(err as Error).message}\nprometheus: ${await prom?.log() ?? ""}`);
  } finally {
    if (run) {
      try {
        run.child.kill("SIGINT");
      } catch { /* already gone */ }
      await run.child.status;
      await Promise.all([run.stdout.rest(), run.stderr.rest()]);
    }
    await prom?.stop();
    await Promise.all(servers.map((s) => s.stop()));
    redis.child.kill("SIGTERM");
    await redis.child.status;
    await Deno.remove(dir, { recursive: true });
  }
});
