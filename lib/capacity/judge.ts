/**
 * A capacity step judged: what one step at a fixed rate measured ({@linkcode StepResult}), and
 * whether it met every objective ({@linkcode judgeStep}). A step that fails always says why, with
 * the value measured: each `--slo` missed, and the search's own two checks, that some response
 * came back and that the client sent at least 95% of the rate (and, when it did not, whether the
 * client or the target held it back).
 *
 * @module
 */

import type { Histogram } from "../histogram.ts";
import {
  measure,
  type Measured,
  meets,
  type StepRow,
  type Threshold,
  unitOf,
} from "../results/mod.ts";

/** What one step at a fixed rate measured (after its warm-up). */
export interface StepResult {
  /** The rate asked for, requests/s. */
  rate: number;
  /** The span measured, s. */
  seconds: number;
  sent: number;
  ok: number;
  /** Failed of every kind (HTTP ≥ 400, transport, timeouts). */
  errors: number;
  /** Corrected latency (from the schedule), µs. */
  latency: Histogram;
  /** Service time (from the send), µs: a latency objective it meets was missed in the client. */
  serviceLatency?: Histogram;
  /** Mean requests in flight over the step (Little's law: rate × mean latency). */
  inFlight: number;
  /** The client's own evidence: send lateness p99 (µs) and its CPU, % of one core. */
  sendLatenessP99Us: number;
  clientCpuPct: number;
  /** Requests answered, with any status (default: `ok + errors`, every error a status). */
  responses?: number;
  /** Errors by kind: an HTTP status ("503") or a transport failure ("refused", "timeout"). */
  errorKinds?: Record<string, number>;
  /** Mean consumers over the step, and whether `--consumers` fixed them (unknown: not judged). */
  consumers?: number;
  fixedConsumers?: boolean;
}

/**
 * One failure of a step, as its row keeps it: the objective missed (an `--slo`, or the search's
 * own `achieved>=95%` and `answered>0%`), the value measured (null: nothing to measure) in its
 * unit, and whose limit it shows: the target's, or the client's (it could not send the rate).
 */
export interface StepFailure {
  objective: string;
  measured: number | null;
  unit: "ms" | "%" | "/s";
  limit: "target" | "client";
}

/** The share of the rate asked that a step must send (the search's own check). */
export const MIN_ACHIEVED = 0.95;
/** Client CPU (% of one core) above which a shortfall is the client's. */
const CLIENT_CPU_BUSY = 90;

const r1 = (v: number) => Math.round(v * 10) / 10;
const r3 = (v: number) => Math.round(v * 1000) / 1000;

/**
 * A measured value as a reason prints it: whole from 100, one decimal from 10, then two; three
 * significant digits under 1.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual([212.4, 42.25, 4.217, 0.01234, 0].map(shown), [212, 42.3, 4.22, 0.0123, 0]);
 * ```
 */
export function shown(v: number): number {
  const a = Math.abs(v);
  if (a >= 100) return Math.round(v);
  if (a >= 10) return r1(v);
  if (a >= 1) return Math.round(v * 100) / 100;
  return Number(v.toPrecision(3));
}

/** Errors by kind, most first (at most three): `503: 118, timeout: 3`. */
function kindsText(kinds: Record<string, number> | undefined): string {
  const list = Object.entries(kinds ?? {}).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  return list.slice(0, 3).map(([k, n]) => `${k}: ${n}`).join(", ");
}

/**
 * Why a step sent less than it was asked: the client's limit (its CPU, its fixed consumers, or
 * late sends while the target met every objective), or the target's (its answers held the
 * consumers: it also failed an objective, or every consumer waited on it).
 */
function shortfall(
  step: StepResult,
  achieved: number,
  targetFailed: boolean,
): { text: string; by: StepFailure["limit"] } {
  const cpu = Number.isFinite(step.clientCpuPct) ? step.clientCpuPct : 0;
  const lateMs = r1(step.sendLatenessP99Us / 1000);
  const client = (why: string) => ({
    text: `the client could not send the rate (${why}): the client's limit, not the target's`,
    by: "client" as const,
  });
  if (step.sent === 0) return client("nothing was sent");
  if (cpu > CLIENT_CPU_BUSY) {
    return client(`its CPU at ${r1(cpu)}% of a core, sends ${lateMs} ms late at p99`);
  }
  const n = step.consumers === undefined ? undefined : Math.round(step.consumers);
  const allBusy = step.consumers !== undefined && step.inFlight >= 0.8 * step.consumers;
  const waited = n === undefined ? "" : ` (${r1(step.inFlight)} in flight, ${n} consumers)`;
  if (targetFailed) {
    return { text: `the sends waited on the target's answers${waited}`, by: "target" };
  }
  if (allBusy && step.fixedConsumers) {
    return client(
      `its ${n} consumers, fixed by --consumers, were all waiting on answers, ${
        r1(achieved)
      }/s at the ` +
        "target's latency: raise --consumers",
    );
  }
  if (allBusy) return { text: `every consumer was waiting on the target${waited}`, by: "target" };
  return client(
    `sends ${lateMs} ms late at p99` + (n === undefined ? "" : `, ${n} consumers`) +
      ", while the target met every objective",
  );
}

/**
 * Judges a step against the objectives: every failure named, with the value measured.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { newHistogram } from "../histogram.ts";
 * import { parseThreshold } from "../results/mod.ts";
 * const latency = newHistogram();
 * for (let i = 1; i <= 100; i++) latency.recordValue(i * 1000); // 1 to 100 ms
 * const step = { rate: 100, seconds: 1, sent: 100, ok: 100, errors: 0, latency, inFlight: 5,
 *   sendLatenessP99Us: 50, clientCpuPct: 3 };
 * assert.equal(judgeStep(step, [parseThreshold("p99<200ms")]).pass, true);
 * assert.deepEqual(judgeStep(step, [parseThreshold("p99<50ms")]).failed, [
 *   "p99<50ms (measured 99ms)",
 * ]);
 * ```
 */
export function judgeStep(step: StepResult, slos: Threshold[]): StepRow {
  const secs = Math.max(1e-9, step.seconds);
  const m: Measured = {
    latency: step.latency,
    sent: step.sent,
    errors: step.errors,
    seconds: secs,
    targetRate: step.rate,
  };
  const failed: string[] = [];
  const failures: StepFailure[] = [];
  const fail = (text: string, f: StepFailure) => {
    failed.push(text);
    failures.push(f);
  };
  const responses = step.responses ?? step.ok + step.errors;
  const kinds = kindsText(step.errorKinds);
  const answered = responses > 0;
  if (step.sent > 0 && !answered) {
    fail(
      `answered>0% (measured 0% of ${step.sent} sent${kinds ? `; ${kinds}` : ""}): ` +
        "no response came back",
      { objective: "answered>0%", measured: 0, unit: "%", limit: "target" },
    );
  }
  for (const slo of slos) {
    const unit = unitOf(slo.metric);
    const latencySlo = unit === "ms";
    // Latency over no response is not a measure: the failure above says why.
    if (latencySlo && step.latency.totalCount === 0) {
      if (answered || step.sent === 0) {
        fail(`${slo.text} (nothing measured: no latency recorded)`, {
          objective: slo.text,
          measured: null,
          unit,
          limit: "target",
        });
      }
      continue;
    }
    const value = measure(slo.metric, m);
    if (meets(slo, value)) continue;
    let extra = slo.metric === "errors" && kinds ? `; ${kinds}` : "";
    let limit: StepFailure["limit"] = "target";
    // Latency from the schedule, met by the target's own time: the wait was in the client.
    const service = latencySlo && step.serviceLatency?.totalCount
      ? measure(slo.metric, { ...m, latency: step.serviceLatency })
      : undefined;
    if (service !== undefined && meets(slo, service)) {
      limit = "client";
      extra = ` from the schedule; the target answered in ${shown(service)}ms: the wait was in ` +
        "the client, its limit, not the target's";
    }
    fail(`${slo.text} (measured ${shown(value)}${unit}${extra})`, {
      objective: slo.text,
      measured: r3(value),
      unit,
      limit,
    });
  }
  const achieved = step.sent / secs;
  if (achieved < MIN_ACHIEVED * step.rate) {
    const why = shortfall(step, achieved, failures.some((f) => f.limit === "target"));
    // Down, so that a shortfall never reads as the 95% it missed.
    const pct = step.rate > 0 ? Math.floor((1000 * achieved) / step.rate) / 10 : 0;
    fail(
      `achieved>=${MIN_ACHIEVED * 100}% (measured ${pct}%: sent ${shown(achieved)}/s ` +
        `of ${step.rate}/s)${why.text ? `: ${why.text}` : ""}`,
      {
        objective: `achieved>=${MIN_ACHIEVED * 100}%`,
        measured: r3(pct),
        unit: "%",
        limit: why.by,
      },
    );
  }
  const ms = (p: number) =>
    step.latency.totalCount === 0
      ? 0
      : r3(Math.min(step.latency.getValueAtPercentile(p), step.latency.maxValue) / 1000);
  const meanMs = step.latency.totalCount === 0 ? 0 : r3(step.latency.mean / 1000);
  return {
    rate: step.rate,
    achieved: r1(achieved),
    goodput: r1(step.ok / secs),
    p50_ms: ms(50),
    p99_ms: ms(99),
    mean_ms: meanMs,
    errors_pct: step.sent > 0 ? r3((100 * step.errors) / step.sent) : 0,
    pass: failed.length === 0,
    failed,
    in_flight: r1(step.inFlight),
    littles_law: r1((achieved * meanMs) / 1000),
    send_lateness_p99_us: Math.round(step.sendLatenessP99Us),
    client_cpu_pct: r1(step.clientCpuPct),
    failures,
    responses,
    ...(step.errorKinds ? { error_kinds: step.errorKinds } : {}),
    client_limited: failures.some((f) => f.limit === "client"),
  };
}
