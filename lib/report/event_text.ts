/**
 * A run-time command's change in words, as a chart's marker names it. The live page inlines it
 * by its source text (see `page.ts`), so it must stay self-contained.
 *
 * @module
 */

import type { ControlEvent } from "../results/mod.ts";

/**
 * A command's change in words, for the charts' markers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(eventText({ t: 1, event: "rate", rate: 110, source: "key" }), "rate → 110/s (key)");
 * ```
 */
export function eventText(
  e: Pick<ControlEvent, "t" | "event" | "rate" | "scale" | "source">,
): string {
  const what = e.event === "rate"
    ? `rate → ${e.rate}/s`
    : e.event === "resume"
    ? `resume at ${e.rate}/s`
    : e.event;
  return `${what}${e.scale !== undefined ? ` (stages ×${e.scale})` : ""}${
    e.source ? ` (${e.source})` : ""
  }`;
}
