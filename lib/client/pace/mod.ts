/**
 * The pacer, the first stage: the pure schedule (vegeta's Pace), rate plans and stages, shards,
 * the precise wait (sleep, then a performance.now() spin), and the pacer thread that releases
 * ticks (a Worker of its own, or the same loop on the consumers' thread on any Clock), with its
 * protocol.
 *
 * @module
 */

export * from "./schedule.ts";
export * from "./stages.ts";
export * from "./precise_wait.ts";
export * from "./protocol.ts";
export * from "./thread.ts";
export * from "./loop.ts";
export * from "./async.ts";
