/**
 * A running load as Prometheus metrics (`run --metrics ADDR`, and `GET /metrics` on the
 * dashboard): built from what the run reports each interval (its snapshot and its encoded HDR
 * histograms), so the hot path is untouched and a scrape only reads a text made once per
 * interval. Counters are cumulative over the run; histograms have fixed buckets, so shards add
 * up in PromQL. Names and labels: the README's "Prometheus metrics".
 *
 * @module
 */

import { Hono } from "hono";
import { decodeHistogram } from "../histogram.ts";
import { Exposition, HdrBuckets, PROMETHEUS_CONTENT_TYPE, type Sample } from "../prometheus.ts";
import type { IntervalSnapshot, LatencyHistograms } from "../results/mod.ts";

/** Buckets of the latencies (seconds): 100 µs to 1 minute. */
export const LATENCY_BUCKETS: readonly number[] = (
  "0.0001 0.00025 0.0005 0.001 0.0025 0.005 0.0075 0.01 0.015 0.02 0.025 0.03 0.04 0.05 " +
  "0.075 0.1 0.15 0.2 0.25 0.3 0.4 0.5 0.75 1 1.5 2 2.5 5 10 30 60"
).split(" ").map(Number);

/** Buckets of the send lateness (seconds): 10 µs to 10 s. */
export const LATENESS_BUCKETS: readonly number[] = (
  "0.00001 0.000025 0.00005 0.0001 0.00025 0.0005 0.001 0.0025 0.005 0.01 0.025 0.05 0.1 " +
  "0.25 0.5 1 2.5 5 10"
).split(" ").map(Number);

const nameLabel = (name: string): Record<string, string> => (name === "" ? {} : { name });

/**
 * A run's metrics: {@linkcode RunMetrics.add} each interval, {@linkcode RunMetrics.text} for a
 * scrape.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const m = new RunMetrics({ runId: "r1" });
 * assert.match(m.text(), /^tpsdemo_run_requests_sent_total 0$/m);
 * ```
 */
export class RunMetrics {
  #runId: string | undefined;
  #last: IntervalSnapshot | undefined;
  /** Sent, by target name ("" in a run of one). */
  #sent = new Map<string, number>();
  /** Completed, by name, status or error kind. */
  #completed = new Map<string, Sample & { labels: Record<string, string> }>();
  #corrected = new Map<string, HdrBuckets>();
  #service = new HdrBuckets(LATENCY_BUCKETS);
  #lateness = new HdrBuckets(LATENESS_BUCKETS);
  #text: string | undefined;

  constructor(options: { runId?: string; names?: readonly string[] } = {}) {
    this.#runId = options.runId;
    this.names(options.names ?? []);
  }

  /** Names the run's targets (several: every series by name from the start). */
  names(names: readonly string[]): void {
    if (this.#last || names.length < 2) return;
    this.#sent.clear();
    this.#corrected.clear();
    for (const n of names) {
      this.#sent.set(n, 0);
      this.#corrected.set(n, new HdrBuckets(LATENCY_BUCKETS));
    }
    this.#text = undefined;
  }

  /** Adds an interval's snapshot and its histograms. */
  add(snap: IntervalSnapshot, histograms?: LatencyHistograms): void {
    this.#last = snap;
    this.#text = undefined;
    if (histograms?.latency_us) this.#service.add(decodeHistogram(histograms.latency_us));
    if (histograms?.send_lateness_us) {
      this.#lateness.add(decodeHistogram(histograms.send_lateness_us));
    }
    if (snap.names) {
      for (const [name, n] of Object.entries(snap.names)) {
        this.#sent.set(name, (this.#sent.get(name) ?? 0) + n.sent);
        this.#count(name, n.status, n.error_kinds);
        if (n.corrected_latency_us) {
          this.#buckets(name).add(decodeHistogram(n.corrected_latency_us));
        }
      }
      return;
    }
    this.#sent.set("", snap.accounting.sent);
    this.#count("", snap.status, snap.error_kinds);
    if (histograms?.corrected_latency_us) {
      this.#buckets("").add(decodeHistogram(histograms.corrected_latency_us));
    }
  }

  #buckets(name: string): HdrBuckets {
    let b = this.#corrected.get(name);
    if (!b) this.#corrected.set(name, b = new HdrBuckets(LATENCY_BUCKETS));
    return b;
  }

  #count(
    name: string,
    status: Record<string, number>,
    kinds: Partial<Record<string, number>>,
  ): void {
    const bump = (label: "status" | "kind", value: string, n: number) => {
      const key = `${name}\0${label}\0${value}`;
      const s = this.#completed.get(key);
      if (s) s.value += n;
      else this.#completed.set(key, { labels: { ...nameLabel(name), [label]: value }, value: n });
    };
    for (const [code, n] of Object.entries(status)) bump("status", code, n);
    for (const [kind, n] of Object.entries(kinds)) if (n) bump("kind", kind, n);
  }

  /** The exposition, made once per interval. */
  text(): string {
    return this.#text ??= this.#render();
  }

  #render(): string {
    const s = this.#last;
    const a = s?.accounting;
    const e = new Exposition();
    if (this.#runId) {
      e.gauge("tpsdemo_run_info", "The run (value 1), by its results' run_id.", [
        { labels: { run_id: this.#runId }, value: 1 },
      ]);
    }
    const sent = this.#sent.size === 0 ? new Map([["", 0]]) : this.#sent;
    e.counter(
      "tpsdemo_run_requests_scheduled_total",
      "Ticks the pacer released (requests due to be sent).",
      a?.scheduled ?? 0,
    ).counter(
      "tpsdemo_run_requests_sent_total",
      "Requests written to the target.",
      [...sent].map(([name, value]) => ({ labels: nameLabel(name), value })),
    ).counter(
      "tpsdemo_run_requests_completed_total",
      "Requests that ended: answered (by HTTP status) or failed without an answer (by kind).",
      [...this.#completed.values()],
    ).counter(
      "tpsdemo_run_requests_not_sent_total",
      "Ticks never sent, by reason (stopped: at the stop; queue_full).",
      (["stopped", "queue_full"] as const).map((reason) => ({
        labels: { reason },
        value: a?.not_sent[reason] ?? 0,
      })),
    );
    if (s) {
      e.gauge(
        "tpsdemo_run_target_requests_per_second",
        "The rate the run asks for now (the pacer's: the plan's, the controller's, as steered).",
        s.rate,
      ).gauge(
        "tpsdemo_run_sent_requests_per_second",
        "Requests sent per second over the last interval (the stats line's api/s).",
        s.api_per_s,
      ).gauge("tpsdemo_run_queued_requests", "Ticks waiting for a consumer.", s.queue)
        .gauge("tpsdemo_run_in_flight_requests", "Requests on the wire.", s.in_flight)
        .gauge("tpsdemo_run_consumers", "Consumers (connections).", s.consumers);
      if (s.jobs_queued !== null) {
        e.gauge("tpsdemo_run_queued_cpu_jobs", "CPU jobs waiting for a Worker.", s.jobs_queued);
      }
    }
    const corrected = this.#corrected.size === 0
      ? [this.#buckets("").sample()]
      : [...this.#corrected].map(([name, b]) => b.sample(nameLabel(name)));
    return e.histogram(
      "tpsdemo_run_latency_seconds",
      "Latency from the scheduled time to the end of the response (corrected for coordinated " +
        "omission).",
      LATENCY_BUCKETS,
      corrected,
    ).histogram(
      "tpsdemo_run_service_time_seconds",
      "Latency from the write of the request to the end of the response.",
      LATENCY_BUCKETS,
      [this.#service.sample()],
    ).histogram(
      "tpsdemo_run_send_lateness_seconds",
      "How late each request was written after its scheduled time.",
      LATENESS_BUCKETS,
      [this.#lateness.sample()],
    ).text();
  }
}

/**
 * Adds `GET /metrics` (the run's metrics) to `app`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Hono } from "hono";
 * const app = metricsRoute(new Hono(), new RunMetrics());
 * const res = await app.request("/metrics");
 * assert.match(res.headers.get("content-type")!, /^text\/plain; version=0\.0\.4/);
 * assert.match(await res.text(), /tpsdemo_run_requests_sent_total 0/);
 * ```
 */
export function metricsRoute(app: Hono, metrics: RunMetrics): Hono {
  app.get(
    "/metrics",
    () => new Response(metrics.text(), { headers: { "content-type": PROMETHEUS_CONTENT_TYPE } }),
  );
  return app;
}

/**
 * The app of `run --metrics`: `GET /metrics` and nothing else (404).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const app = metricsApp(new RunMetrics());
 * assert.equal((await app.request("/metrics")).status, 200);
 * assert.equal((await app.request("/")).status, 404);
 * ```
 */
export function metricsApp(metrics: RunMetrics): Hono {
  const app = metricsRoute(new Hono(), metrics);
  app.notFound((c) => c.json({ error: "not_found", message: "only GET /metrics here" }, 404));
  return app;
}

/**
 * Serves `app` on `hostname:port` (port 0: a free one), as `listenDashboard` does, without loading
 * the dashboard's pages. Throws `Deno.errors.AddrInUse` and the like when it cannot bind.
 */
export function listenMetrics(
  app: Hono,
  hostname: string,
  port: number,
): { url: string; close(): Promise<void> } {
  const server = Deno.serve({ hostname, port, onListen() {} }, app.fetch);
  const addr = server.addr as Deno.NetAddr;
  const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  return { url: `http://${host}:${addr.port}/`, close: () => server.shutdown() };
}
