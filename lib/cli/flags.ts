/**
 * Command-line flags: a declarative spec that yields a typed object, value parsing with ranges,
 * and generated help. Every bad input becomes a {@linkcode UsageError} that names the flag, the
 * value and what is allowed; `main.ts` prints it on one line and exits 2.
 *
 * @module
 */

import { parseBytes, parseDuration } from "../units.ts";

/** A user mistake on the command line; `main.ts` maps it to exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
  /** The flag at fault, as written (`--rate`), when there is one. */
  readonly flag?: string;
  /** The value given, when there is one. */
  readonly value?: string;
  /** What is allowed, in words. */
  readonly allowed?: string;

  constructor(message: string, detail: { flag?: string; value?: string; allowed?: string } = {}) {
    super(message);
    this.flag = detail.flag;
    this.value = detail.value;
    this.allowed = detail.allowed;
  }

  /**
   * The std-style message for a bad value.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * const e = UsageError.invalid("run", "--rate", "-1", ">= 0");
   * assert.equal(e.message, `Cannot start run: '--rate' must be >= 0, got "-1"`);
   * assert.equal(e.flag, "--rate");
   * ```
   */
  static invalid(command: string, flag: string, value: string, allowed: string): UsageError {
    // Quoted as JSON: a value with a line break (or any control character) stays on one line.
    const got = JSON.stringify(value);
    return new UsageError(`Cannot start ${command}: '${flag}' must be ${allowed}, got ${got}`, {
      flag,
      value,
      allowed,
    });
  }
}

/** The kinds of value a flag takes. */
export type FlagType = "string" | "boolean" | "int" | "number" | "duration" | "bytes";

/** One flag's declaration; its long name is its key in the {@linkcode FlagSpecs}. */
export interface FlagSpec {
  type: FlagType;
  /** One-letter aliases, or other long names, without dashes. */
  aliases?: readonly string[];
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
  choices?: readonly string[];
  /** For a boolean flag that may also take `=value` (e.g. `--adaptive[=seed]`). */
  optionalValue?: readonly string[];
  /** For a boolean flag that may also take any `=value` (e.g. `--dashboard[=ADDR]`). */
  anyValue?: true;
  /** One-line help. */
  help: string;
  /** Placeholder in help, e.g. `URL`. */
  valueName?: string;
}

/** Flags by long name (without dashes), in help order. */
export type FlagSpecs = Record<string, FlagSpec>;

type ValueOf<S extends FlagSpec> = S["type"] extends "string"
  ? S extends { choices: readonly (infer C)[] } ? C : string
  : S["type"] extends "boolean" ? S extends { optionalValue: readonly (infer O)[] } ? boolean | O
    : S extends { anyValue: true } ? boolean | string
    : boolean
  : number;

/** The typed result of {@linkcode parseFlags}: one field per flag, plus `help`. */
export type FlagValues<S extends FlagSpecs> =
  & {
    -readonly [K in keyof S]: S[K] extends { multiple: true } ? ValueOf<S[K]>[]
      : S[K] extends { default: unknown } ? ValueOf<S[K]>
      : S[K]["type"] extends "boolean" ? ValueOf<S[K]>
      : ValueOf<S[K]> | undefined;
  }
  & { help: boolean };

/** What a flag takes, in words. */
export function describe(spec: FlagSpec): string {
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
  const bad = (allowed: string) => UsageError.invalid(command, flag, raw, allowed);
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
      // Decimal only: Number() would also take "0x10" or "1e400".
      value = /^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i.test(raw) ? Number(raw) : NaN;
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
 * Parses `args` against `specs` into a typed object. Unknown flags, missing values and bad values
 * throw {@linkcode UsageError}; so do positional arguments, unless `options.positional` is given
 * to collect them (`-` included). `--help`/`-h` sets `help: true`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const SPECS = {
 *   port: { type: "int", default: 8000, min: 0, max: 65535, help: "Port" },
 *   log: { type: "boolean", default: false, help: "Log requests" },
 * } as const satisfies FlagSpecs;
 * const v = parseFlags("serve", ["--port", "0", "--log"], SPECS);
 * const port: number = v.port;
 * assert.equal(port, 0);
 * assert.equal(v.log, true);
 * assert.throws(() => parseFlags("serve", ["--port", "x"], SPECS), UsageError);
 * ```
 */
export function parseFlags<S extends FlagSpecs>(
  command: string,
  args: readonly string[],
  specs: S,
  options: { positional?: string[] } = {},
): FlagValues<S> {
  const byName = new Map<string, [string, FlagSpec]>();
  for (const [name, s] of Object.entries(specs)) {
    byName.set(name, [name, s]);
    for (const a of s.aliases ?? []) byName.set(a, [name, s]);
  }
  const values: Record<string, unknown> = { help: false };
  for (const [name, s] of Object.entries(specs)) values[name] = s.multiple ? [] : s.default;
  // A flag that takes one value, given twice, is a mistake (which one did the user mean?).
  const given = new Map<string, { flag: string; value: unknown }>();
  let current = "";
  const set = (name: string, spec: FlagSpec, v: unknown) => {
    if (spec.multiple) return void (values[name] as unknown[]).push(v);
    const before = given.get(name);
    if (before && spec.type !== "boolean") {
      const flags = before.flag === current ? `'${current}'` : `'${before.flag}' and '${current}'`;
      throw new UsageError(
        `Cannot start ${command}: ${flags} given twice ('${before.value}', then '${v}'); ` +
          "it takes one value: give it once",
        { flag: current, value: String(v), allowed: "one value" },
      );
    }
    given.set(name, { flag: current, value: v });
    values[name] = v;
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--help" || arg === "-h") {
      values.help = true;
      continue;
    }
    if (options.positional && (!arg.startsWith("-") || arg === "-")) {
      options.positional.push(arg);
      continue;
    }
    if (!arg.startsWith("-") || arg === "-" || arg === "--") {
      throw new UsageError(
        `Cannot start ${command}: unexpected argument "${arg}"; see 'tpsdemo ${command} --help'`,
        { value: arg, allowed: "flags only" },
      );
    }
    const eq = arg.indexOf("=");
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    const name = flag.replace(/^--?/, "");
    let inline = eq === -1 ? undefined : arg.slice(eq + 1);
    let found = byName.get(name);
    let negated = false;
    if (!found && name.startsWith("no-")) {
      const f = byName.get(name.slice(3));
      if (f?.[1].type === "boolean") [found, negated] = [f, true];
    }
    if (!found || (flag.startsWith("--") ? false : name.length !== 1)) {
      throw new UsageError(
        `Cannot start ${command}: unknown flag '${flag}'; see 'tpsdemo ${command} --help'`,
        { flag, allowed: `the flags of 'tpsdemo ${command} --help'` },
      );
    }
    const [key, spec] = found;
    current = flag;
    if (spec.type === "boolean") {
      if (inline === undefined) {
        set(key, spec, !negated);
      } else if (spec.optionalValue?.includes(inline)) {
        set(key, spec, inline);
      } else if (["true", "false"].includes(inline)) {
        set(key, spec, inline === "true");
      } else if (spec.anyValue && inline !== "") {
        set(key, spec, inline);
      } else {
        const allowed = `one of ${["true", "false", ...(spec.optionalValue ?? [])].join(", ")}`;
        throw UsageError.invalid(command, flag, inline, allowed);
      }
      continue;
    }
    if (inline === undefined) {
      if (i + 1 >= args.length) {
        throw new UsageError(`Cannot start ${command}: '${flag}' needs ${describe(spec)}`, {
          flag,
          allowed: describe(spec),
        });
      }
      inline = args[++i]!;
    }
    set(key, spec, convert(command, spec, flag, inline));
  }
  return values as FlagValues<S>;
}
