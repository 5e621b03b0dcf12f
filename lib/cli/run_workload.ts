/**
 * `run`'s workload from its flags: a targets file (`--targets`), or the one request of `--url`,
 * `--method`, `-H` and `--body` when it holds placeholders or reads `--data`; the mix, the data
 * rows and the shard. Every mistake in a file is one usage error naming the file and line.
 *
 * @module
 */

import {
  type DataOrder,
  DataSource,
  defaultName,
  parseCsv,
  parseTargets,
  type TargetSpec,
  validatePlaceholders,
  Workload,
  WorkloadError,
} from "../workload/mod.ts";

import { UsageError } from "./flags.ts";
import type { RunFlags } from "./run_flags.ts";

/** The most targets a run may have: results are kept by name for each. */
export const MAX_TARGETS = 64;

function readText(flag: string, path: string): string {
  try {
    return path === "-"
      ? new TextDecoder().decode(Deno.readFileSync("/dev/stdin"))
      : Deno.readTextFileSync(path);
  } catch (err) {
    throw UsageError.invalid("run", flag, path, `a readable file (${(err as Error).name})`);
  }
}

/** A workload mistake as a usage error: one line, the file and line first. */
function usage(flag: string, value: string, err: unknown): never {
  if (!(err instanceof WorkloadError) && !(err instanceof RangeError)) throw err;
  // A message placed at the flag itself names it once.
  const text = (err as Error).message.replace(new RegExp(`^${flag}: `), "");
  throw new UsageError(`Cannot start run: '${flag}' ${text}`, {
    flag,
    value,
    allowed: "see 'Realistic workloads' in the README",
  });
}

/**
 * The run's workload, or undefined for one fixed request (today's path: no workload at all).
 * `url` is `--url` as given (placeholders unencoded); `request` the flags' method, headers and
 * body.
 */
export function workloadFromFlags(
  v: RunFlags,
  url: string,
  request: { method: string; headers: [string, string][]; body?: Uint8Array },
  shard?: { index: number; count: number },
): Workload | undefined {
  if (v.data === undefined && v["data-order"] !== "sequence") {
    throw UsageError.invalid("run", "--data-order", v["data-order"], "with --data FILE.csv");
  }
  let data: DataSource | undefined;
  if (v.data !== undefined) {
    const text = readText("--data", v.data);
    try {
      data = new DataSource(parseCsv(text, v.data), v["data-order"] as DataOrder, v.seed);
    } catch (err) {
      usage("--data", v.data, err);
    }
  }
  let specs: TargetSpec[];
  if (v.targets !== undefined) {
    const text = readText("--targets", v.targets);
    try {
      specs = parseTargets(text, v.targets === "-" ? "stdin" : v.targets, {
        readFile: (p) => Deno.readFileSync(p),
        defaults: request,
      });
    } catch (err) {
      usage("--targets", v.targets, err);
    }
    if (specs.length > MAX_TARGETS) {
      throw UsageError.invalid(
        "run",
        "--targets",
        v.targets,
        `at most ${MAX_TARGETS} targets (got ${specs.length})`,
      );
    }
  } else {
    const dynamic = url.includes("{{") || request.headers.some(([, x]) => x.includes("{{")) ||
      (request.body !== undefined && new TextDecoder().decode(request.body).includes("{{"));
    if (!dynamic && !data) return undefined;
    specs = [{
      name: defaultName(request.method, url),
      weight: 1,
      method: request.method,
      url,
      headers: request.headers,
      ...(request.body ? { body: request.body } : {}),
      checks: [],
      where: "--url",
    }];
  }
  const flag = v.targets !== undefined ? "--targets" : "--url";
  try {
    for (const s of specs) validatePlaceholders(s, data?.columns);
    return new Workload(specs, {
      mix: { random: v.mix === "random", ...(v.seed !== undefined ? { seed: v.seed } : {}) },
      ...(data ? { data } : {}),
      ...(shard ? { shard } : {}),
    });
  } catch (err) {
    usage(flag, v.targets ?? url, err);
  }
}
