/**
 * Records: the Result / NotSent record every stage shares, the Window that adds records up
 * (counters and HDR histograms), the recorder that takes each record once (interval, controller
 * window, total), and one-line notices per kind of failure.
 *
 * @module
 */

export * from "./result.ts";
export * from "./window.ts";
export * from "./recorder.ts";
export * from "./notices.ts";
export * from "./trace.ts";
