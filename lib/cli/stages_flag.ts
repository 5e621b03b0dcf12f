/**
 * `--stages`' syntax: comma-separated `DURATION:RATE` ramps and `FROM..TO/STEP@DURATION` steps,
 * read into the stages of a rate plan (`lib/client/pace/stages.ts`).
 *
 * @module
 */

import type { Stage } from "../client/pace/mod.ts";
import { parseDuration } from "../units.ts";

/** Why `--stages` could not be read: the message names the entry. */
export class StagesError extends Error {
  override name = "StagesError";
}

const rateOf = (text: string, entry: string): number => {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n < 0 || n > 10_000_000) {
    throw new StagesError(`'${entry}': rate "${text}" must be a number from 0 to 10000000`);
  }
  return n;
};

const durationOf = (text: string, entry: string): number => {
  const ms = parseDuration(text);
  if (ms === undefined || ms < 0) {
    throw new StagesError(`'${entry}': "${text}" is not a duration (30s, 2m, 500ms, 0s)`);
  }
  return ms;
};

/**
 * Reads `--stages`: comma-separated entries, each `DURATION:RATE` (ramp to RATE over DURATION;
 * `0s` jumps) or the step shorthand `FROM..TO/STEP@DURATION` (hold FROM for DURATION, jump by
 * STEP, hold, … up to TO).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseStages("30s:100,0s:500"), [
 *   { durationMs: 30_000, rate: 100 },
 *   { durationMs: 0, rate: 500 },
 * ]);
 * assert.deepEqual(parseStages("100..300/100@10s").map((s) => [s.durationMs, s.rate]), [
 *   [0, 100], [10_000, 100], [0, 200], [10_000, 200], [0, 300], [10_000, 300],
 * ]);
 * assert.throws(() => parseStages("30s"), StagesError);
 * ```
 */
export function parseStages(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const raw of text.split(",")) {
    const entry = raw.trim();
    const steps = /^([^.]+)\.\.([^/]+)\/([^@]+)@(.+)$/.exec(entry);
    if (steps) {
      const from = rateOf(steps[1]!, entry), to = rateOf(steps[2]!, entry);
      const step = rateOf(steps[3]!, entry), hold = durationOf(steps[4]!, entry);
      if (!(step > 0) || to < from) {
        throw new StagesError(`'${entry}': needs FROM <= TO and a STEP > 0`);
      }
      if ((to - from) / step > 10_000) throw new StagesError(`'${entry}': more than 10000 steps`);
      for (let r = from; r <= to + 1e-9; r += step) {
        stages.push({ durationMs: 0, rate: r }, { durationMs: hold, rate: r });
      }
      continue;
    }
    const colon = entry.lastIndexOf(":");
    if (colon <= 0) {
      throw new StagesError(`'${entry}': expected DURATION:RATE or FROM..TO/STEP@DURATION`);
    }
    stages.push({
      durationMs: durationOf(entry.slice(0, colon), entry),
      rate: rateOf(entry.slice(colon + 1), entry),
    });
  }
  if (stages.reduce((a, s) => a + s.durationMs, 0) <= 0) {
    throw new StagesError("the stages last no time: give at least one a duration");
  }
  return stages;
}
