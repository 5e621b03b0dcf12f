/**
 * CPU jobs: the pool of Web Workers that runs each response's CPU-bound work, and the stage that
 * hands a response to it and records it when its job ends.
 *
 * @module
 */

export * from "./pool.ts";
export * from "./stage.ts";
