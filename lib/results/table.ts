/**
 * The summary as the terminal prints it: a readable table, one row per figure, the verdict and
 * the thresholds last. Pure: a summary in, a string out.
 *
 * @module
 */

import type { Percentiles } from "../histogram.ts";
import type { Summary } from "./records.ts";
import { fmtMs, fmtUs } from "./summary.ts";

/** A phase's p50 and p99 (or `-` when none happened). */
function fmtPhase(p: { p50: number; p99: number; max: number }): string {
  return p.max > 0 ? `p50 ${fmtUs(p.p50)} p99 ${fmtUs(p.p99)}` : "-";
}

/**
 * Why a run's latency is not corrected for coordinated omission, or null when it is: a run of
 * virtual users, or a closed loop (`--rate 0`: no `asked`), has no schedule to correct from.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Summary } from "./records.ts";
 * assert.equal(uncorrected({ asked: null, target_rate: 0 } as Summary), "closed loop");
 * assert.equal(uncorrected({ asked: { requests: 10, rate: 5 }, target_rate: 0 } as Summary), null);
 * ```
 */
export function uncorrected(s: Summary): "virtual users" | "closed loop" | null {
  if (s.config?.vus !== undefined) return "virtual users";
  // Older results carry no `asked`: a target rate of 0 was the closed loop.
  return s.asked === null || (s.asked === undefined && s.target_rate === 0) ? "closed loop" : null;
}

/** The rate row: what was sent of what was asked, and how the rate was set. */
function rateRow(s: Summary): string {
  const vus = s.config?.vus;
  if (vus !== undefined) {
    const model = s.config?.stages ? `VUs ${s.config.stages}, at most ${vus}` : `${vus} VUs`;
    return `${s.achieved_rate}/s sent (closed: ${model})`;
  }
  if (uncorrected(s) === "closed loop") {
    return `${s.achieved_rate}/s sent (closed loop: as fast as the consumers go)`;
  }
  const mode = s.adaptive
    ? ` (adaptive ${s.adaptive}, ceiling ${s.target_rate}/s, final ${s.final_rate}/s)`
    : s.config?.stages
    ? ` (stages ${s.config.stages})`
    : "";
  if (!s.asked) return `${s.achieved_rate}/s sent of ${s.target_rate}/s${mode}`;
  return `${s.achieved_rate}/s sent of ${s.asked.rate}/s asked: ${s.achieved_pct}%${mode}`;
}

/**
 * The latency rows: service time and corrected; with virtual users, the mean beside the
 * percentiles; no corrected figures for them nor a closed loop (no schedule to correct from).
 */
function latencyRows(s: Summary, pct: (p: Percentiles) => string): [string, string][] {
  const why = uncorrected(s);
  if (why === "closed loop") {
    return [
      ["latency", pct(s.latency_ms)],
      ["corrected", "none: not corrected for coordinated omission (a closed loop has no schedule)"],
    ];
  }
  if (why === null) {
    return [
      ["latency", pct(s.latency_ms)],
      ["corrected", `${pct(s.corrected_latency_ms)}  (from the scheduled time)`],
    ];
  }
  const mean = s.latency_ms.max > 0 ? `  mean ${fmtMs(s.latency_ms.mean)}` : "";
  return [
    ["latency", `${pct(s.latency_ms)}${mean}`],
    ["corrected", "none: not corrected for coordinated omission (virtual users have no schedule)"],
  ];
}

/** The summary as a readable table. */
export function summaryTable(s: Summary): string {
  const a = s.requests;
  const answered = s.latency_ms.max > 0;
  const pct = (p: Percentiles & { p999?: number }) =>
    answered
      ? `p50 ${fmtMs(p.p50)}  p90 ${fmtMs(p.p90)}  p99 ${fmtMs(p.p99)}  max ${fmtMs(p.max)}`
      : "- (no response)";
  const us = (p: Percentiles) =>
    a.sent > 0 ? `p50 ${fmtUs(p.p50)}  p99 ${fmtUs(p.p99)}  max ${fmtUs(p.max)}` : "-";
  const statuses = Object.entries(s.status).map(([k, v]) => `${k}: ${v}`).join(", ") || "none";
  const kinds = Object.entries(s.error_kinds).map(([k, v]) => `${k}: ${v}`).join(", ");
  const checks = a.check_failed ? `check failed: ${a.check_failed}` : "";
  const detail = [kinds, checks].filter(Boolean).join(", ");
  const errors = s.errors === 0 ? "none" : `${s.errors}${detail ? ` (${detail})` : ""}`;
  const notSent = Object.entries(a.not_sent).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`)
    .join(", ") || "0";
  const drain = s.drain_s > 0 ? `; drained in ${s.drain_s}s` : "";
  const rows: [string, string][] = [
    ["target", s.url],
    [
      "duration",
      `${s.duration_s}s (stopped by ${s.stopped_by}${s.killed ? ", killed" : ""}${drain})`,
    ],
    ["rate", rateRow(s)],
    ...(s.asked
      ? [[
        "asked",
        `${s.asked.requests} requests over ${s.duration_s}s (${s.asked.rate}/s on average)`,
      ] as [string, string]]
      : []),
    ["done/s", String(s.done_per_s)],
    [
      "scheduled",
      `${a.scheduled} = sent ${a.sent} + not sent ${notSent}` +
      // Ticks the pacer held back: it waits while the queue is full (backpressure).
      (s.asked && s.asked.requests - a.scheduled > Math.max(1, 0.005 * s.asked.requests)
        ? `; ${Math.round(s.asked.requests - a.scheduled)} more asked, never released ` +
          "(the pacer fell behind: a full queue holding it back, or a busy client)"
        : ""),
    ],
    [
      "sent",
      `${a.sent} = ok ${a.ok} + http error ${a.http_error} + ` +
      (a.check_failed ? `check failed ${a.check_failed} + ` : "") +
      `failed ${a.failed} + timed out ${a.timed_out} + cancelled ${a.cancelled}`,
    ],
    ...(a.jobs.submitted > 0 || (s.config?.work_time_ms ?? 0) > 0
      ? [[
        "cpu jobs",
        `${a.jobs.submitted} (one per response) = done ${a.jobs.done} + failed ` +
        `${a.jobs.failed} + cancelled ${a.jobs.cancelled}` +
        (a.jobs.cancelled > 0 ? " (cancelled: not finished by the stop)" : ""),
      ] as [string, string]]
      : []),
    ["status", statuses],
    ["errors", errors],
    ...latencyRows(s, pct),
    ...(s.phases && s.connections !== undefined && (s.connections > 0 || s.phases.ttfb_us.max > 0)
      ? [[
        "connections",
        `${s.connections} opened; connect ${fmtPhase(s.phases.connect_us)}` +
        (s.phases.tls_us.max > 0 ? `, TLS ${fmtPhase(s.phases.tls_us)}` : "") +
        `; first byte ${fmtPhase(s.phases.ttfb_us)}`,
      ] as [string, string]]
      : []),
    [
      "pacer lateness",
      uncorrected(s) ? `none (${uncorrected(s)}: no pacer)` : us(s.pacer_lateness_us),
    ],
    [
      "send lateness",
      us(s.send_lateness_us) +
      (s.send_lateness_after_warmup_us
        ? `  (after the first second: p99 ${fmtUs(s.send_lateness_after_warmup_us.p99)})`
        : ""),
    ],
    [
      "pacer",
      s.pacer
        ? `--precision ${s.pacer.precision}: ${s.pacer.batched_pct}% of ticks in batches, ` +
          `${s.pacer.cpu_pct}% of a core`
        : "none (closed loop)",
    ],
  ];
  const shards = s.shards ?? (s.shard ? [s.shard] : []);
  if (shards.length > 0) {
    const skews = shards.map((x) => x.start_skew_ms).filter((x) => x !== undefined);
    rows.push([
      "shards",
      `${shards.map((x) => `${x.index}/${x.count}`).join(", ")}` +
      (skews.length > 0 ? `; start skew at most ${Math.max(...skews.map(Math.abs))} ms` : ""),
    ]);
  }
  for (const [i, [name, n]] of Object.entries(s.names ?? {}).entries()) {
    const detail = [
      ...Object.entries(
        n.failed_status ?? Object.fromEntries(Object.entries(n.status).filter(([k]) => +k >= 400)),
      ).map(([k, v]) => `${k}: ${v}`),
      ...Object.entries(n.error_kinds).map(([k, v]) => `${k}: ${v}`),
      ...(n.check_failed ? [`check failed: ${n.check_failed}`] : []),
    ].join(", ");
    const errors = n.errors === 0 ? "no errors" : `${n.errors} errors (${detail})`;
    const lat = n.corrected_latency_ms.max > 0
      ? `p50 ${fmtMs(n.corrected_latency_ms.p50)}  p99 ${fmtMs(n.corrected_latency_ms.p99)}`
      : "-";
    rows.push([
      i === 0 ? "by name" : "",
      `${name}: sent ${n.sent} of ${n.scheduled}, ok ${n.ok}, ${errors}; corrected ${lat}`,
    ]);
  }
  if (s.bottleneck) rows.push(["bottleneck", s.bottleneck.advice]);
  for (const [i, t] of (s.thresholds ?? []).entries()) {
    rows.push([
      i === 0 ? "thresholds" : "",
      `${t.pass ? "pass" : "FAIL"}  ${t.threshold}  (measured ${t.value}${t.unit})`,
    ]);
  }
  const w = Math.max(...rows.map((r) => r[0].length));
  return ["", "Summary", ...rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`)].join("\n");
}
