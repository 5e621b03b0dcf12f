/**
 * The workload, the one front door: targets files (vegeta's http and JSON formats, with tpsdemo's
 * `#@` extras), the weighted mix, CSV data and its orders, the placeholder language (parsing
 * only) and response checks. Pure: the only I/O is the `readFile` a caller injects.
 *
 * @module
 */

export * from "./errors.ts";
export * from "./spec.ts";
export * from "./targets.ts";
export * from "./mix.ts";
export * from "./data.ts";
export * from "./placeholders.ts";
export * from "./checks.ts";
export { DEFAULT_SEED, unitAt } from "./random.ts";
export * from "./template.ts";
export * from "./workload.ts";
