// deno-lint-ignore-file no-console -- an example: it prints its progress and its answer.
/**
 * Seed 2, the pacer's evolution: source 2's five pacers beside tpsdemo's, on the simulator
 * (pacers 4 and 5 as controllers; 1–3 are a fixed rate there) and on a real target (`tpsdemo
 * serve`; the source's pacers in Python, `pacers.py`): drift, lateness, oscillation, one table.
 *
 * Run: `deno run -A examples/seeds/2_pacers.ts [--quick]` (`deno task seed:2`).
 *
 * @module
 */

import { CapacityController, type Controller } from "../../lib/client/steer/mod.ts";
import { SeedController } from "../../lib/client/steer/mod.ts";
import { acceptanceScenarios } from "../../lib/sim/scenarios.ts";
import { simulate } from "../../lib/sim/simulator.ts";
import { fmt, type Json, need, printTable, QUICK, withProcesses } from "./_seed.ts";
import { AimdController, FixedController, PACER_NAMES, type PacerKind } from "./pacers.ts";

const PY = new URL("./pacers.py", import.meta.url).pathname;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
/** Lateness in µs as text: µs below 10 ms, ms above. */
const late = (us: number) => us < 10_000 ? `${fmt(us, 0)} us` : `${fmt(us / 1000, 0)} ms`;
const range = (lo: number, hi: number) =>
  lo === hi ? `${fmt(lo, 0)}` : `${fmt(lo, 0)}-${fmt(hi, 0)}`;

/** The simulator's two settings: a slow consumer behind the pacer, and a target at capacity. */
function onSimulator(make: (target: number) => Controller): [string, string] {
  const scenarios = acceptanceScenarios(1);
  const slow = scenarios.find((s) => s.name === "client ceiling 300/s")!;
  const full = scenarios.find((s) => s.name === "target 4x capacity")!;
  const a = simulate(slow, make(slow.target)).seconds.filter((s) => s.t > 10);
  const b = simulate(full, make(full.target)).seconds.filter((s) => s.t > 10);
  const rates = a.map((s) => s.rate);
  const errors = b.reduce((n, s) => n + s.errors, 0) /
    Math.max(1, b.reduce((n, s) => n + s.sent, 0));
  return [
    `${fmt(mean(a.map((s) => s.sent)), 0)}/s, rate ${
      range(Math.min(...rates), Math.max(...rates))
    }, ` +
    `lag ${fmt(Math.max(...a.map((s) => s.lagP90)), 0)} ms`,
    `${fmt(mean(b.map((s) => s.ok)), 0)}/s ok, ${fmt(100 * errors, 0)}% 503`,
  ];
}

await withProcesses(async (procs) => {
  const python = need("python3", "/usr/bin/python3");
  const [fastS, slowS] = QUICK ? [2, 3] : [5, 10];
  const srv = await procs.serve([]);
  const base = `http://127.0.0.1:${srv.port}/api/work`;
  const fast = `${base}?latency=0ms&jitter=0ms`;
  const rows: string[][] = [];
  const claims: Record<string, { a: string; b: string }> = {};
  for (const kind of [1, 2, 3, 4, 5] as PacerKind[]) {
    console.error(`seed 2: pacer ${PACER_NAMES[kind]}: 500/s to a 0 ms target, 100/s to 20 ms`);
    const py = async (rate: number, s: number, url: string): Promise<Json> => {
      const out = await procs.run(`pacer ${kind}`, python, [
        PY,
        String(kind),
        String(rate),
        String(s),
        url,
      ]);
      if (out.code !== 0) throw new Error(`pacers.py ${kind}: exit ${out.code}\n${out.stderr}`);
      return JSON.parse(out.stdout);
    };
    const a = await py(500, fastS, fast);
    const b = await py(100, slowS, base);
    const sim = kind <= 3
      ? onSimulator((t) => new FixedController(t))
      : onSimulator((t) => kind === 4 ? new AimdController(t) : new SeedController({ target: t }));
    const aText = `${fmt((100 * a.calls) / (500 * fastS))}% sent, late ${late(a.late_p50_us)} / ${
      late(a.late_p99_us)
    }`;
    const bText = `${fmt(mean(b.per_second.slice(Math.floor(slowS / 2))), 0)}/s, tps ${
      range(b.tps_min, b.tps_max)
    }, late p50 ${late(b.late_p50_us)}`;
    rows.push([PACER_NAMES[kind], ...sim, aText, bText]);
    claims[kind] = { a: aText, b: bText };
  }
  console.error("seed 2: tpsdemo run --rate 500, then --rate 100 --consumers 1 --adaptive");
  const common = ["--work-time", "0", "--json"];
  const ra = await procs.tpsdemo([
    "run",
    "--url",
    fast,
    "--rate",
    "500",
    "--duration",
    `${fastS}s`,
    ...common,
  ]);
  const rb = await procs.tpsdemo([
    ...["run", "--url", base, "--rate", "100", "--consumers", "1", "--adaptive"],
    ...["--duration", `${slowS}s`, "--interval", "500ms", ...common],
  ]);
  const sa = ra.lines.at(-1) as Json;
  const ivs = rb.lines.filter((l: Json) =>
    l.type === "interval" && !l.drain && l.t > slowS / 2
  ) as Json[];
  const tRates = ivs.map((i) => i.rate as number);
  rows.push([
    "tpsdemo (--adaptive; --rate 500)",
    ...onSimulator((t) => new CapacityController({ target: t })),
    `${fmt(sa.achieved_pct)}% sent, late ${late(sa.send_lateness_us.p50)} / ${
      late(sa.send_lateness_us.p99)
    }`,
    `${fmt(mean(ivs.map((i) => i.api_per_s)), 0)}/s, tps ${
      range(Math.min(...tRates), Math.max(...tRates))
    }` +
    `, late p50 ${late(mean(ivs.map((i) => i.send_lateness_us?.p50 ?? NaN)))}`,
  ]);
  console.log(
    `\nThe pacers on the simulator (steady state from 10 s) and against tpsdemo serve ` +
      `(a ${fastS} s run at 500/s of a 0 ms request; a ${slowS} s run asking 100/s of a 20 ms one, ` +
      `each call waited for: the slow, blocking consumer; figures of its second half):\n`,
  );
  printTable([
    "pacer",
    "sim: consumer slower than the pacer (300/s for 1000/s)",
    "sim: target at 500/s (2000/s)",
    "real: 500/s, 0 ms target",
    "real: 100/s asked, 20 ms blocking call",
  ], rows);
  console.log("\nThe source's claims, as measured here:\n");
  printTable(["pacer", "source says", "measured", "what it means"], [
    [
      "1",
      "drift accumulates",
      claims[1]!.a,
      "each call's own time and oversleep add up: it falls behind",
    ],
    ["2", "no drift", claims[2]!.a, "the schedule holds the rate; a late wake-up is caught up"],
    [
      "3",
      "exact timing near 500 TPS",
      claims[3]!.a,
      "the median is exact; the tail is the scheduler's",
    ],
    ["4", "oscillates", claims[4]!.b, "x0.7 / +1 saws around what the consumer carries"],
    ["4", "(a fast target)", claims[4]!.a, "its own call time is in the interval: it cuts itself"],
    [
      "5",
      "converges without oscillating",
      claims[5]!.b,
      "a narrower swing; still late, as it sits above",
    ],
    [
      "5",
      "(a fast target)",
      claims[5]!.a,
      "the same self-inflicted cut, which the dead zone holds",
    ],
    ["tpsdemo", "-", rows.at(-1)![4]!, "settles just under what 1 consumer carries, sends on time"],
    [
      "tpsdemo",
      "(a fast target)",
      rows.at(-1)![3]!,
      "a fixed rate, met; the pacer has a Worker of its own",
    ],
  ]);
});
