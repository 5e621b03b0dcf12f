/**
 * The results format's one front door: the versioned records (interval, summary, event, capacity
 * step), the accounting sum, reading and merging results files exactly, thresholds, the verdict
 * and the summary builder. What the client, the report, the capacity search and the CLI share.
 *
 * @module
 */

export * from "./records.ts";
export * from "./accounting.ts";
export * from "./merge.ts";
export * from "./summary.ts";
export * from "./table.ts";
export * from "./thresholds.ts";
export * from "./junit.ts";
export * from "./verdict.ts";
