/**
 * The flags of `tpsdemo report`: apart from the command, so `--help` loads nothing heavy.
 *
 * @module
 */

import type { FlagSpecs, FlagValues } from "./flags.ts";
import { renderHelp } from "./help.ts";

/** The flags of `report`. */
export const REPORT_FLAGS = {
  "json": { type: "boolean", default: false, help: "Print the merged summary as one JSON line" },
  "html": {
    type: "string",
    valueName: "FILE",
    help: "Write the offline HTML report to FILE: each run on the same charts, the merge in " +
      "the header",
  },
  "threshold": {
    type: "string",
    multiple: true,
    valueName: "EXPR",
    help: "Pass/fail gate on the merged results, as for run; a failed one exits 99",
  },
  "junit": {
    type: "string",
    valueName: "FILE",
    help: "Write the thresholds' outcomes as JUnit XML",
  },
} as const satisfies FlagSpecs;

/** Parsed `report` flags. */
export type ReportFlags = FlagValues<typeof REPORT_FLAGS>;

/** Help text of `report`. */
export const REPORT_HELP = renderHelp(
  "report",
  "Reads results files (the JSON lines of 'run --json' or 'run --out'; - for stdin), merges\n" +
    "them exactly (counts add, HDR histograms add, intervals align on wall-clock seconds) and\n" +
    "prints the summary. Usage: tpsdemo report FILE... [flags]",
  REPORT_FLAGS,
);
