/**
 * `tpsdemo run`'s closed model: virtual users from `--vus N` or a `--stages` plan in `vu`; what
 * they cannot go with (a rate or a rate plan, `--adaptive`, shards, `--consumers`, an `achieved`
 * threshold), each a usage error on one line naming the flag; and the model in words for the
 * start line.
 *
 * @module
 */

import type { VuStage } from "../client/dispatch/mod.ts";
import type { Shard, Stage } from "../client/pace/mod.ts";
import type { RunConfig } from "../client/run.ts";
import { UsageError } from "./flags.ts";
import { parsePlan, type Plan, StagesError } from "./stages_flag.ts";

/** The flags the closed model reads. */
export interface ModelFlags {
  vus?: number;
  stages?: string;
  adaptive: boolean | string;
  consumers?: number;
  threshold?: string[];
}

/**
 * Reads `--stages` in either unit, or a {@linkcode UsageError} naming the entry.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(planOf("0s:2vu,5s:2vu").unit, "vu");
 * ```
 */
export function planOf(text: string): Plan {
  try {
    return parsePlan(text);
  } catch (err) {
    if (!(err instanceof StagesError)) throw err;
    throw new UsageError(`Cannot start run: '--stages' ${err.message}`, {
      flag: "--stages",
      value: text,
      allowed: "DURATION:RATE or FROM..TO/STEP@DURATION entries, comma-separated (in vu: " +
        "DURATION:Nvu)",
    });
  }
}

/**
 * The virtual users the flags ask for (`--vus N`, or a plan in `vu`), or undefined (a paced
 * run); a {@linkcode UsageError} when they come with what sets the load another way.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(vusOf({ vus: 8, adaptive: false }, undefined), 8);
 * assert.equal(vusOf({ adaptive: false }, undefined), undefined);
 * assert.throws(() => vusOf({ vus: 8, adaptive: true }, undefined), /'--adaptive'/);
 * ```
 */
export function vusOf(
  v: ModelFlags,
  plan: Plan | undefined,
  shard?: Shard,
): number | VuStage[] | undefined {
  const vuPlan = plan?.unit === "vu" ? plan.stages : undefined;
  if (v.vus === undefined && !vuPlan) return undefined;
  const [flag, value] = v.vus !== undefined ? ["--vus", String(v.vus)] : ["--stages", v.stages!];
  const refuse = (message: string, allowed: string): never => {
    throw new UsageError(`Cannot start run: ${message}`, { flag, value, allowed });
  };
  if (v.vus !== undefined && plan) {
    refuse(
      plan.unit === "vu"
        ? `'--vus ${v.vus}' and the vu plan of '--stages' both set the virtual users: give one`
        : `'--vus ${v.vus}' sets virtual users and '--stages' is a rate plan: give the plan in ` +
          "vu ('0s:10vu,5s:10vu') or drop '--vus'",
      "one of --vus and --stages",
    );
  }
  const who = flag === "--vus" ? `'--vus ${v.vus}'` : "a vu plan in '--stages'";
  if (v.adaptive !== false) {
    refuse(
      `'--adaptive' adapts a rate, and ${who} has none (the VUs set the load): drop one`,
      "without --adaptive",
    );
  }
  if (shard) {
    refuse(
      `${who} cannot be sharded ('--shard', '--shards'): shards split one schedule, and the ` +
        "closed model has none; give each machine its own --vus",
      "without --shard or --shards",
    );
  }
  if (v.consumers !== undefined) {
    refuse(
      `'--consumers ${v.consumers}' with ${who}: each VU is a consumer (a connection each); ` +
        "drop '--consumers'",
      "without --consumers",
    );
  }
  return vuPlan ?? v.vus;
}

/**
 * What only the command line tells (a flag given explicitly): `--rate` with virtual users or with
 * a plan, and an `achieved` threshold with virtual users (they ask for no rate to achieve).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.throws(() => checkLoadFlags({ vus: 2, adaptive: false }, ["--vus", "2", "--rate", "9"], true), /'--rate'/);
 * checkLoadFlags({ adaptive: false }, ["--rate", "9"], false);
 * ```
 */
export function checkLoadFlags(v: ModelFlags, args: string[], closed: boolean): void {
  const rate = args.find((a) => /^--rate(-limit)?(=|$)/.test(a));
  if (closed && rate) {
    const by = v.vus !== undefined ? `'--vus ${v.vus}'` : "the vu plan of '--stages'";
    throw new UsageError(
      `Cannot start run: '${rate.split("=")[0]}' with ${by}: the virtual users set the load ` +
        "(a closed model, no rate); drop '--rate'",
      { flag: rate.split("=")[0], allowed: "without --vus or a vu plan" },
    );
  }
  if (v.stages !== undefined && rate) {
    throw new UsageError(
      "Cannot start run: '--stages' sets the rate over time: drop '--rate' (with '--adaptive', " +
        "the stages are its ceiling)",
      { flag: "--stages", value: v.stages, allowed: "without --rate" },
    );
  }
  const achieved = closed && v.threshold?.find((t) => /^\s*achieved\b/.test(t));
  if (achieved) {
    throw UsageError.invalid(
      "run",
      "--threshold",
      achieved,
      "about p50-p999, max, mean, errors or rps with virtual users (they ask for no rate: " +
        "achieved has nothing to measure against)",
    );
  }
}

/**
 * The start line's words for the load: a rate, a plan, or the virtual users.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const c = { rate: 0, consumers: 8, vus: 8 };
 * assert.equal(loadText(c), "8 virtual users (closed model)");
 * ```
 */
export function loadText(
  config: Pick<RunConfig, "rate" | "consumers" | "vus"> & { stages?: Stage[] },
  stages?: string,
): string {
  if (config.vus !== undefined) {
    return typeof config.vus === "number"
      ? `${config.vus} virtual user${config.vus === 1 ? "" : "s"} (closed model)`
      : `virtual users ${stages} (closed model, at most ${config.consumers})`;
  }
  return config.stages
    ? `stages ${stages}`
    : config.rate === 0
    ? "max rate (closed loop)"
    : `${config.rate}/s`;
}
