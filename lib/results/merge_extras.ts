/**
 * The parts of a merged summary that are not plain sums of counters: what the runs asked for
 * (and so what they achieved), the connections and their phases, and the send lateness after the
 * warm-up second (kept as percentiles only: the worst part's).
 *
 * @module
 */

import type { Percentiles } from "../histogram.ts";
import { achievedPct } from "./accounting.ts";
import type { Summary } from "./records.ts";

/** The worst of several percentile sets, point by point (what percentiles alone allow). */
export function worstOf(ps: Percentiles[]): Percentiles {
  return {
    p50: Math.max(...ps.map((p) => p.p50)),
    p90: Math.max(...ps.map((p) => p.p90)),
    p99: Math.max(...ps.map((p) => p.p99)),
    max: Math.max(...ps.map((p) => p.max)),
  };
}

/** Sets `summary`'s asked, achieved, connections, phases and warm-up split from `summaries`. */
export function mergeExtras(summary: Summary, summaries: Summary[], secs: number): void {
  // What the runs asked for adds up (shards ask for their shares); achieved is over the sum.
  if (summaries.every((s) => s.asked)) {
    const requests = summaries.reduce((a, s) => a + s.asked!.requests, 0);
    summary.asked = { requests, rate: Math.round((requests / secs) * 10) / 10 };
    summary.achieved_pct = achievedPct(summary.requests.sent, requests);
  }
  // Connections add; the phases, kept as percentiles only, are the worst part's.
  if (summaries.every((s) => s.phases && s.connections !== undefined)) {
    summary.connections = summaries.reduce((a, s) => a + s.connections!, 0);
    const w = (k: "connect_us" | "tls_us" | "ttfb_us") =>
      worstOf(summaries.map((s) => s.phases![k]));
    summary.phases = { connect_us: w("connect_us"), tls_us: w("tls_us"), ttfb_us: w("ttfb_us") };
  }
  if (summaries.every((s) => s.send_lateness_after_warmup_us)) {
    summary.send_lateness_after_warmup_us = worstOf(
      summaries.map((s) => s.send_lateness_after_warmup_us!),
    );
  }
}
