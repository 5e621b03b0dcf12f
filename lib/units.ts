/**
 * Units every wing reads and writes: durations (`20ms`, `1.5s`, `250us`, a bare number is
 * seconds) and sizes (`64kb`, `1mb`). Pure functions; `undefined` for text that is not one.
 *
 * @module
 */

const DURATION_UNITS: Record<string, number> = {
  us: 0.001,
  "µs": 0.001,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * Parses a duration into milliseconds: `20ms`, `1.5s`, `250us`, `2m`. A bare number is seconds
 * (as the source demo's `--work-time 0.2`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(parseDuration("1.5s"), 1500);
 * assert.equal(parseDuration("250us"), 0.25);
 * assert.equal(parseDuration("0.2"), 200);
 * assert.equal(parseDuration("fast"), undefined);
 * ```
 */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d*)?|\.\d+)(us|µs|ms|s|m|h)?$/.exec(text.trim());
  if (!m) return undefined;
  return Number(m[1]) * DURATION_UNITS[m[2] ?? "s"]!;
}

const BYTE_UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  kb: 1024,
  k: 1024,
  mb: 1024 ** 2,
  m: 1024 ** 2,
  gb: 1024 ** 3,
  g: 1024 ** 3,
};

/**
 * Parses a size in bytes: `2048`, `64kb`, `1mb`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(parseBytes("64kb"), 65536);
 * assert.equal(parseBytes("2048"), 2048);
 * assert.equal(parseBytes("1 lightyear"), undefined);
 * ```
 */
export function parseBytes(text: string): number | undefined {
  const m = /^(\d+(?:\.\d*)?)\s*([a-z]*)$/i.exec(text.trim());
  if (!m) return undefined;
  const unit = BYTE_UNITS[m[2]!.toLowerCase()];
  return unit === undefined ? undefined : Math.round(Number(m[1]) * unit);
}

/**
 * A duration for help text and messages: whole seconds as `5s`, the rest in ms.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(formatDuration(5000), "5s");
 * assert.equal(formatDuration(3_600_000_000), "1000h");
 * assert.equal(formatDuration(250), "250ms");
 * ```
 */
export function formatDuration(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  return ms >= 1000 && ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/**
 * A size for help text: whole MiB as `1mb`, whole KiB as `64kb`, else bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(formatBytes(1024 * 1024), "1mb");
 * assert.equal(formatBytes(1000), "1000");
 * ```
 */
export function formatBytes(n: number): string {
  if (n >= 1024 && n % (1024 * 1024) === 0) return `${n / 1024 / 1024}mb`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024}kb`;
  return String(n);
}
