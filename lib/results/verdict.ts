/**
 * The verdict at the end of a run: which stage limited it, from what was measured, with the flag
 * to change (only one that would help) and the figure behind it (the source demo's tuning guide,
 * automated). Pure: data in, data out; the reporters print it.
 *
 * Checked in order: nothing measured (it cannot tell); CPU jobs that need more cores than the
 * machine has (they starve everything on it, a target there included); answers that say the
 * request is wrong (4xx: about the request, never the rate); the target (overload failures, a
 * rate `--adaptive` settled at, or a queue that built at it: fewer answers than requests, and a
 * latency that climbed from its first responses); the CPU-job pool; the consumers (busy, with a
 * flat latency); the client itself (it could not issue the rate); or none. "Asked" is what the
 * run asked for over its time (a plan's integral, or the rate as set), in every mode.
 *
 * @module
 */

import type { Bottleneck } from "./records.ts";
import { classifyFailures, requestAdvice } from "./failures.ts";
import {
  byDesign,
  lowerRate,
  pct,
  queueing,
  r1,
  unreachable,
  type VerdictInput,
} from "./verdict_parts.ts";

export { unreachable, type VerdictInput } from "./verdict_parts.ts";

/** Send lateness p99 past which a run that met its rate on average was still late, µs. */
const LATE_US = 100_000;

/**
 * The verdict on a run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const v = verdict({
 *   closedLoop: false, askedRate: 60, sentRate: 31, donePerS: 10, sent: 310, failures: {},
 *   answered: 310, latencyMeanMs: 22, consumers: 8, consumersFixed: true, workers: 8,
 *   workTimeMs: 200, workKind: "cpu", cores: 2, sendLatenessP99Us: 2e6, pacerLatenessP99Us: 100,
 *   queueFull: 0, stoppedBy: "duration", killed: false,
 * });
 * assert.equal(v.stage, "cpu_jobs");
 * assert.equal(v.flag, "--work-time");
 * ```
 */
export function verdict(m: VerdictInput): Bottleneck {
  const rate = m.closedLoop ? m.sentRate : m.askedRate;
  const f = classifyFailures(m.failures);
  const byUser = m.stoppedBy === "signal" || m.stoppedBy === "control";
  const stopNote = m.killed && f.cancelled > 0
    ? ` (${f.cancelled} in flight were cancelled by your stop, not counted against the target)`
    : "";
  if (m.sent === 0) {
    return {
      stage: "unknown",
      figure: "nothing was sent",
      advice: `cannot tell: nothing was sent${byUser ? " before you stopped it" : ""}`,
    };
  }
  const failed = f.overload + f.request + f.other + f.check;
  if (m.answered === 0 && failed === 0 && f.cancelled > 0) {
    return {
      stage: "unknown",
      figure: `no response came back before the stop (${f.cancelled} cancelled)`,
      advice: `cannot tell: no response came back before ${
        byUser ? "you stopped it" : "the run stopped"
      } (${f.cancelled} in flight were cancelled)`,
    };
  }
  if (m.answered === 0 && failed > 0) {
    const detail = [f.overloadDetail, f.otherDetail].filter(Boolean).join(", ");
    return {
      stage: "target",
      figure: `no response came back (${detail})`,
      advice: `the target: no request got a response (${detail}); ${unreachable(m.failures)}`,
    };
  }
  // CPU jobs past the cores starve the whole machine (a target on it too): they come first.
  const parallel = m.workKind === "cpu" ? Math.min(m.workers, m.cores) : m.workers;
  const jobCapacity = m.workTimeMs > 0 ? parallel / (m.workTimeMs / 1000) : Infinity;
  const coresNeeded = (rate * m.workTimeMs) / 1000;
  const jobs = () => {
    const why = m.workKind === "cpu" && m.workers > m.cores
      ? ` (${m.workers} Workers on ${m.cores} cores do ${m.cores} cores' worth: more --workers ` +
        "will not help)"
      : "";
    const starve = m.workKind === "cpu" && coresNeeded > m.cores && failed > 0
      ? `; they need ${r1(coresNeeded)} cores of ${m.cores}, so a target on this machine ` +
        `starves too (${pct(failed / m.sent)} failed)`
      : "";
    const cpuBound = m.workKind === "cpu" && m.workers >= m.cores;
    return {
      stage: "cpu_jobs" as const,
      flag: cpuBound ? "--work-time" : "--workers",
      figure: `${m.workers} Workers x ${m.workTimeMs} ms of ${m.workKind} finish at most ` +
        `${r1(jobCapacity)}/s; done ${r1(m.donePerS)}/s of ${r1(rate)}/s`,
      advice: `the CPU jobs: ${m.workers} Workers x ${m.workTimeMs} ms finish at most ` +
        `${r1(jobCapacity)}/s, below ${r1(rate)}/s${why}${starve}; lower --work-time or --rate` +
        (cpuBound ? "" : ", or add --workers"),
    };
  };
  if (m.workKind === "cpu" && m.workTimeMs > 0 && coresNeeded > m.cores) return jobs();
  const share = (n: number) => n / m.sent;
  if (share(f.request) > 0.01) {
    const a = requestAdvice(f.requestDetail);
    return {
      stage: "request",
      ...(a.flag ? { flag: a.flag } : {}),
      figure: `${pct(share(f.request))} of requests were refused (${f.requestDetail})`,
      advice: `the request: ${pct(share(f.request))} were answered ${f.requestDetail}; ` +
        `${a.advice}; a lower rate would not change it`,
    };
  }
  if (share(f.overload) > 0.01) {
    return {
      stage: "target",
      flag: m.vus ? (m.vus.plan ? "--stages" : "--vus") : lowerRate(m).flag,
      figure: `${pct(share(f.overload))} of requests failed (${f.overloadDetail})`,
      advice: `the target: ${pct(share(f.overload))} of requests failed ` +
        `(${f.overloadDetail})${stopNote}; ` +
        (m.vus ? "fewer virtual users" : lowerRate(m).advice),
    };
  }
  if (share(f.check) > 0.01) {
    return {
      stage: "target",
      figure: `${pct(share(f.check))} of responses failed their checks`,
      advice: `the answers: ${pct(share(f.check))} of responses failed their targets' checks ` +
        "(see 'checks' by name); the target answered, not with what the checks expect: look at " +
        "one of its answers",
    };
  }
  if (share(f.other) > 0.01) {
    return {
      stage: "target",
      figure: `${pct(share(f.other))} of requests failed (${f.otherDetail})`,
      advice: `the target: ${pct(share(f.other))} of requests failed (${f.otherDetail}); ` +
        "see its logs (errors that are not overload: a lower rate may not help)",
    };
  }
  const adaptive = m.adaptiveRate !== undefined;
  const ceiling = m.ceiling ?? m.askedRate;
  const tail = m.evidence?.tail;
  const busy = tail ? tail.busy_pct >= 90 || tail.queue >= 1 : false;
  const littles = m.latencyMeanMs > 0 ? m.consumers / (m.latencyMeanMs / 1000) : Infinity;
  const littlesFigure = `${m.consumers} consumers at ${r1(m.latencyMeanMs)} ms a request carry ` +
    `at most ${r1(littles)}/s (Little's law)`;
  if (adaptive && m.adaptiveRate! < 0.95 * ceiling) {
    // A limit inside the client caps what --adaptive can find: the CPU jobs at their capacity,
    // or fixed consumers whose Little's-law ceiling is where it settled. Name it, not the target.
    if (m.workTimeMs > 0 && m.donePerS >= 0.85 * jobCapacity) return jobs();
    if (m.consumersFixed && littles <= 1.3 * m.adaptiveRate!) {
      return {
        stage: "consumers",
        flag: "--consumers",
        figure: littlesFigure,
        advice: `the consumers: --adaptive settled at ${r1(m.adaptiveRate!)}/s, where ` +
          `${m.consumers} consumers at ${r1(m.latencyMeanMs)} ms a request carry at most ` +
          `${r1(littles)}/s; raise --consumers (or leave it unset) to see the target's limit`,
      };
    }
    return {
      stage: "target",
      flag: lowerRate(m).flag,
      figure: `--adaptive settled at ${r1(m.adaptiveRate!)}/s of ${r1(ceiling)}/s`,
      advice: `the target: it sustains about ${r1(m.adaptiveRate!)}/s ` +
        `(--adaptive settled there, below ${r1(ceiling)}/s)`,
    };
  }
  const q = queueing(m);
  // The target fell behind: fewer answers than requests in the steady state, its latency up.
  if (q && tail && tail.seconds > 0 && tail.answered < 0.9 * tail.sent) {
    const answered = tail.answered / tail.seconds;
    return {
      stage: "target",
      flag: lowerRate(m).flag,
      figure: `answered ${r1(answered)}/s of ${r1(tail.sent / tail.seconds)}/s sent; latency ` +
        `${q.from} ms → ${q.to} ms`,
      advice:
        `the target: it answered ${r1(answered)}/s of the ${
          r1(tail.sent / tail.seconds)
        }/s sent in the run's second half, its latency climbing from ${q.from} ms to ${q.to} ms ` +
        `as requests queued at it; ${lowerRate(m).advice}`,
    };
  }
  if (m.workTimeMs > 0 && (jobCapacity < 0.95 * rate || m.donePerS < 0.9 * m.sentRate)) {
    return jobs();
  }
  const short = !m.closedLoop && m.sentRate < 0.95 * m.askedRate &&
    (!adaptive || m.sendLatenessP99Us > 10_000);
  if (m.vus && m.latencyMeanMs > 0) return byDesign(m, m.vus);
  if (m.closedLoop && m.latencyMeanMs > 0) {
    return {
      stage: "consumers",
      flag: "--consumers",
      figure: littlesFigure,
      advice: `the consumers, by design in closed loop: ${m.consumers} at ` +
        `${r1(m.latencyMeanMs)} ms a request make ${r1(m.sentRate)}/s`,
    };
  }
  if (short && (busy || m.queueFull > 0 || littles < 1.05 * m.askedRate)) {
    if (q) {
      return {
        stage: "target",
        flag: lowerRate(m).flag,
        figure: `${m.consumers} consumers kept busy; latency ${q.from} ms → ${q.to} ms`,
        advice: `the target: ${m.consumers} consumers stayed busy while its latency climbed ` +
          `from ${q.from} ms to ${q.to} ms (a queue at the target): it serves about ` +
          `${r1(m.sentRate)}/s, and more --consumers would lengthen its queue, not raise the ` +
          `rate; ${lowerRate(m).advice}`,
      };
    }
    const atCeiling = !m.consumersFixed && m.maxConsumers !== undefined &&
      m.consumers >= m.maxConsumers;
    return {
      stage: "consumers",
      ...(m.consumersFixed || atCeiling ? { flag: "--consumers" } : {}),
      figure: littlesFigure,
      // The mean latency can understate the end of a ramp: say "below" only when it is.
      advice: `the consumers: ${m.consumers} at ${r1(m.latencyMeanMs)} ms a request ` +
        (littles < m.askedRate
          ? `carry at most ${r1(littles)}/s, below ${r1(m.askedRate)}/s; `
          : `(the run's mean) carry ${r1(littles)}/s, yet they stayed busy with ticks waiting; `) +
        (m.consumersFixed
          ? "raise --consumers (or leave it unset)"
          : atCeiling
          ? `they reached their ceiling (${m.maxConsumers}, from the open-file limit): raise ` +
            "ulimit -n, or split the load in shards"
          : "they were still growing: run longer"),
    };
  }
  if (short) {
    return {
      stage: "client",
      flag: "--precision",
      figure: `${r1(m.sentRate)}/s of ${r1(m.askedRate)}/s asked; pacer lateness p99 ` +
        `${r1(m.pacerLatenessP99Us / 1000)} ms, send lateness p99 ` +
        `${r1(m.sendLatenessP99Us / 1000)} ms`,
      advice: `the client itself: it sent ${r1(m.sentRate)}/s of the ${r1(m.askedRate)}/s ` +
        `asked, with its consumers idle (send lateness p99 ${
          r1(m.sendLatenessP99Us / 1000)
        } ms); give it a core (--precision coarse spends least), or split the load in shards`,
    };
  }
  // The rate met on average, but late: the sends bunched to catch up, and the corrected
  // latency carries the client's own lateness.
  if (!m.closedLoop && !m.vus && m.sendLatenessP99Us > LATE_US) {
    const allBusy = (m.evidence?.tail.busy_pct ?? 0) >= 90;
    return {
      stage: allBusy ? "consumers" : "client",
      flag: allBusy ? "--consumers" : "--precision",
      figure: `send lateness p99 ${r1(m.sendLatenessP99Us / 1000)} ms`,
      advice: `the client itself: it sent ${r1(m.sentRate)}/s of the ${r1(m.askedRate)}/s ` +
        `asked, but late (send lateness p99 ${r1(m.sendLatenessP99Us / 1000)} ms: its sends ` +
        "bunched to catch up, and the corrected latency carries that); " +
        (allBusy
          ? `its ${m.consumers} consumers were all busy: raise --consumers`
          : "give it a core (--precision coarse spends least), or split the load in shards"),
    };
  }
  const errors = failed === 0
    ? (f.cancelled > 0 ? `no errors but ${f.cancelled} cancelled by the stop` : "no errors")
    : `${failed} errors`;
  const stopped = byUser ? `; stopped by you${stopNote}` : "";
  if (adaptive) {
    return {
      stage: "none",
      figure: `--adaptive reached ${r1(m.adaptiveRate!)}/s of ${r1(ceiling)}/s, ${errors}`,
      advice: `none: --adaptive reached its ceiling, ${r1(ceiling)}/s (it sent ` +
        `${r1(m.sentRate)}/s on average, its ramp included)${stopped}; raise --rate to look higher`,
    };
  }
  return {
    stage: "none",
    figure: `${r1(m.sentRate)}/s of ${r1(m.askedRate)}/s asked, ${errors}`,
    advice: `none: the asked rate was met (${r1(m.sentRate)}/s of ${r1(m.askedRate)}/s, ` +
      `${errors})${stopped}`,
  };
}
