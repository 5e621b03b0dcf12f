/**
 * The message types of every Worker, both directions, as discriminated unions on `type`.
 *
 * @module
 */

/** Settings of one server isolate (structured-cloneable subset of the app's options). */
export interface IsolateAppOptions {
  latencyMs: number;
  jitterMs: number;
  errorRate: number;
  capacity: number;
  burst?: number;
  backlog: number;
  computeMs: number;
  cacheTtlMs: number;
  maxBodyBytes: number;
  log: boolean;
}

/** Main → server isolate. */
export type ServerIsolateIn =
  | {
    type: "start";
    index: number;
    buffer: SharedArrayBuffer;
    hostname: string;
    port: number;
    reusePort: boolean;
    app: IsolateAppOptions;
  }
  | { type: "shutdown"; graceMs: number };

/** Server isolate → main. */
export type ServerIsolateOut =
  | { type: "listening"; port: number }
  | { type: "closed"; drained: boolean }
  | { type: "error"; message: string };

/** Main → CPU-job Worker. */
export type CpuJobIn =
  | { type: "init"; itersPerMs: number }
  | {
    type: "job";
    id: number;
    kind: "cpu" | "sleep";
    ms: number;
    seed: number;
    /** Test hook: the job throws instead of working. */
    fail?: boolean;
  };

/** CPU-job Worker → main. */
export type CpuJobOut =
  | { type: "ready" }
  | { type: "result"; id: number; value: string; ms: number }
  | { type: "error"; id: number; message: string };

/** Main → pacer Worker. */
export type PacerIn = {
  type: "start";
  /** Control block: see `CONTROL` in `lib/pacer_thread.ts`. */
  control: SharedArrayBuffer;
  /** Tick ring: Float64 pairs (scheduled, released) at `2 * (seq & mask)`. */
  ring: SharedArrayBuffer;
  mask: number;
  /** Main thread's `performance.timeOrigin`, to report times in its frame. */
  timeOrigin: number;
  rate: number;
  burst: number;
  /** Missed slots kept as debt before the schedule re-anchors (Infinity = catch up fully). */
  maxDebt: number;
  /** Stop after this many ticks (Infinity = until stopped). */
  maxTicks: number;
  /** Spin threshold override in ms (undefined = self-calibrating). */
  spinMs?: number;
  /** Ticks published at once at most (batching when behind). */
  batch: number;
};

/** Pacer Worker → main (ticks go through the ring and its PUBLISHED counter). */
export type PacerOut = { type: "done"; ticks: number; spinMs: number };
