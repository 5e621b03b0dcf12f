/**
 * Targets files: {@linkcode parseTargets} reads vegeta's http or JSON format (told apart by the
 * first line that is not blank or a comment: `{` starts the JSON format), with tpsdemo's extras,
 * into {@linkcode TargetSpec}s: bodies read (through an injected `readFile`), the CLI's defaults
 * merged in, names settled, every placeholder's syntax checked. Placeholders stay unexpanded:
 * compiling them is the request template's job. Every error is a {@linkcode WorkloadError} that
 * names `file:line` and what is allowed.
 *
 * @module
 */

import { placed, WorkloadError } from "./errors.ts";
import { scanPlaceholderBytes, scanPlaceholders } from "./placeholders.ts";
import {
  checkHeader,
  checkMethod,
  defaultName,
  MAX_NAME,
  type RawTarget,
  type TargetSpec,
} from "./spec.ts";
import { readHttpTargets } from "./targets_http.ts";
import { readJsonTargets } from "./targets_json.ts";

export type { TargetSpec };

/** What applies where a target does not say otherwise (the CLI's `--method`, `-H`, `--body`). */
export interface TargetDefaults {
  /** For a target that gives no method (a bare URL line, a JSON target without one). Default GET. */
  method?: string;
  /** Merged into every target's; a target's header of the same name (any case) wins. */
  headers?: [string, string][];
  /** For a target with no body (or an empty one). */
  body?: Uint8Array;
}

/** How {@linkcode parseTargets} reaches outside. */
export interface ParseTargetsOptions {
  /** Reads a body file (`@path`); whatever it throws becomes a WorkloadError at that line. */
  readFile(path: string): Uint8Array;
  defaults?: TargetDefaults;
}

/**
 * The format of a targets file: `json` when its first line that is neither blank nor a `#`
 * comment starts with `{`, else `http`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(detectFormat('# mine\n{"method":"GET","url":"http://h"}'), "json");
 * assert.equal(detectFormat("GET http://h"), "http");
 * ```
 */
export function detectFormat(text: string): "http" | "json" {
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line !== "" && !line.startsWith("#")) return line.startsWith("{") ? "json" : "http";
  }
  return "http";
}

/**
 * The path of a body file named in `file` (`@path`): as written when absolute, else relative to
 * the targets file's folder.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(resolveBodyPath("load/targets.txt", "bodies/a.json"), "load/bodies/a.json");
 * assert.equal(resolveBodyPath("targets.txt", "a.json"), "a.json");
 * assert.equal(resolveBodyPath("load/targets.txt", "/tmp/a.json"), "/tmp/a.json");
 * ```
 */
export function resolveBodyPath(file: string, path: string): string {
  if (/^([\\/]|[A-Za-z]:[\\/])/.test(path)) return path;
  const slash = Math.max(file.lastIndexOf("/"), file.lastIndexOf("\\"));
  return slash < 0 ? path : file.slice(0, slash + 1) + path;
}

/**
 * Reads a targets file. `file` is its path: errors name it, and `@body` paths are relative to
 * its folder.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const text = [
 *   "#@ name=login weight=3 expect=200-299,410 check=body~\"token\"",
 *   "POST http://api:8080/login",
 *   "Content-Type: application/json",
 *   "@bodies/login.json",
 *   "",
 *   "GET http://api:8080/users/{{seq}}?full=1",
 * ].join("\n");
 * const files: Record<string, string> = { "load/bodies/login.json": '{"user":"a"}' };
 * const specs = parseTargets(text, "load/targets.txt", {
 *   readFile: (p) => new TextEncoder().encode(files[p]),
 *   defaults: { headers: [["Authorization", "Bearer x"]] },
 * });
 * assert.deepEqual(specs.map((s) => [s.name, s.weight, s.where]), [
 *   ["login", 3, "load/targets.txt:2"],
 *   ["GET /users/{{seq}}", 1, "load/targets.txt:6"],
 * ]);
 * assert.deepEqual(specs[0]?.headers, [["Authorization", "Bearer x"], ["Content-Type", "application/json"]]);
 * assert.throws(() => parseTargets("FETCH http://h/", "t.txt", { readFile: () => new Uint8Array() }), /t.txt:1: unknown method/);
 * ```
 */
export function parseTargets(
  text: string,
  file: string,
  options: ParseTargetsOptions,
): TargetSpec[] {
  const raws = detectFormat(text) === "json"
    ? readJsonTargets(text, file)
    : readHttpTargets(text, file);
  if (raws.length === 0) {
    throw new WorkloadError(
      "no targets: the file is empty or holds only comments; a target is 'METHOD URL' " +
        '(vegeta\'s http format) or {"method": "GET", "url": "http://…"} a line (its JSON format)',
      `${file}:1`,
    );
  }
  const defaults = options.defaults ?? {};
  const method = placed("--method", () => checkMethod(defaults.method ?? "GET"));
  const extraHeaders = (defaults.headers ?? []).map(([n, v]) =>
    placed("-H", () => checkHeader(n, v))
  );
  const names = new Map<string, string>();
  return raws.map((raw) => {
    const spec: TargetSpec = {
      name: "",
      weight: raw.extras.weight ?? 1,
      method: raw.method ?? method,
      url: raw.url,
      headers: merge(extraHeaders, raw.headers),
      checks: raw.extras.checks,
      where: raw.where,
    };
    const body = bodyOf(raw, file, options.readFile) ??
      (defaults.body?.length ? defaults.body : undefined);
    if (body !== undefined) spec.body = body;
    if (raw.extras.expect !== undefined) spec.expect = raw.extras.expect;
    spec.name = nameOf(raw, spec, names);
    checkPlaceholders(spec, raw, file);
    return spec;
  });
}

/** The default headers not overridden (by name, any case), then the target's own. */
function merge(defaults: [string, string][], own: [string, string][]): [string, string][] {
  const mine = new Set(own.map(([n]) => n.toLowerCase()));
  return [...defaults.filter(([n]) => !mine.has(n.toLowerCase())), ...own]
    .map(([n, v]) => [n, v] as [string, string]);
}

function bodyOf(
  raw: RawTarget,
  file: string,
  readFile: (path: string) => Uint8Array,
): Uint8Array | undefined {
  if (raw.bodyFile === undefined) {
    return raw.body !== undefined && raw.body.length > 0 ? raw.body : undefined;
  }
  const path = resolveBodyPath(file, raw.bodyFile.path);
  try {
    return readFile(path);
  } catch (e) {
    throw new WorkloadError(
      `cannot read the body file '${path}' (${e instanceof Error ? e.message : e}); ` +
        "'@path' is relative to the targets file's folder",
      raw.bodyFile.where,
    );
  }
}

/** The explicit name (unique), or `METHOD /path` with ` #2`, ` #3` on repeats. */
function nameOf(raw: RawTarget, spec: TargetSpec, names: Map<string, string>): string {
  const explicit = raw.extras.name;
  if (explicit !== undefined) {
    const first = names.get(explicit);
    if (first !== undefined) {
      throw new WorkloadError(
        `name '${explicit}' is already used by the target at ${first}; names must be unique`,
        raw.where,
      );
    }
    names.set(explicit, raw.where);
    return explicit;
  }
  const base = defaultName(spec.method, spec.url);
  let name = base;
  for (let k = 2; names.has(name); k++) {
    const suffix = ` #${k}`;
    name = base.slice(0, MAX_NAME - suffix.length) + suffix;
  }
  names.set(name, raw.where);
  return name;
}

/** Every placeholder of the URL, the header values and the body is one the language knows. */
function checkPlaceholders(spec: TargetSpec, raw: RawTarget, file: string): void {
  placed(spec.where, () => {
    scanPlaceholders(spec.url);
    for (const [name, value] of spec.headers) {
      placed(`${spec.where}: header '${name}'`, () => scanPlaceholders(value));
    }
  });
  if (spec.body === undefined) return;
  const where = raw.bodyFile
    ? `${raw.bodyFile.where}: body file '${resolveBodyPath(file, raw.bodyFile.path)}'`
    : `${spec.where}: body`;
  placed(where, () => scanPlaceholderBytes(spec.body!));
}
