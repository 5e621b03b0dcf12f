/**
 * What `run` says around a run besides its stats: the CPU work a run asks of this machine when the
 * user left `--work-time` at its default, whether the run measured anything at all, and the exit
 * code of an interrupted run.
 *
 * @module
 */

import { type Summary, unreachable } from "../results/mod.ts";
import type { RunConfig } from "../client/run.ts";

/** Exit code of a run stopped by Ctrl-C before its planned end, or killed (128 + SIGINT). */
export const INTERRUPTED = 130;

/**
 * The CPU jobs' demand on this machine, for the start line: the cores' worth of work the jobs need
 * at the asked rate; and, when `--work-time` was left at its default against a `--url` and that is
 * more than the machine has, a notice (the user is about to measure their own client).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const c = { workTimeMs: 200, workKind: "cpu", rate: 60, workers: 8 } as never;
 * const n = workTimeNotes(c, ["--url", "http://x/"], 2);
 * assert.equal(n.demand, "8 workers x 200ms cpu work (the default: 12 cores' worth at 60/s)");
 * assert.match(n.notice!, /more than the 2 cores here/);
 * assert.equal(workTimeNotes(c, ["--work-time", "0.2"], 2).notice, undefined);
 * ```
 */
export function workTimeNotes(
  config: Pick<RunConfig, "workTimeMs" | "workKind" | "rate" | "workers">,
  args: readonly string[],
  cores: number,
): { demand: string; notice?: string } {
  if (config.workTimeMs <= 0) return { demand: "no CPU work" };
  const byDefault = !args.some((a) => /^--work-time(=|$)/.test(a));
  const base = `${config.workers} workers x ${config.workTimeMs}ms ${config.workKind} work`;
  if (config.workKind !== "cpu" || config.rate === 0) {
    return { demand: base + (byDefault ? " (the default)" : "") };
  }
  const need = Math.round((config.rate * config.workTimeMs) / 100) / 10;
  const demand = `${base} (${byDefault ? "the default: " : ""}${need} cores' worth at ` +
    `${config.rate}/s)`;
  const url = args.some((a) => /^--url(=|$)/.test(a));
  if (!byDefault || !url || need <= cores) return { demand };
  return {
    demand,
    notice: `each response gets ${config.workTimeMs}ms of CPU work by default (the source ` +
      `demo's), ${need} cores' worth at ${config.rate}/s: more than the ${cores} cores here, so ` +
      "the client's own jobs will limit this run, not the target; --work-time 0 sends pure " +
      "HTTP load",
  };
}

/**
 * Why a run measured nothing, when no request got a response (every one refused, unresolved or
 * failed before an answer); undefined when something was measured, or nothing was sent.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const s = { url: "http://127.0.0.1:1/", status: {}, error_kinds: { refused: 9 }, requests: { sent: 9 } };
 * assert.match(nothingMeasured(s as never)!, /^no response came back from http:\/\/127.0.0.1:1\/ \(refused: 9\)/);
 * ```
 */
export function nothingMeasured(s: Summary): string | undefined {
  if (s.requests.sent === 0 || Object.keys(s.status).length > 0) return undefined;
  const kinds = Object.entries(s.error_kinds).map(([k, v]) => `${k}: ${v}`).join(", ");
  return `no response came back from ${s.url} (${kinds || "none ended"}); nothing was measured: ` +
    unreachable(s.error_kinds as Record<string, number>);
}
