/**
 * Command-line flags: a small declarative parser, value parsers (durations, sizes, rates) and
 * generated help. Every bad input becomes a {@linkcode UsageError} whose message names the flag,
 * the value and what is allowed; `main.ts` prints it on one line and exits 2.
 *
 * @module
 */

/** A user mistake on the command line; `main.ts` maps it to exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** The kinds of value a flag takes. */
export type FlagType =
  | "string"
  | "boolean"
  | "int"
  | "number"
  | "duration"
  | "bytes";

/** One flag's declaration. */
export interface FlagSpec {
  /** Long name without dashes, e.g. `rate-limit`. */
  name: string;
  type: FlagType;
  /** One-letter alias without the dash, or other long names. */
  aliases?: string[];
  /** Default value, already parsed (durations in ms). */
  default?: unknown;
  /** Repeatable: values collect into an array. */
  multiple?: boolean;
  /** Inclusive lower bound for numeric kinds (durations in ms). */
  min?: number;
  /** Inclusive upper bound for numeric kinds. */
  max?: number;
  /** Strictly greater than this bound. */
  gt?: number;
  /** Allowed string values. */
  choices?: string[];
  /** For a boolean-ish flag that may also take `=value` (e.g. `--adaptive[=seed]`). */
  optionalValue?: string[];
  /** One-line help. */
  help: string;
  /** Placeholder in help, e.g. `URL`. */
  valueName?: string;
}

/** Parsed flags by long name. */
export type FlagValues = Record<string, unknown>;

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
 * parseDuration("1.5s"); // 1500
 * ```
 */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d*)?|\.\d+)(us|µs|ms|s|m|h)?$/.exec(text.trim());
  if (!m) return undefined;
  return Number(m[1]) * DURATION_UNITS[m[2] ?? "s"];
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
 * parseBytes("64kb"); // 65536
 * ```
 */
export function parseBytes(text: string): number | undefined {
  const m = /^(\d+(?:\.\d*)?)\s*([a-z]*)$/i.exec(text.trim());
  if (!m) return undefined;
  const unit = BYTE_UNITS[m[2].toLowerCase()];
  return unit === undefined ? undefined : Math.round(Number(m[1]) * unit);
}

function describe(spec: FlagSpec): string {
  switch (spec.type) {
    case "int":
      return "an integer";
    case "number":
      return "a number";
    case "duration":
      return "a duration such as 20ms, 1.5s or 250us";
    case "bytes":
      return "a size such as 2048, 64kb or 1mb";
    default:
      return spec.choices ? `one of ${spec.choices.join(", ")}` : "a value";
  }
}

function fmtBound(spec: FlagSpec, v: number): string {
  return spec.type === "duration" ? `${v}ms` : String(v);
}

function convert(command: string, spec: FlagSpec, flag: string, raw: string): unknown {
  const bad = (what: string) =>
    new UsageError(`Cannot start ${command}: '${flag}' must be ${what}, got "${raw}"`);
  let value: number;
  switch (spec.type) {
    case "string":
      if (spec.choices && !spec.choices.includes(raw)) throw bad(describe(spec));
      return raw;
    case "boolean":
      throw bad("given without a value");
    case "int":
      if (!/^-?\d+$/.test(raw.trim())) throw bad(describe(spec));
      value = Number(raw);
      break;
    case "number":
      value = raw.trim() === "" ? NaN : Number(raw);
      if (!Number.isFinite(value)) throw bad(describe(spec));
      break;
    case "duration": {
      const d = parseDuration(raw);
      if (d === undefined) throw bad(describe(spec));
      value = d;
      break;
    }
    case "bytes": {
      const b = parseBytes(raw);
      if (b === undefined) throw bad(describe(spec));
      value = b;
      break;
    }
  }
  if (spec.gt !== undefined && !(value > spec.gt)) throw bad(`> ${fmtBound(spec, spec.gt)}`);
  if (spec.min !== undefined && spec.max !== undefined && (value < spec.min || value > spec.max)) {
    throw bad(`in [${fmtBound(spec, spec.min)}, ${fmtBound(spec, spec.max)}]`);
  }
  if (spec.min !== undefined && value < spec.min) throw bad(`>= ${fmtBound(spec, spec.min)}`);
  if (spec.max !== undefined && value > spec.max) throw bad(`<= ${fmtBound(spec, spec.max)}`);
  return value;
}

/**
 * Parses `args` against `specs`. Unknown flags, missing values, positional arguments and bad
 * values throw {@linkcode UsageError}. `--help`/`-h` sets `help: true`.
 *
 * @example
 * ```ts
 * const v = parseFlags("serve", ["--port", "0"], [{ name: "port", type: "int", help: "" }]);
 * v.port; // 0
 * ```
 */
export function parseFlags(command: string, args: string[], specs: FlagSpec[]): FlagValues {
  const byName = new Map<string, FlagSpec>();
  for (const s of specs) {
    byName.set(s.name, s);
    for (const a of s.aliases ?? []) byName.set(a, s);
  }
  const values: FlagValues = { help: false };
  for (const s of specs) values[s.name] = s.multiple ? [] : s.default;
  const set = (spec: FlagSpec, v: unknown) => {
    if (spec.multiple) (values[spec.name] as unknown[]).push(v);
    else values[spec.name] = v;
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--help" || arg === "-h") {
      values.help = true;
      continue;
    }
    if (!arg.startsWith("-") || arg === "-" || arg === "--") {
      throw new UsageError(
        `Cannot start ${command}: unexpected argument "${arg}"; see 'tpsdemo ${command} --help'`,
      );
    }
    const eq = arg.indexOf("=");
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    const name = flag.replace(/^--?/, "");
    let inline = eq === -1 ? undefined : arg.slice(eq + 1);
    let spec = byName.get(name);
    let negated = false;
    if (!spec && name.startsWith("no-")) {
      const s = byName.get(name.slice(3));
      if (s?.type === "boolean") [spec, negated] = [s, true];
    }
    if (!spec || (flag.startsWith("--") ? false : name.length !== 1)) {
      throw new UsageError(
        `Cannot start ${command}: unknown flag '${flag}'; see 'tpsdemo ${command} --help'`,
      );
    }
    if (spec.type === "boolean") {
      if (inline === undefined) {
        set(spec, !negated);
      } else if (spec.optionalValue?.includes(inline)) {
        set(spec, inline);
      } else if (["true", "false"].includes(inline)) {
        set(spec, inline === "true");
      } else {
        const allowed = ["true", "false", ...(spec.optionalValue ?? [])].join(", ");
        throw new UsageError(
          `Cannot start ${command}: '${flag}' must be one of ${allowed}, got "${inline}"`,
        );
      }
      continue;
    }
    if (inline === undefined) {
      if (i + 1 >= args.length) {
        throw new UsageError(`Cannot start ${command}: '${flag}' needs ${describe(spec)}`);
      }
      inline = args[++i];
    }
    set(spec, convert(command, spec, flag, inline));
  }
  return values;
}

function showDefault(s: FlagSpec): string {
  const v = s.default as number;
  if (s.type === "duration") return v >= 1000 && v % 1000 === 0 ? `${v / 1000}s` : `${v}ms`;
  if (s.type === "bytes" && v >= 1024 && v % 1024 === 0) {
    return v % (1024 * 1024) === 0 ? `${v / 1024 / 1024}mb` : `${v / 1024}kb`;
  }
  return String(s.default);
}

/**
 * Renders the help text for a command from its flag specs.
 *
 * @example
 * ```ts
 * console.log(renderHelp("serve", "Runs the mock server.", []));
 * ```
 */
export function renderHelp(command: string, summary: string, specs: FlagSpec[]): string {
  const rows = specs.map((s) => {
    const names = [
      ...(s.aliases ?? []).filter((a) => a.length === 1).map((a) => `-${a}`),
      `--${s.name}`,
    ].join(", ");
    const value = s.type === "boolean"
      ? (s.optionalValue ? `[=${s.optionalValue.join("|")}]` : "")
      : ` ${s.valueName ?? s.type.toUpperCase()}`;
    const def = s.default === undefined || s.default === false || s.default === ""
      ? ""
      : ` (default ${showDefault(s)})`;
    return [`${names}${value}`, `${s.help}${def}`];
  });
  const width = Math.max(...rows.map((r) => r[0].length), 10) + 2;
  const lines = rows.map(([l, r]) => `  ${l.padEnd(width)}${r}`);
  return `Usage: tpsdemo ${command} [flags]\n\n${summary}\n\nFlags:\n${lines.join("\n")}\n  ${
    "-h, --help".padEnd(width)
  }Show this help`;
}
