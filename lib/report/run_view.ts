/**
 * A run as `report` shows it, from its parts (see `runs.ts`): one summary with the run's own
 * figures (a part's own summary, or the shards' exact merge with their pacer and verdict), the
 * merge that windowed thresholds read, and its intervals as one run's (shards' intervals added
 * up, aligned on the run's start).
 *
 * @module
 */

import {
  decodeHistogram,
  encodeHistogram,
  type Histogram,
  newHistogram,
  percentilesMs,
} from "../histogram.ts";
import {
  addCounters,
  type Bottleneck,
  type ControlEvent,
  type IntervalRecord,
  type Merged,
  mergeResults,
  type NameCounts,
  type NameRecord,
  type Summary,
} from "../results/mod.ts";
import type { RunGroup, RunPart } from "./runs.ts";

/** A run, ready to print, judge and draw. */
export interface RunView {
  name: string;
  /** The run's own summary: what the table, `--json` and the page show. */
  summary: Summary;
  /** The exact merge of its parts (the whole-run figures and the seconds thresholds judge). */
  merged: Merged;
  /** Its intervals and run-time commands, as one run's (t: seconds since its start). */
  intervals: IntervalRecord[];
  events: ControlEvent[];
  parts: RunPart[];
}

const r1 = (x: number) => Math.round(x * 10) / 10;

/**
 * The view of a run: a single part's summary as it is; shards merged, with the most loaded
 * shard's pacer, and a verdict (the first shard limited by something, or none).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readResults } from "../results/mod.ts";
 * import { partsOf } from "./runs.ts";
 * const text = await Deno.readTextFile(new URL("../../tests/fixtures/results.ndjson", import.meta.url));
 * const parts = partsOf("a", readResults(text, "a"));
 * const view = runView({ name: "a", parts });
 * assert.equal(view.summary.pacer?.precision, "auto");
 * assert.equal(view.intervals.length, parts[0]!.intervals.length);
 * ```
 */
export function runView(group: RunGroup): RunView {
  const { parts } = group;
  const merged = mergeResults(
    parts.map((p) => ({ summaries: [p.summary], intervals: p.intervals, events: p.events })),
  );
  if (parts.length === 1) {
    const p = parts[0]!;
    const { thresholds: _, ...own } = p.summary;
    return {
      name: group.name,
      summary: own,
      merged,
      intervals: p.intervals,
      events: p.events,
      parts,
    };
  }
  const summary: Summary = { ...merged.summary };
  const pacers = parts.map((p) => p.summary.pacer).filter((x) => x !== null && x !== undefined);
  if (pacers.length > 0) summary.pacer = pacers.reduce((a, b) => (b.cpu_pct > a.cpu_pct ? b : a));
  const bottleneck = shardsVerdict(parts, summary);
  if (bottleneck) summary.bottleneck = bottleneck;
  const commands = [...new Set(parts.map((p) => p.summary.command).filter((c) => c))];
  if (commands.length > 0) summary.command = commands.join(" | ");
  const start = summary.t_unix_ms ?? 0;
  const events = parts.flatMap((p) => {
    const offset = ((p.summary.t_unix_ms ?? start) - start) / 1000;
    return p.events.map((e) => ({ ...e, t: Math.round((e.t + offset) * 1000) / 1000 }));
  }).sort((a, b) => a.t - b.t);
  return { name: group.name, summary, merged, intervals: addIntervals(parts), events, parts };
}

/** The verdict on a merge of parts: the first one limited by something, or none. */
function shardsVerdict(parts: RunPart[], s: Summary): Bottleneck | undefined {
  const limited = parts.find((p) => p.summary.bottleneck && p.summary.bottleneck.stage !== "none");
  if (limited) {
    const b = limited.summary.bottleneck!;
    const shard = limited.summary.shard;
    const who = shard ? `shard ${shard.index}/${shard.count}` : limited.file;
    return { ...b, figure: `${who}: ${b.figure}`, advice: `${who}: ${b.advice}` };
  }
  if (!parts.every((p) => p.summary.bottleneck)) return undefined;
  const figure = `${r1(s.achieved_rate)}/s of ${s.target_rate}/s, ${s.errors} errors`;
  return {
    stage: "none",
    figure,
    advice: `none: every part met its rate (${r1(s.achieved_rate)}/s of ${s.target_rate}/s ` +
      `together, ${s.errors === 0 ? "no errors" : `${s.errors} errors`})`,
  };
}

/**
 * The intervals of parts that ran side by side, added up as one run's: each interval placed on
 * the run's time line (seconds since the first part's start) and those that end in the same
 * interval added (rates and counts summed, gauges of each part's last interval summed, latency
 * percentiles from the added histograms where every record has them, else the worst).
 */
export function addIntervals(parts: RunPart[]): IntervalRecord[] {
  const starts = parts.map((p) => p.summary.t_unix_ms).filter((t) => t !== undefined);
  const start = starts.length > 0 ? Math.min(...starts) : 0;
  const step = Math.max(1e-3, ...parts.flatMap((p) => p.intervals.map((i) => i.interval_s)));
  const buckets = new Map<number, { part: number; r: IntervalRecord; t: number }[]>();
  parts.forEach((p, part) => {
    const offset = ((p.summary.t_unix_ms ?? start) - start) / 1000;
    for (const r of p.intervals) {
      const t = r.t + offset;
      const key = Math.max(1, Math.round(t / step));
      let b = buckets.get(key);
      if (!b) buckets.set(key, b = []);
      b.push({ part, r, t });
    }
  });
  return [...buckets.entries()].sort((a, b) => a[0] - b[0]).map(([, b]) => addBucket(b));
}

/** The intervals that end in one interval of the run's time line, added; it ends at the last. */
function addBucket(bucket: { part: number; r: IntervalRecord; t: number }[]): IntervalRecord {
  const t = Math.max(...bucket.map((x) => x.t));
  const rs = bucket.map((x) => x.r);
  const byPart = new Map<number, IntervalRecord[]>();
  for (const { part, r } of bucket) byPart.set(part, [...(byPart.get(part) ?? []), r]);
  const lasts = [...byPart.values()].map((l) => l.at(-1)!);
  const secs = Math.max(
    1e-9,
    ...[...byPart.values()].map((l) => l.reduce((a, r) => a + r.interval_s, 0)),
  );
  const rate = (f: (r: IntervalRecord) => number) =>
    r1(rs.reduce((a, r) => a + f(r) * r.interval_s, 0) / secs);
  const sum = (f: (r: IntervalRecord) => number) => lasts.reduce((a, r) => a + f(r), 0);
  type Quad = IntervalRecord["latency_ms"];
  const worst = (f: (r: IntervalRecord) => Quad): Quad => ({
    p50: Math.max(...rs.map((r) => f(r).p50)),
    p90: Math.max(...rs.map((r) => f(r).p90)),
    p99: Math.max(...rs.map((r) => f(r).p99)),
    max: Math.max(...rs.map((r) => f(r).max)),
  });
  const exact = rs.every((r) => r.histograms);
  const added = (k: "latency_us" | "corrected_latency_us"): Histogram => {
    const h = newHistogram();
    for (const r of rs) h.add(decodeHistogram(r.histograms![k]));
    return h;
  };
  const latency = exact ? added("latency_us") : undefined;
  const corrected = exact ? added("corrected_latency_us") : undefined;
  const jobs = lasts.map((r) => r.jobs_queued).filter((j) => j !== null);
  const names = addNames(rs);
  return {
    type: "interval",
    t: Math.round(t * 1000) / 1000,
    interval_s: Math.round(secs * 1000) / 1000,
    api_per_s: rate((r) => r.api_per_s),
    asked_per_s: rs.some((r) => typeof r.asked_per_s === "number")
      ? rate((r) => r.asked_per_s ?? 0)
      : null,
    done_per_s: rate((r) => r.done_per_s),
    rate: rate((r) => r.rate),
    queue: sum((r) => r.queue),
    in_flight: sum((r) => r.in_flight),
    consumers: sum((r) => r.consumers),
    jobs_queued: jobs.length > 0 ? jobs.reduce((a, j) => a + j, 0) : null,
    latency_ms: latency ? percentilesMs(latency) : worst((r) => r.latency_ms),
    corrected_ms: corrected ? percentilesMs(corrected) : worst((r) => r.corrected_ms),
    pacer_lateness_us: worst((r) => r.pacer_lateness_us),
    send_lateness_us: worst((r) => r.send_lateness_us),
    errors: rs.reduce((a, r) => a + r.errors, 0),
    status: rs.reduce((a, r) => addCounters(a, r.status), {} as Record<string, number>),
    error_kinds: rs.reduce(
      (a, r) => addCounters(a, r.error_kinds as Record<string, number>),
      {} as Record<string, number>,
    ),
    accounting: lasts.slice(1).reduce((a, r) => addCounters(a, r.accounting), lasts[0]!.accounting),
    ...(names ? { names } : {}),
    ...(latency && corrected
      ? {
        histograms: {
          latency_us: encodeHistogram(latency),
          corrected_latency_us: encodeHistogram(corrected),
        },
      }
      : {}),
  };
}

/**
 * The names of intervals added up: counts summed, the corrected latency from the added
 * histograms where every record of the name has one (else the worst), service time the worst.
 */
function addNames(rs: IntervalRecord[]): Record<string, NameRecord> | undefined {
  const byName = new Map<string, NameRecord[]>();
  for (const r of rs) {
    for (const [name, n] of Object.entries(r.names ?? {})) {
      byName.set(name, [...(byName.get(name) ?? []), n]);
    }
  }
  if (byName.size === 0) return undefined;
  type Quad = NameRecord["latency_ms"];
  const worst = (list: Quad[]): Quad => ({
    p50: Math.max(...list.map((q) => q.p50)),
    p90: Math.max(...list.map((q) => q.p90)),
    p99: Math.max(...list.map((q) => q.p99)),
    max: Math.max(...list.map((q) => q.max)),
  });
  return Object.fromEntries([...byName].map(([name, list]) => {
    const counts = list.reduce((a, n) => {
      const { latency_ms: _, corrected_ms: __, corrected_latency_us: ___, ...c } = n;
      return addCounters(a, c);
    }, {} as NameCounts);
    let corrected: Histogram | undefined;
    if (list.every((n) => n.corrected_latency_us !== undefined)) {
      corrected = newHistogram();
      for (const n of list) corrected.add(decodeHistogram(n.corrected_latency_us!));
    }
    const record: NameRecord = {
      ...counts,
      latency_ms: worst(list.map((n) => n.latency_ms)),
      corrected_ms: corrected ? percentilesMs(corrected) : worst(list.map((n) => n.corrected_ms)),
      ...(corrected ? { corrected_latency_us: encodeHistogram(corrected) } : {}),
    };
    return [name, record];
  }));
}
