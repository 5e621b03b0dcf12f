/**
 * The live dashboard of a run (`run --dashboard`): a Hono app that serves the report page in
 * live mode and streams each interval to it as a server-sent event; once the run ends, the page
 * shows the final summary and `GET /` serves the full report (the same as `--html` writes).
 * The run pushes its interval records and its summary into a {@linkcode LiveFeed}.
 *
 * Routes: `GET /` (the page), `GET /events` (SSE: `row` per interval, `summary` at the end; a
 * client that connects late gets every row so far first), `GET /report.html` (the final report;
 * 404 until the run ends).
 *
 * @module
 */

import { type Context, Hono } from "hono";
import type { ControlCommand, RunControl } from "../client/steer/mod.ts";
import { streamSSE } from "hono/streaming";
import type { Summary } from "../results/mod.ts";
import { decodeHistogram, newHistogram, percentileCurve } from "../histogram.ts";
import { runCardsHtml } from "./cards.ts";
import { curvesOf, headerHtml, reportModel } from "./html.ts";
import { type IntervalRecord, mergeResults } from "../results/mod.ts";
import type { PageAssets } from "./assets.ts";
import { namesTableHtml } from "./names_table.ts";
import { renderPage } from "./page.ts";
import { columnsOf, emptyColumns, rowOf } from "./series.ts";
import { type ControlEvent } from "../results/mod.ts";

type Listener = (event: "row" | "event" | "summary", data: string) => void;

/** A command's change as the results hold it. */
export type EventRecord = ControlEvent & { schema?: number; run_id?: string; t_unix_ms?: number };

/** What a run has reported so far, and the pages and streams that follow it. */
export class LiveFeed {
  readonly records: IntervalRecord[] = [];
  readonly events: EventRecord[] = [];
  summary: Summary | undefined;
  /** What a late follower is replayed: each row's and each event's JSON, in order. */
  #log: { event: "row" | "event"; json: string }[] = [];
  #final: string | undefined;
  #listeners = new Set<Listener>();
  #corrected = newHistogram();
  #latency = newHistogram();
  #curves = "";
  #report: string | undefined;

  /** Adds an interval record (with its histograms, for the running latency distribution). */
  push(record: IntervalRecord): void {
    this.records.push(record);
    if (record.histograms) {
      this.#corrected.add(decodeHistogram(record.histograms.corrected_latency_us));
      this.#latency.add(decodeHistogram(record.histograms.latency_us));
      this.#curves = JSON.stringify({
        corrected: percentileCurve(this.#corrected),
        latency: percentileCurve(this.#latency),
      });
    }
    const row = JSON.stringify(rowOf(record));
    this.#log.push({ event: "row", json: row });
    const data = this.#rowData(row, true);
    for (const l of this.#listeners) l("row", data);
  }

  /** Adds a command's change (a marker on the charts). */
  event(record: EventRecord): void {
    this.events.push(record);
    const data = JSON.stringify(record);
    this.#log.push({ event: "event", json: data });
    for (const l of this.#listeners) l("event", data);
  }

  /** A `row` event's data: the row, and the running curves when asked. */
  #rowData(row: string, curves: boolean): string {
    return `{"row":${row}${curves && this.#curves ? `,"curves":${this.#curves}` : ""}}`;
  }

  /** Ends the feed with the run's summary. */
  finish(summary: Summary): void {
    this.summary = summary;
    this.#final = JSON.stringify({
      header: headerHtml([{ label: "run", summary }]) +
        namesTableHtml([{ label: "run", summary }]),
      cards: runCardsHtml([{ label: "run", summary }]),
      curves: curvesOf(summary),
      // The page ends on the report's columns (the end's short intervals merged, long runs
      // re-bucketed), so it looks like the report it becomes.
      columns: columnsOf(this.records, undefined, this.events),
    });
    for (const l of this.#listeners) l("summary", this.#final);
  }

  /**
   * Follows the feed: calls `listener` for every row so far (the last with the running curves),
   * then for each new one, and for the summary. Returns the unsubscribe.
   */
  follow(listener: Listener): () => void {
    const lastRow = this.#log.findLastIndex((e) => e.event === "row");
    this.#log.forEach((e, i) =>
      listener(e.event, e.event === "row" ? this.#rowData(e.json, i === lastRow) : e.json)
    );
    if (this.#final) {
      listener("summary", this.#final);
      return () => {};
    }
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The final report's HTML, once the run has ended. */
  report(assets: PageAssets): string | undefined {
    if (!this.summary) return undefined;
    const results = { summaries: [this.summary], intervals: this.records, events: this.events };
    return this.#report ??= renderPage(
      reportModel([{ name: "run", results }], mergeResults([results])),
      assets,
    );
  }
}

/**
 * The dashboard's app over a feed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pageAssets } from "./assets.ts";
 * const app = dashboardApp(new LiveFeed(), { title: "t" }, pageAssets());
 * const res = await app.request("/");
 * assert.equal(res.status, 200);
 * assert.ok((await res.text()).includes('"mode":"live"'));
 * assert.equal((await app.request("/report.html")).status, 404);
 * ```
 */
export function dashboardApp(
  feed: LiveFeed,
  page: { title: string; header?: string },
  assets: PageAssets,
  steer: { control?: RunControl; remote?: boolean } = {},
): Hono {
  const app = new Hono();
  if (steer.control) controlRoutes(app, steer.control, steer.remote ?? false);
  // The live page, rendered per request: the run may name itself after the app is made.
  const live = () =>
    renderPage({
      title: page.title,
      mode: "live",
      runs: [{
        label: "run",
        columns: emptyColumns(),
        curves: { corrected: { p: [], ms: [] }, latency: { p: [], ms: [] } },
      }],
      header: page.header ?? "",
      events: "/events",
      control: steer.control !== undefined,
    }, assets);
  app.get("/", (c) => c.html(feed.report(assets) ?? live()));
  app.get("/report.html", (c) => {
    const html = feed.report(assets);
    return html
      ? c.html(html)
      : c.json({ error: "not_ready", message: "the run has not ended yet" }, 404);
  });
  app.get("/events", (c) =>
    streamSSE(c, async (stream) => {
      let wake: () => void = () => {};
      const pending: { event: string; data: string }[] = [];
      let ended = false;
      const stop = feed.follow((event, data) => {
        pending.push({ event, data });
        if (event === "summary") ended = true;
        wake();
      });
      stream.onAbort(() => {
        ended = true;
        wake();
      });
      try {
        while (!stream.aborted) {
          while (pending.length > 0) await stream.writeSSE(pending.shift()!);
          if (ended) break;
          await new Promise<void>((r) => wake = r);
        }
      } finally {
        stop();
      }
    }));
  app.notFound((c) => c.json({ error: "not_found", message: `no route ${c.req.path}` }, 404));
  return app;
}

/** A listening dashboard. */
export interface DashboardServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves `app` on `hostname:port` (port 0: a free one). Throws `Deno.errors.AddrInUse` and the
 * like when it cannot bind.
 */
export function listenDashboard(app: Hono, hostname: string, port: number): DashboardServer {
  const server = Deno.serve({ hostname, port, onListen() {} }, app.fetch);
  const addr = server.addr as Deno.NetAddr;
  const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  return {
    url: `http://${host}:${addr.port}/`,
    async close() {
      await server.shutdown();
    },
  };
}

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

/**
 * The run-time control API: `PUT /rate` (`{"rate": N}`), `POST /pause`, `/resume`, `/faster`,
 * `/slower`, `/stop`. Each answers the change made (`{"ok": true, "event": …}`), or a 4xx JSON
 * error; clients not on loopback get 403 unless `remote`.
 */
function controlRoutes(app: Hono, control: RunControl, remote: boolean): void {
  const answer = (c: Context, command: ControlCommand) => {
    const info = c.env as unknown as Deno.ServeHandlerInfo | undefined;
    const addr = info?.remoteAddr;
    const from = addr && "hostname" in addr ? addr.hostname : "127.0.0.1";
    if (!remote && !LOOPBACK.test(from)) {
      return c.json({
        error: "forbidden",
        message: "run control is for loopback clients; start the run with --remote-control",
      }, 403);
    }
    const r = control.apply(command, "api");
    return r.ok ? c.json(r) : c.json({ error: "conflict", message: r.message }, r.status);
  };
  app.put("/rate", async (c) => {
    let rate = NaN;
    try {
      const body = await c.req.json();
      rate = typeof body?.rate === "number" ? body.rate : NaN;
    } catch { /* below */ }
    if (!Number.isFinite(rate)) {
      return c.json({ error: "bad_request", message: 'send {"rate": N}, N requests/s' }, 400);
    }
    return answer(c, { type: "rate", rate });
  });
  for (const type of ["pause", "resume", "faster", "slower", "stop"] as const) {
    app.post(`/${type}`, (c) => answer(c, { type }));
  }
}
