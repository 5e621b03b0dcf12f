/**
 * The results format, version {@linkcode RESULTS_SCHEMA}: the NDJSON records that `run --json`
 * and `--out` write and `report` reads (an interval a line, control events, one summary; the
 * capacity search adds its steps and its answer). Every wing that writes or reads results uses
 * these types; see the README's "Results files".
 *
 * @module
 */

import type { Percentiles } from "../histogram.ts";
import type { Evidence, NameRecord, NameTotals, Phases } from "./breakdown.ts";

export type { Evidence, NameCounts, NameRecord, NameTotals, Phases } from "./breakdown.ts";
export type { StepRow } from "./step.ts";

/** The version of the results format. */
export const RESULTS_SCHEMA = 1;

/** Why a request failed (no HTTP status). */
export type ErrorKind =
  | "refused"
  | "reset"
  | "timeout"
  | "tls"
  | "dns"
  | "bad_response"
  | "cancelled"
  | "other";

/** Why a scheduled tick was never sent. */
export type NotSentReason = "stopped" | "queue_full";

/** Latency histograms, HdrHistogram compressed base64 (µs): mergeable across runs and machines. */
export interface LatencyHistograms {
  /** Service time: from the write of the request to the end of the response. */
  latency_us: string;
  /** From the scheduled time (corrected for coordinated omission). */
  corrected_latency_us: string;
  /**
   * Send lateness (request written − scheduled), for the run's Prometheus metrics; not written
   * to results files.
   */
  send_lateness_us?: string;
}

/**
 * Cumulative request and job accounting. At every record
 * `scheduled = sent + queued + not_sent` and
 * `sent = ok + http_error + failed + timed_out + cancelled + in_flight`.
 */
export interface Accounting {
  /**
   * Requests the run asked for (the integral of its plan or paced rate, to 0.1; absent in closed
   * loop): what `achieved` is measured against. Ticks are released as they fall due, so
   * `scheduled` trails it by less than one while the pacer keeps up.
   */
  asked?: number;
  scheduled: number;
  sent: number;
  queued: number;
  not_sent: Record<NotSentReason, number>;
  ok: number;
  http_error: number;
  /** Answered with an expected status, and a response check failed (targets with checks). */
  check_failed?: number;
  failed: number;
  timed_out: number;
  cancelled: number;
  in_flight: number;
  jobs: {
    submitted: number;
    done: number;
    failed: number;
    cancelled: number;
    /** Waiting for a Worker (the job backlog). */
    queued: number;
    /** On a Worker now. */
    running: number;
  };
}

/** One interval's figures. */
export interface IntervalSnapshot {
  t: number;
  interval_s: number;
  /** Requests sent per second over the interval. */
  api_per_s: number;
  /** Requests the run asked for per second over the interval (its mean); null in closed loop. */
  asked_per_s?: number | null;
  done_per_s: number;
  queue: number;
  rate: number;
  in_flight: number;
  /** Consumers at the end of the interval (they grow without `--consumers`). */
  consumers: number;
  /** CPU jobs waiting for a Worker (the backlog `--queue-size` bounds); null without jobs. */
  jobs_queued: number | null;
  latency_ms: Percentiles;
  corrected_ms: Percentiles;
  /** How late the pacer released ticks, and how late they were sent, µs. */
  pacer_lateness_us: Percentiles;
  send_lateness_us: Percentiles;
  errors: number;
  status: Record<string, number>;
  error_kinds: Partial<Record<ErrorKind, number>>;
  accounting: Accounting;
  /** Connections opened in the interval, and the phases of its requests. */
  connections?: number;
  phases?: Phases;
  /** Each target's figures, when the run has several (`--targets`). */
  names?: Record<string, NameRecord>;
  /** Virtual users active at the interval's end (the closed model, `--vus`). */
  vus?: number;
  /** With virtual users: the mean service time of the interval's responses, ms. */
  latency_mean_ms?: number;
  /**
   * Set on the interval after the stop: what ended while in-flight requests and jobs drained
   * (its `interval_s` is the drain's length; its rates are over that, not over a second).
   */
  drain?: boolean;
}

/** An interval record as a results file holds it (`{"type":"interval"}`). */
export type IntervalRecord = IntervalSnapshot & {
  type: "interval";
  schema?: number;
  run_id?: string;
  t_unix_ms?: number;
  histograms?: LatencyHistograms;
  /** The adaptive controller's last decision, when it made one in the interval. */
  adaptive?: string;
};

/** A change made to a run, as the results record it (`{"type":"event"}`). */
export interface ControlEvent {
  type: "event";
  /** Seconds since the run's start. */
  t: number;
  event: "rate" | "pause" | "resume" | "stop";
  /** The rate asked for after the change (for `rate`: the ceiling with `--adaptive`). */
  rate?: number;
  /** The plan's scale after the change, with `--stages`. */
  scale?: number;
  /** Who asked: `key`, `api`. */
  source: string;
  run_id?: string;
}

/** The settings a summary records: what shaped the run. */
export interface RunSettings {
  rate: number;
  /** The `--stages` plan, as given. */
  stages?: string;
  /** Virtual users (the closed model): `--vus N`, or the most a `vu` plan in `stages` has. */
  vus?: number;
  /** Consumers at the end, and whether `--consumers` fixed them. */
  consumers: number;
  consumers_fixed: boolean;
  /** The ceiling consumers could grow to, when `--consumers` did not fix them. */
  max_consumers?: number;
  workers: number;
  work_time_ms: number;
  work_kind: "cpu" | "sleep";
  queue_size: number;
  /** CPU cores of the machine that ran it. */
  cores: number;
}

/** The stage that limited a run. */
export interface Bottleneck {
  /**
   * `request`: the answers say the request is wrong (4xx), not the load; `unknown`: the run
   * measured too little to tell.
   */
  stage: "none" | "target" | "request" | "cpu_jobs" | "consumers" | "client" | "unknown";
  /** The flag to change, when one helps. */
  flag?: string;
  /** The measurement behind it. */
  figure: string;
  /** One line for the human summary. */
  advice: string;
}

/** A shard of a sharded run: its index of `count`, and how late its first tick went (ms). */
export interface ShardInfo {
  index: number;
  count: number;
  start_skew_ms?: number;
}

/** A `--threshold` with its measured value and whether it passed. */
export interface ThresholdResult {
  threshold: string;
  pass: boolean;
  /** Over the whole run; for a windowed threshold, the worst window's. */
  value: number;
  unit: "ms" | "%" | "/s";
}

/** The end-of-run summary (the `{"type":"summary"}` record). */
export interface Summary {
  type: "summary";
  /** The results format's version. */
  schema?: number;
  /** This run's id: every record of one run carries it. */
  run_id?: string;
  /** Wall-clock time of the run's first tick, ms since the epoch. */
  t_unix_ms?: number;
  url: string;
  /** From the start to the stop (rates are over this). */
  duration_s: number;
  /** From the stop until in-flight requests and jobs ended. */
  drain_s: number;
  /**
   * The rate the run was set to: a fixed rate, the ceiling with `--adaptive`, a plan's last rate
   * with `--stages` (0: closed loop). What it asked for over time is `asked`.
   */
  target_rate: number;
  /** The rate at the stop. */
  final_rate: number;
  adaptive: string | false;
  /**
   * What the run asked for from its first tick to its stop: requests (a plan's integral, or the
   * integral of the paced rate as a controller or the user set it; paused time asks for none)
   * and their mean rate over `duration_s`. Null in closed loop.
   */
  asked?: { requests: number; rate: number } | null;
  /** Requests sent per second of `duration_s`. */
  achieved_rate: number;
  /** Sent ÷ asked, %, in every mode (null in closed loop). */
  achieved_pct?: number | null;
  done_per_s: number;
  requests: Accounting;
  status: Record<string, number>;
  /**
   * Requests that failed, of every kind: HTTP status ≥ 400, transport failures, timeouts and
   * cancels (the same meaning as an interval's `errors`).
   */
  errors: number;
  /** The statuses that counted as HTTP failures, when targets set `expect=` (else those ≥ 400). */
  failed_status?: Record<string, number>;
  /** Transport failures by kind (as an interval's `error_kinds`). */
  error_kinds: Partial<Record<ErrorKind, number>>;
  bytes: number;
  /** Service time: from the write of the request to the end of the response. */
  latency_ms: Percentiles & { p999: number; mean: number };
  /** From the scheduled time (what a user would have waited; corrected for coordinated omission). */
  corrected_latency_ms: Percentiles & { p999: number; mean: number };
  /** Connections opened over the run (1 per consumer with keep-alive), and request phases. */
  connections?: number;
  phases?: Phases;
  /** Pacer Worker: release − scheduled, µs. */
  pacer_lateness_us: Percentiles;
  /** Request written − scheduled, µs. */
  send_lateness_us: Percentiles;
  /** The same, of the requests scheduled after the run's first second (the warm-up apart). */
  send_lateness_after_warmup_us?: Percentiles;
  /**
   * How the pacer ran: its `--precision`, the share of ticks it released in batches (without a
   * spin), and its own CPU as a share of one core; null in closed loop.
   */
  pacer: { precision: string; batched_pct: number; cpu_pct: number } | null;
  histograms: LatencyHistograms;
  stopped_by: string;
  /** Set when a kill (a second Ctrl-C) cancelled what was in flight. */
  killed?: boolean;
  /** The run's settings (for reports, merges and the verdict). */
  config?: RunSettings;
  /** The command line that ran it (credentials masked). */
  command?: string;
  /** This shard, when the run is one; a merge of shards lists them all in `shards`. */
  shard?: ShardInfo;
  shards?: ShardInfo[];
  /** Each target's totals, when the run has several (`--targets`). */
  names?: Record<string, NameTotals>;
  /** What the verdict read besides the totals (absent in merges and older files). */
  evidence?: Evidence;
  /** The stage that limited the run, with the flag to change and the figure behind it. */
  bottleneck?: Bottleneck;
  /** Each `--threshold` with its measured value and whether it passed. */
  thresholds?: ThresholdResult[];
}
