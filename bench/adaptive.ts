// deno-lint-ignore-file no-console -- a benchmark: it prints its tables and progress.
/**
 * `bench/adaptive`: both adaptive modes on every acceptance scenario of the simulator, worst of
 * 10 seeds: the figures each row is judged on, and whether it passes.
 *
 * @module
 */

import { CapacityController } from "../lib/client/steer/capacity.ts";
import { SeedController } from "../lib/client/steer/seed.ts";
import { acceptanceScenarios } from "../lib/sim/scenarios.ts";
import { simulate } from "../lib/sim/simulator.ts";
import { table, writeResult } from "./_util.ts";

/** For each figure, which direction is worse. */
const WORSE: Record<string, "max" | "min"> = {
  converged_s: "max",
  utilisation: "min",
  goodput_cv_pct: "max",
  errors_pct: "max",
  p50_vs_unloaded: "max",
  recovered_s: "max",
  at_or_below_s: "max",
  lag_ok_from_s: "max",
  max_lag_p90_ms_after_5s: "max",
  cuts: "max",
};

/** Runs the benchmark; returns its rows. */
export function benchAdaptive(seeds = 10): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (const mode of ["capacity", "seed"] as const) {
    for (const [i, first] of acceptanceScenarios(1).entries()) {
      let pass = true;
      const worst: Record<string, number> = {};
      for (let seed = 1; seed <= seeds; seed++) {
        const sc = acceptanceScenarios(seed)[i];
        const ctl = mode === "seed"
          ? new SeedController({ target: sc!.target })
          : new CapacityController({ target: sc!.target });
        const v = sc!.judge(simulate(sc!, ctl));
        pass &&= v.pass;
        for (const [k, val] of Object.entries(v.figures)) {
          const x = val ?? Infinity;
          const prev = worst[k];
          worst[k] = prev === undefined
            ? x
            : (WORSE[k] === "min" ? Math.min(prev, x) : Math.max(prev, x));
        }
      }
      rows.push({
        mode: mode === "seed" ? "--adaptive=seed" : "--adaptive",
        scenario: first.name,
        pass: pass ? "yes" : "NO",
        worst: Object.entries(worst).map(([k, v]) =>
          `${k}=${Number.isFinite(v) ? Math.round(v * 100) / 100 : "never"}`
        ).join(" "),
      });
    }
  }
  console.log(table(rows));
  writeResult("adaptive", { seeds, rows });
  return rows;
}

if (import.meta.main) benchAdaptive(Number(Deno.args[0] ?? 10));
