/**
 * What the verdict reads (its input), and the small judgements it is made of: a queue at the
 * target, what to check when nothing answered, the closed model's load by design.
 *
 * @module
 */

import type { Bottleneck, Evidence } from "./records.ts";

/** What a verdict reads: the run's settings and what it measured. */
export interface VerdictInput {
  /** Closed loop: no rate asked for. */
  closedLoop: boolean;
  /** The mean rate asked for over the run, /s (0 in closed loop). */
  askedRate: number;
  /** Requests sent per second. */
  sentRate: number;
  /** Requests whose work completed per second (the CPU job's, or the response's). */
  donePerS: number;
  sent: number;
  /** Statuses ≥ 400 and error kinds, with their counts (`{"503": 40, "timeout": 2}`). */
  failures: Record<string, number>;
  /** Responses with a status (any). */
  answered: number;
  /** Mean service time of the responses, ms (0 when none). */
  latencyMeanMs: number;
  /** Consumers at the end. */
  consumers: number;
  /** Whether `--consumers` fixed them (else they grow up to `maxConsumers`). */
  consumersFixed: boolean;
  maxConsumers?: number;
  /** Virtual users (the closed model): `--vus N`, or the most a plan (`plan`) had. */
  vus?: { peak: number; plan: boolean };
  /** Whether the rate came from a plan (`--stages` in requests/s): `--rate` does not set it. */
  ratePlan?: boolean;
  workers: number;
  workTimeMs: number;
  workKind: "cpu" | "sleep";
  /** CPU cores of this machine. */
  cores: number;
  /** The adaptive controller's final rate and its ceiling, when one ran. */
  adaptiveRate?: number;
  ceiling?: number;
  /** Send and pacer lateness p99, µs. */
  sendLatenessP99Us: number;
  pacerLatenessP99Us: number;
  /** Ticks not sent because the queue was full. */
  queueFull: number;
  /** How the run stopped (`signal`, `control`: the user). */
  stoppedBy: string;
  /** Whether the user's second stop cancelled what was in flight. */
  killed: boolean;
  evidence?: Evidence;
}

export const r1 = (x: number) => Math.round(x * 10) / 10;
export const pct = (x: number) => `${r1(x * 100)}%`;

/** What to check when nothing answered, from how the requests failed. */
export function unreachable(kinds: Record<string, number>): string {
  if (kinds.tls) return "the TLS handshake failed: see the 'tls:' line above (--cacert, the name)";
  if (kinds.dns) return "its name does not resolve: check the URL's host (or use --connect-to)";
  if (kinds.timeout && !kinds.refused) return "it never answered within --timeout";
  if (kinds.refused) return "nothing accepts connections there: is it running at that URL?";
  return "see the error line above";
}

/** A queue built at the target: its latency climbed well past its first responses'. */
export function queueing(m: VerdictInput): { from: number; to: number } | undefined {
  const from = m.evidence?.early_latency_ms, to = m.evidence?.tail.latency_p50_ms;
  if (from == null || to == null) return undefined;
  return to > Math.max(3 * from, from + 5) ? { from, to } : undefined;
}

/**
 * Virtual users set the load by design: N VUs at L ms a request make N / L requests/s (Little's
 * law); a plan's VUs varied, so what they kept in flight on average is sent/s x L.
 */
export function byDesign(m: VerdictInput, vus: { peak: number; plan: boolean }): Bottleneck {
  const l = r1(m.latencyMeanMs);
  const who = vus.plan
    ? `the plan's VUs (at most ${vus.peak}; ${r1((m.sentRate * m.latencyMeanMs) / 1000)} busy ` +
      "on average)"
    : `${vus.peak} VU${vus.peak === 1 ? "" : "s"}`;
  return {
    stage: "consumers",
    flag: vus.plan ? "--stages" : "--vus",
    figure: `${who} at ${l} ms a request make ${r1(m.sentRate)}/s (Little's law)`,
    advice: `the virtual users, by design (a closed model): ${who} at ${l} ms a request make ` +
      `${r1(m.sentRate)}/s`,
  };
}

/**
 * The flag that lowers the rate, and the advice in words: a rate plan's stages, or `--rate`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(lowerRate({ ratePlan: true }).flag, "--stages");
 * assert.equal(lowerRate({}).flag, "--rate");
 * ```
 */
export function lowerRate(m: Pick<VerdictInput, "ratePlan">): { flag: string; advice: string } {
  return m.ratePlan
    ? { flag: "--stages", advice: "lower the plan's rates (--stages)" }
    : { flag: "--rate", advice: "lower --rate, or let --adaptive find what it sustains" };
}
