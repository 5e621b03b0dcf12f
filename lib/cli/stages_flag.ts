/**
 * `--stages`' syntax: comma-separated `DURATION:RATE` ramps and `FROM..TO/STEP@DURATION` steps,
 * read into the stages of a rate plan (`lib/client/pace/stages.ts`), or, with `vu` after the
 * numbers (`5s:20vu`, `10..50vu/10@5s`), of a plan of virtual users
 * (`lib/client/dispatch/virtual_users.ts`).
 *
 * @module
 */

import type { Stage } from "../client/pace/mod.ts";
import type { VuStage } from "../client/dispatch/mod.ts";
import { parseDuration } from "../units.ts";

/** Why `--stages` could not be read: the message names the entry. */
export class StagesError extends Error {
  override name = "StagesError";
}

/** What the numbers of a plan are: requests/s, or virtual users (`vu` after them). */
type Unit = "rate" | "vu";

const numberOf = (text: string, entry: string, unit: Unit): number => {
  if (unit === "vu") {
    const n = Number(text.replace(/vus?$/i, ""));
    if (!/^\s*\d+(vus?)?\s*$/i.test(text) || n > MAX_VUS) {
      throw new StagesError(
        `'${entry}': VUs "${text}" must be a whole number from 0 to ${MAX_VUS} (as 20vu)`,
      );
    }
    return n;
  }
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

/** The most virtual users a plan may have (each is a connection). */
export const MAX_VUS = 10_000;

/** A `--stages` plan: of rates (requests/s), or of virtual users (`vu`). */
export type Plan = { unit: "rate"; stages: Stage[] } | { unit: "vu"; stages: VuStage[] };

/**
 * Reads `--stages` in either unit: entries whose numbers end in `vu` make a plan of virtual
 * users (whole numbers up to {@linkcode MAX_VUS}), others a rate plan; one plan has one unit.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(parsePlan("0s:2vu,2s:2vu,0s:8vu,2s:8vu"), {
 *   unit: "vu",
 *   stages: [
 *     { durationMs: 0, vus: 2 }, { durationMs: 2000, vus: 2 },
 *     { durationMs: 0, vus: 8 }, { durationMs: 2000, vus: 8 },
 *   ],
 * });
 * assert.deepEqual(parsePlan("10..20vu/10@5s").stages, [
 *   { durationMs: 0, vus: 10 }, { durationMs: 5000, vus: 10 },
 *   { durationMs: 0, vus: 20 }, { durationMs: 5000, vus: 20 },
 * ]);
 * assert.equal(parsePlan("30s:100").unit, "rate");
 * assert.throws(() => parsePlan("5s:10vu,5s:100"), StagesError); // mixed units
 * ```
 */
export function parsePlan(text: string): Plan {
  const entries = text.split(",").map((e) => e.trim());
  const inVus = entries.map((e) => /\dvus?\b/i.test(e));
  const first = inVus.indexOf(true);
  if (first < 0) return { unit: "rate", stages: read(entries, "rate") };
  const rated = inVus.indexOf(false);
  if (rated >= 0) {
    throw new StagesError(
      `'${entries[rated]}' is a rate and '${entries[first]}' is in VUs: a plan is all rates or ` +
        "all virtual users (give every entry its vu)",
    );
  }
  const stages = read(entries, "vu");
  if (!stages.some((s) => s.rate > 0)) {
    throw new StagesError("the plan never has a VU: give a stage more than 0vu");
  }
  return { unit: "vu", stages: stages.map((s) => ({ durationMs: s.durationMs, vus: s.rate })) };
}

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
  return read(text.split(","), "rate");
}

/** The stages of a plan's entries, its numbers in `unit`. */
function read(entries: string[], unit: Unit): Stage[] {
  const stages: Stage[] = [];
  const what = unit === "vu" ? "VUS" : "RATE";
  for (const raw of entries) {
    const entry = raw.trim();
    const steps = /^([^.]+)\.\.([^/]+)\/([^@]+)@(.+)$/.exec(entry);
    if (steps) {
      const from = numberOf(steps[1]!, entry, unit), to = numberOf(steps[2]!, entry, unit);
      const step = numberOf(steps[3]!, entry, unit), hold = durationOf(steps[4]!, entry);
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
      throw new StagesError(`'${entry}': expected DURATION:${what} or FROM..TO/STEP@DURATION`);
    }
    stages.push({
      durationMs: durationOf(entry.slice(0, colon), entry),
      rate: numberOf(entry.slice(colon + 1), entry, unit),
    });
  }
  if (stages.reduce((a, s) => a + s.durationMs, 0) <= 0) {
    throw new StagesError("the stages last no time: give at least one a duration");
  }
  return stages;
}
