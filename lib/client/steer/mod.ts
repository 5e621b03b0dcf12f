/**
 * Steering: the rate controllers (read a window's stats, return a rate), run-time control
 * (commands to a running run and their effects), and the run's timers (intervals, controller
 * windows, a plan followed).
 *
 * @module
 */

export * from "./controller.ts";
export * from "./seed.ts";
export * from "./capacity.ts";
export * from "./tunables.ts";
export * from "./create.ts";
export * from "./run_control.ts";
export * from "./control.ts";
export * from "./loops.ts";
