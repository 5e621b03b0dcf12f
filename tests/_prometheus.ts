/**
 * Test helpers for Prometheus metrics: an exposition parsed by an independent parser (npm
 * `parse-prometheus-text-format`).
 *
 * @module
 */
import parsePrometheus from "parse-prometheus-text-format";

/** A metric family as the parser gives it. */
export interface Family {
  name: string;
  type: string;
  help: string;
  metrics: {
    value?: string;
    labels?: Record<string, string>;
    buckets?: Record<string, string>;
    count?: string;
    sum?: string;
  }[];
}

/**
 * The families of an exposition, by name (the parser throws on a malformed line). Its one
 * flaw: the series of a histogram with labels besides `le` are folded into one.
 */
export function families(text: string): Map<string, Family> {
  return new Map((parsePrometheus(text) as Family[]).map((f) => [f.name, f]));
}

/** The value of a counter or gauge's series with exactly these labels. */
export function valueOf(f: Family | undefined, labels: Record<string, string> = {}): number {
  const s = f?.metrics.find((m) =>
    JSON.stringify(Object.entries(m.labels ?? {}).sort()) ===
      JSON.stringify(Object.entries(labels).sort())
  );
  return s?.value === undefined ? NaN : Number(s.value);
}
