/**
 * The flags of `tpsdemo report`: apart from the command, so `--help` loads nothing heavy.
 *
 * @module
 */

import type { FlagSpecs, FlagValues } from "./flags.ts";
import { renderHelp } from "./help.ts";
import { READINGS } from "../report/runs.ts";

/** The flags of `report`. */
export const REPORT_FLAGS = {
  "as": {
    type: "string",
    choices: READINGS,
    default: "auto",
    valueName: "auto|shards|runs",
    help: "How the files are read: auto tells separate runs (shown side by side) from the shards " +
      "of one run (merged); shards merges every file into one run; runs makes every run its own",
  },
  "json": {
    type: "boolean",
    default: false,
    help: "Print the run's summary as one JSON line; several runs (or capacity files): a line " +
      'each, named by a "run" field',
  },
  "html": {
    type: "string",
    valueName: "FILE",
    help: "Write the offline HTML report to FILE: each run on the same charts (separate runs in " +
      "colours of their own), capacity searches' charts by rate",
  },
  "threshold": {
    type: "string",
    multiple: true,
    valueName: "EXPR",
    help: "Pass/fail gate on each run's results, as for run; a failed one exits 99",
  },
  "junit": {
    type: "string",
    valueName: "FILE",
    help: "Write the thresholds' outcomes as JUnit XML (a test case per run and threshold)",
  },
} as const satisfies FlagSpecs;

/** Parsed `report` flags. */
export type ReportFlags = FlagValues<typeof REPORT_FLAGS>;

/** Help text of `report`. */
export const REPORT_HELP = renderHelp(
  "report",
  "Reads results files (the JSON lines of 'run --json' or 'run --out'; - for stdin) and capacity\n" +
    "results files ('capacity --out'). The shards of one run merge exactly (counts add, HDR\n" +
    "histograms add, intervals align on wall-clock seconds); separate runs are shown side by\n" +
    "side, each with its own figures and verdict. Usage: tpsdemo report FILE... [flags]",
  REPORT_FLAGS,
);
