/**
 * What results break down beyond a run's totals: each target's figures (a run of several names),
 * and the evidence its verdict read (its first responses and its steady state).
 *
 * @module
 */

import type { Percentiles } from "../histogram.ts";

/** One name's (target's) counts of an interval or a run, as the results record them. */
export interface NameCounts {
  scheduled: number;
  sent: number;
  ok: number;
  http_error: number;
  check_failed: number;
  failed: number;
  timed_out: number;
  cancelled: number;
  not_sent: number;
  /** Failures of every kind (HTTP, checks, transport). */
  errors: number;
  status: Record<string, number>;
  /** The statuses that counted as HTTP failures (its `expect=` decides). */
  failed_status?: Record<string, number>;
  /** Transport failures by kind (`refused`, `timeout`, …). */
  error_kinds: Partial<Record<string, number>>;
}

/** One name in an interval record: its counts and latencies (and its histogram, for windows). */
export interface NameRecord extends NameCounts {
  latency_ms: Percentiles;
  corrected_ms: Percentiles;
  corrected_latency_us?: string;
}

/** One name in a summary: its counts, latencies and both histograms (a merge adds them). */
export interface NameTotals extends NameCounts {
  latency_ms: Percentiles & { p999: number; mean: number };
  corrected_latency_ms: Percentiles & { p999: number; mean: number };
  /** HdrHistogram compressed base64 of both latencies, µs. */
  histograms: { latency_us: string; corrected_latency_us: string };
}

/**
 * What a run's verdict reads besides its totals: how its first responses were served, and its
 * second half (its steady state) before the stop.
 */
export interface Evidence {
  /** `--adaptive`: the controller's last cut and its reason (`cut:client`, `cut:errors`, …). */
  last_cut?: string;
  /** Median service time of the first responses, ms (the target before any queue built). */
  early_latency_ms: number | null;
  tail: {
    seconds: number;
    /** Requests asked for (null in closed loop), sent, and answered (ended) in those seconds. */
    asked: number | null;
    sent: number;
    answered: number;
    /** The median of the intervals' service-time p50s, ms. */
    latency_p50_ms: number | null;
    /** Consumers with a request in flight, % (mean over the intervals' ends). */
    busy_pct: number;
    /** Ticks waiting for a consumer (mean over the intervals' ends). */
    queue: number;
    /** The pacer's release lateness p99, µs (the worst interval). */
    pacer_lateness_p99_us: number;
  };
}

/**
 * How long the phases of a request took: for requests on a new connection, the TCP connect and
 * the TLS handshake (µs; zeros when there was none), and for every request the time to its
 * response's first byte.
 */
export interface Phases {
  connect_us: Percentiles;
  tls_us: Percentiles;
  ttfb_us: Percentiles;
}
