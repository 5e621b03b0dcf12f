// deno-lint-ignore-file no-console -- an example: it prints its progress and its answer.
/**
 * Seed 1, the adaptive TPS client: the source's tuning guide, symptom by symptom, reproduced
 * against tpsdemo's embedded server, each with tpsdemo's verdict (the summary's
 * `bottleneck.advice`) beside the guide's advice.
 *
 * Run: `deno run -A examples/seeds/1_adaptive_client.ts [--quick]` (`deno task seed:1`).
 *
 * @module
 */

import { fmt, type Json, printTable, QUICK, shell, withProcesses } from "./_seed.ts";

interface Case {
  /** What the guide calls it. */
  symptom: string;
  args: string[];
  /** The guide's figure and advice. */
  guide: string;
  advice: string;
}

const CASES: Case[] = [
  {
    symptom: "CPU jobs past the cores",
    args: ["--work-time", "200ms", "--rate", "60"],
    guide: "8 workers / 0.2 s = 40/s max",
    advice: "done/s below requests/s: more workers or shorter work",
  },
  {
    symptom: "too few Workers (sleeping jobs)",
    args: ["--workers", "4", "--work-time", "100ms", "--work-kind", "sleep", "--rate", "100"],
    guide: "4 workers at 0.1 s -> 40/s",
    advice: "more workers or shorter work",
  },
  {
    symptom: "the guide's fix for 100/s",
    args: [
      ...["--consumers", "8", "--workers", "16", "--work-time", "100ms", "--work-kind", "sleep"],
      ...["--rate", "100"],
    ],
    guide: "16 workers -> 160/s (headroom)",
    advice: "--consumers 8 --workers 16 --rate-limit 100",
  },
  {
    symptom: "too few consumers",
    args: ["--consumers", "1", "--rate", "200", "--work-time", "0"],
    guide: "9/s with 1 consumer",
    advice: "requests/s very low: more consumers",
  },
  {
    symptom: "enough consumers",
    args: ["--consumers", "8", "--rate", "200", "--work-time", "0"],
    guide: "72/s with 8",
    advice: "consumers = the concurrency wanted (4-16)",
  },
  {
    symptom: "a target at capacity",
    args: ["--server", "--capacity 50", "--rate", "100", "--work-time", "0"],
    guide: "queue keeps growing",
    advice: "the rate is above what is processed",
  },
];

await withProcesses(async (procs) => {
  const duration = QUICK ? "3s" : "10s";
  const rows: string[][] = [];
  const verdicts: string[] = [];
  for (const [i, c] of CASES.entries()) {
    console.error(`seed 1: ${c.symptom}: tpsdemo run ${shell(c.args)} --duration ${duration}`);
    const { lines } = await procs.tpsdemo(["run", ...c.args, "--duration", duration, "--json"]);
    const s = lines.at(-1) as Json;
    if (s?.type !== "summary") throw new Error(`no summary from ${c.args.join(" ")}`);
    const errors = s.requests.sent ? (100 * s.errors) / s.requests.sent : 0;
    rows.push([
      String(i + 1),
      c.symptom,
      c.guide,
      `${fmt(s.achieved_rate)}/s sent, ${fmt(s.done_per_s)}/s done, ${fmt(errors)}% err`,
      s.bottleneck.stage,
    ]);
    verdicts.push(
      `${i + 1}. ${shell(c.args)}\n   guide:   ${c.advice}\n   tpsdemo: ${s.bottleneck.advice}`,
    );
  }
  console.log(
    `\nThe tuning guide's symptoms, ${duration} each against the embedded server ` +
      `(20 ms +/- 5 ms), on ${navigator.hardwareConcurrency} cores:\n`,
  );
  printTable(["#", "symptom", "source (guide)", "tpsdemo (measured)", "verdict"], rows);
  console.log("\nThe guide's advice beside tpsdemo's verdict (bottleneck.advice):\n");
  console.log(verdicts.join("\n"));
});
