/**
 * The capacity search's step record (`{"type":"step"}`, one a step in `capacity --json` and
 * `--out`), part of the results format that `report` reads.
 *
 * @module
 */

/** One step of a capacity search (`{"type":"step"}`), as its report lists it. */
export interface StepRow {
  rate: number;
  achieved: number;
  goodput: number;
  p50_ms: number;
  p99_ms: number;
  mean_ms: number;
  errors_pct: number;
  pass: boolean;
  /** What failed: each objective not met, or the client's shortfall. */
  failed: string[];
  /** Little's law: requests in flight measured, and rate × mean latency. */
  in_flight: number;
  littles_law: number;
  send_lateness_p99_us: number;
  client_cpu_pct: number;
  /** Each failure: an `--slo` (or `achieved>=95%`, `answered>0%`), its value, whose limit. */
  failures?: { objective: string; measured: number | null; unit: string; limit: string }[];
  /** Requests answered (any status); errors by status or kind; the client fell short. */
  responses?: number;
  error_kinds?: Record<string, number>;
  client_limited?: boolean;
}
