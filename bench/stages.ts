// deno-lint-ignore-file no-console -- a benchmark: it prints its tables and progress.
/**
 * `deno task bench stages`: a `--stages` run against nginx (one core each: nginx on core 1, the
 * client on core 0), and each second's sends against the plan's integral over that second: a
 * ramp up, a hold, a jump down, a hold and a ramp down to 0. Goal: every second within 1%.
 *
 * @module
 */

import { RatePlan } from "../lib/client/pace/stages.ts";
import { parseStages } from "../lib/cli/stages_flag.ts";
import { startTarget } from "./paced.ts";
import { measureRun, table, writeResult } from "./_util.ts";

const PLAN = "0s:1000,4s:5000,3s:5000,0s:2000,3s:2000,4s:0";

/** Runs the stage bench; returns its rows. */
export async function benchStages(): Promise<Record<string, unknown>[]> {
  const target = await startTarget();
  const dir = await Deno.makeTempDir({ prefix: "tpsdemo-bench-stages-" });
  const plan = new RatePlan(parseStages(PLAN));
  try {
    const out = `${dir}/stages.ndjson`;
    const r = await measureRun(target.url, [
      "--stages",
      PLAN,
      "--consumers",
      "32",
      "--out",
      out,
      "--json",
    ], "0");
    const records = (await Deno.readTextFile(out)).trim().split("\n").map((l) => JSON.parse(l));
    const intervals = records.filter((x) => x.type === "interval");
    const summary = records.at(-1);
    const rows: Record<string, unknown>[] = [];
    let sentBefore = 0;
    for (const i of intervals) {
      const sent = i.accounting.sent - sentBefore;
      sentBefore = i.accounting.sent;
      // Whole seconds only (the last, short intervals are the stop and the drain).
      if (i.interval_s < 0.9) continue;
      const from = (i.t - i.interval_s) * 1000, to = i.t * 1000;
      const planned = plan.ticksBy(to) - plan.ticksBy(from);
      const error = planned > 0 ? (100 * (sent - planned)) / planned : 0;
      rows.push({
        second: Math.round(i.t),
        rate_at_end: i.rate,
        planned: Math.round(planned),
        sent,
        error_pct: Math.round(error * 100) / 100,
      });
    }
    const judged = rows.filter((r) => (r.planned as number) >= 100);
    const worst = Math.max(...judged.map((r) => Math.abs(r.error_pct as number)));
    console.log(table(rows));
    console.log(
      `plan ${PLAN}: ${summary.requests.sent} sent of ${plan.total} planned ` +
        `(stopped by ${summary.stopped_by}); worst second ${worst}% off its integral ` +
        `(goal 1%); client ${r.cpu} CPU-s; send lateness p99 ${summary.send_lateness_us.p99} µs`,
    );
    console.log(
      `wrote ${
        writeResult("stages", {
          plan: PLAN,
          target: target.name,
          total_planned: plan.total,
          total_sent: summary.requests.sent,
          worst_second_error_pct: worst,
          client_cpu_s: r.cpu,
          send_lateness_us: summary.send_lateness_us,
          rows,
        })
      }`,
    );
    return rows;
  } finally {
    await target.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) await benchStages();
