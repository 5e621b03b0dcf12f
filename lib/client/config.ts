/**
 * What a run is given and what it gives back: {@linkcode RunConfig} (the CLI builds it from the
 * flags), {@linkcode RunDeps} (every effect, injectable) and {@linkcode RunOutcome}.
 *
 * @module
 */

import type { Clock } from "../clock.ts";
import type { RunControl } from "./steer/mod.ts";
import type { Shard, Stage } from "./pace/mod.ts";
import type { Connector, RequestSpec, TlsSettings } from "./http/mod.ts";
import type { PacerEnd, PacerFactory, Precision } from "./pace/mod.ts";
import type { Totals } from "./record/mod.ts";
import type { PoolFactory } from "./jobs/mod.ts";
import type { VuStage } from "./dispatch/mod.ts";
import type { Workload } from "../workload/mod.ts";
import { type ControlEvent, type Evidence, type IntervalSnapshot } from "../results/mod.ts";

/** Everything a run needs; the CLI builds it from the flags. */
export interface RunConfig {
  request: RequestSpec;
  /** Target requests/s; 0 = closed loop (as fast as the consumers go). */
  rate: number;
  /** Token bucket size of the pacer (1 = uniform). */
  burst: number;
  /** Consumers at the start. */
  consumers: number;
  /**
   * When set, consumers are added during the run, up to this many, while fewer than the rate
   * times the latency (Little's law) keep the queue waiting; when not, a notice says so.
   */
  maxConsumers?: number;
  queueSize: number;
  /** CPU-job Workers. */
  workers: number;
  /** Work per response, ms; 0 skips the job. */
  workTimeMs: number;
  workKind: "cpu" | "sleep";
  /** Stop after this long (undefined: until stopped). */
  durationMs?: number;
  /** Stop after this many requests (undefined: no limit). */
  requests?: number;
  intervalMs: number;
  timeoutMs: number;
  adaptive: false | "seed" | "capacity";
  engine: "raw" | "fetch";
  /** TLS, `--connect-to` and connection reuse, for the connections. */
  connection?: {
    tls?: TlsSettings;
    connectTo?: { hostname: string; port: number };
    keepAlive?: boolean;
    connReuse?: number;
  };
  /** How the pacer waits: see {@linkcode Precision} (default `auto`). */
  precision?: Precision;
  /**
   * A rate plan (`--stages`): the pacer follows it instead of `rate` (then its peak), and the run
   * ends with it; with `adaptive`, it is the controller's ceiling.
   */
  stages?: Stage[];
  /**
   * Virtual users, the closed model (`--vus`, or `--stages` in `vu`): a fixed count, or a plan
   * the count follows (the run ends with it). There is no pacer: each VU sends its next request
   * when its last one ended; `rate` is 0 and `consumers` is the VUs' peak.
   */
  vus?: number | VuStage[];
  /** Shard i of N (`rate` is then this shard's share, 1/N of the whole). */
  shard?: Shard;
  /** When the first tick is due, ms since the epoch (default: at once); shards start together. */
  startAtUnixMs?: number;
  /**
   * The workload, when requests differ (`--targets`, placeholders, `--data`): each tick gets a
   * target, each connection writes its requests, each response is judged by its target's
   * expectations; with several targets, results are kept by name. Without it, `request` alone.
   */
  workload?: Workload;
}

/** The effects a run uses, all optional (the real ones by default). */
export interface RunDeps {
  /** The clock every timer runs on (default the system clock). */
  clock?: Clock;
  /** Opens the consumers' connections (default the raw HTTP/1.1 client or fetch). */
  connect?: Connector;
  /** Starts the pacer (default the pacer Worker). */
  pacer?: PacerFactory;
  /** Creates the CPU-job pool (default Web Workers calibrated on this thread). */
  pool?: PoolFactory;
  /** Aborted: a graceful stop (its reason, a string, becomes `stoppedBy`). */
  stop?: AbortSignal;
  /** Aborted: stop at once, cancelling in-flight work. */
  kill?: AbortSignal;
  /**
   * Every interval's snapshot, with the adaptive controller's last decision, and (with
   * `intervalHistograms`) the interval's latency histograms, encoded (HdrHistogram compressed
   * base64, as the results files hold them).
   */
  onInterval?(
    snapshot: IntervalSnapshot,
    extra: {
      adaptive?: string;
      histograms?: { latency_us: string; corrected_latency_us: string };
    },
  ): void;
  /** Hand `onInterval` each interval's latency histograms, encoded (default false). */
  intervalHistograms?: boolean;
  /** A one-line notice, the first time something goes wrong in a given way. */
  onNotice?(message: string): void;
  /** Steers the run while it goes (keys, the dashboard's API): the run attaches to it. */
  control?: RunControl;
  /** Each change a command made, as the results record it. */
  onEvent?(event: ControlEvent): void;
  /** Milliseconds since the epoch, for `startAtUnixMs` (default `Date.now`). */
  epochNow?: () => number;
}

/** How a run ended. */
export interface RunOutcome {
  totals: Totals;
  /** From the first tick to the stop (rates are over this). */
  durationMs: number;
  /** From the stop until in-flight requests and jobs ended. */
  drainMs: number;
  /** The pacer's rate at the end (0 in closed loop). */
  finalRate: number;
  /** Consumers at the end (they grow with `maxConsumers`). */
  consumers: number;
  /** The adaptive controller in use, or false. */
  adaptive: false | "seed" | "capacity";
  /** `duration`, `requests`, `stages`, `control`, the stop signal's reason, or `error`. */
  stoppedBy: string;
  /** What went wrong, when the run could not go on (a crashed pacer). */
  error?: string;
  /** With `startAtUnixMs`: how late the first tick was on the wall clock, ms (its start skew). */
  startSkewMs?: number;
  /** How the pacer ran (absent in closed loop or when it crashed). */
  pacer?: PacerEnd & { precision: Precision };
  /** Requests the run asked for from its first tick to its stop (null in closed loop). */
  asked: number | null;
  /** What the verdict reads besides the totals. */
  evidence: Evidence;
  /** Whether a kill (a second Ctrl-C) cancelled what was in flight. */
  killed: boolean;
}
