/**
 * Which results make one run: `report` is given files, and each file holds one run's records or
 * more (a summary each, with its intervals and events by `run_id`). The parts of a run are merged
 * exactly; separate runs are shown side by side. Read automatically:
 *
 * - the records of one `run_id` are one run (the same run given twice is read once);
 * - shards (a summary with `shard: {index, count}`, from `run --shard` / `--shards`) are one run
 *   with the other shards of the same count, target and time (their spans overlap; each index
 *   once);
 * - anything else is a run of its own (two runs one after the other are two runs).
 *
 * `--as shards` merges everything into one run (what `report` did before it told runs apart);
 * `--as runs` makes every run its own, shards included.
 *
 * @module
 */

import type { ControlEvent, IntervalRecord, Results, Summary } from "../results/mod.ts";

/** How `report` reads its files: `auto` tells runs from shards; the others force one reading. */
export const READINGS = ["auto", "shards", "runs"] as const;
/** One of {@linkcode READINGS}. */
export type Reading = typeof READINGS[number];

/** One summary of a file, with its records: a run, or a shard of one. */
export interface RunPart {
  /** The file it came from, as given (`stdin` for `-`). */
  file: string;
  summary: Summary;
  intervals: IntervalRecord[];
  events: ControlEvent[];
}

/** A run as `report` shows it: its name and its parts (one, or the shards merged). */
export interface RunGroup {
  name: string;
  parts: RunPart[];
}

/**
 * The parts of one file's results: one per summary, with the intervals and events of its
 * `run_id` (all of them when the file holds one summary).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const s = (run_id: string) => ({ type: "summary", run_id }) as never;
 * const i = (run_id: string) => ({ type: "interval", run_id }) as never;
 * const parts = partsOf("f", { summaries: [s("a"), s("b")], intervals: [i("a"), i("b"), i("b")] });
 * assert.deepEqual(parts.map((p) => p.intervals.length), [1, 2]);
 * ```
 */
export function partsOf(file: string, results: Results): RunPart[] {
  const one = results.summaries.length === 1;
  return results.summaries.map((summary) => {
    const mine = (r: { run_id?: string }) => one || r.run_id === summary.run_id;
    return {
      file,
      summary,
      intervals: results.intervals.filter(mine),
      events: (results.events ?? []).filter(mine),
    };
  });
}

/** The span of a part, ms since the epoch: from its first tick to its stop. */
function spanOf(p: RunPart): [number, number] | undefined {
  const from = p.summary.t_unix_ms;
  return from === undefined ? undefined : [from, from + p.summary.duration_s * 1000];
}

/** Whether `p` is another shard of the run `group` holds. */
function shardOf(group: RunPart[], p: RunPart): boolean {
  const mine = p.summary.shard;
  if (!mine) return false;
  const span = spanOf(p);
  return group.every((q) => {
    const theirs = q.summary.shard;
    if (!theirs || theirs.count !== mine.count || theirs.index === mine.index) return false;
    if (q.summary.url !== p.summary.url) return false;
    const other = spanOf(q);
    // Shards run side by side: their spans overlap (without times, trust the fields).
    return !span || !other || (span[0] < other[1] && other[0] < span[1]);
  });
}

const baseName = (file: string) => file.split(/[\\/]/).at(-1) || file;

/**
 * The runs among `parts`, in the order first given, read as `reading` says (see the module's
 * doc), each named after its files: the file's name (the path where two files share it, the
 * `run_id`'s first 8 characters where a file holds several runs), shards by their first file and
 * how many more. `others`: the other files given (their names count where two files share one).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const part = (file: string, run_id: string, t: number, shard?: number) => ({
 *   file, intervals: [], events: [],
 *   summary: { type: "summary", run_id, url: "u", t_unix_ms: t, duration_s: 10,
 *     ...(shard === undefined ? {} : { shard: { index: shard, count: 2 } }) },
 * }) as never;
 * const two = [part("a.ndjson", "1", 0), part("b.ndjson", "2", 20_000)];
 * assert.deepEqual(groupRuns(two, "auto").map((g) => g.name), ["a.ndjson", "b.ndjson"]);
 * assert.equal(groupRuns(two, "shards").length, 1);
 * const shards = [part("s0.ndjson", "1", 0, 0), part("s1.ndjson", "2", 5, 1)];
 * assert.deepEqual(groupRuns(shards, "auto").map((g) => g.name), ["s0.ndjson +1 shard"]);
 * assert.equal(groupRuns(shards, "runs").length, 2);
 * ```
 */
export function groupRuns(
  parts: RunPart[],
  reading: Reading = "auto",
  others: string[] = [],
): RunGroup[] {
  let groups: RunPart[][];
  if (reading === "shards") groups = parts.length > 0 ? [parts] : [];
  else if (reading === "runs") groups = parts.map((p) => [p]);
  else {
    groups = [];
    const seen = new Set<string>();
    for (const p of parts) {
      const id = p.summary.run_id;
      // The same run given twice (its --json and its --out, say) is read once.
      if (id !== undefined && id !== "merged" && seen.has(id)) continue;
      if (id !== undefined) seen.add(id);
      const group = p.summary.shard ? groups.find((g) => shardOf(g, p)) : undefined;
      if (group) group.push(p);
      else groups.push([p]);
    }
  }
  return nameGroups(groups, others);
}

/**
 * What a file is called in a report: its name, or its path where another file has the same
 * name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const label = fileLabel(["x/a.ndjson", "y/a.ndjson", "y/b.ndjson"]);
 * assert.deepEqual(["x/a.ndjson", "y/b.ndjson"].map(label), ["x/a.ndjson", "b.ndjson"]);
 * ```
 */
export function fileLabel(files: string[]): (file: string) => string {
  const clash = (f: string) => files.some((g) => g !== f && baseName(g) === baseName(f));
  return (f) => clash(f) ? f : baseName(f);
}

/** Names the groups, each name unique. */
function nameGroups(groups: RunPart[][], others: string[]): RunGroup[] {
  const label = fileLabel([...new Set([...groups.flat().map((p) => p.file), ...others])]);
  // The runs each file holds.
  const perFile = new Map<string, Set<string | undefined>>();
  for (const p of groups.flat()) {
    perFile.set(p.file, (perFile.get(p.file) ?? new Set()).add(p.summary.run_id));
  }
  const taken = new Set<string>();
  return groups.map((parts) => {
    const first = parts[0]!;
    let name = label(first.file);
    if ((perFile.get(first.file)?.size ?? 0) > 1 && parts.length === 1 && first.summary.run_id) {
      name += ` (${first.summary.run_id.slice(0, 8)})`;
    }
    const more = parts.length - 1;
    if (more > 0) {
      name += ` +${more} ${first.summary.shard ? "shard" : "file"}${more > 1 ? "s" : ""}`;
    }
    let unique = name;
    for (let n = 2; taken.has(unique); n++) unique = `${name} #${n}`;
    taken.add(unique);
    return { name: unique, parts };
  });
}
