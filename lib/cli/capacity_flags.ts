/**
 * The flags of `tpsdemo capacity`: the objectives and the search, plus the request and client
 * flags of `run` (what each step sends). Apart from the command, so `--help` loads nothing heavy.
 *
 * @module
 */

import type { FlagSpecs, FlagValues } from "./flags.ts";
import { renderHelp } from "./help.ts";
import { RUN_FLAGS } from "./run_flags.ts";

/** The `run` flags a capacity search passes to each step (`--work-time` 0 by default here). */
const STEP_FLAGS = {
  url: RUN_FLAGS.url,
  method: RUN_FLAGS.method,
  header: RUN_FLAGS.header,
  body: RUN_FLAGS.body,
  "body-file": RUN_FLAGS["body-file"],
  consumers: RUN_FLAGS.consumers,
  "queue-size": RUN_FLAGS["queue-size"],
  workers: RUN_FLAGS.workers,
  "work-time": {
    ...RUN_FLAGS["work-time"],
    default: 0,
    help: "CPU work per response (0: the search measures the target, not the client)",
  },
  "work-kind": RUN_FLAGS["work-kind"],
  timeout: RUN_FLAGS.timeout,
  engine: RUN_FLAGS.engine,
  precision: RUN_FLAGS.precision,
  server: RUN_FLAGS.server,
} as const;

/** The flags of `capacity`. */
export const CAPACITY_FLAGS = {
  "slo": {
    type: "string",
    multiple: true,
    valueName: "EXPR",
    help: "Objective every step must meet, repeatable: 'p99<50ms', 'errors<1%', 'p50<=20ms'",
  },
  "start": {
    type: "number",
    default: 50,
    gt: 0,
    max: 10_000_000,
    valueName: "RPS",
    help: "First rate tried; the search doubles it while the objectives hold",
  },
  "max": {
    type: "number",
    default: 100_000,
    gt: 0,
    max: 10_000_000,
    valueName: "RPS",
    help: "Highest rate tried",
  },
  "step": {
    type: "duration",
    default: 10_000,
    min: 1000,
    max: 3_600_000,
    help: "How long each step is measured (after its warm-up)",
  },
  "warm": {
    type: "duration",
    default: 2000,
    min: 0,
    max: 600_000,
    help: "Warm-up of each step, not counted",
  },
  "resolution": {
    type: "number",
    default: 5,
    min: 0.5,
    max: 50,
    valueName: "PCT",
    help: "The search stops when the highest pass and the lowest fail are this close (%)",
  },
  "operating-point": {
    type: "number",
    default: 80,
    gt: 0,
    max: 100,
    valueName: "PCT",
    help: "The rate recommended, as a share of the maximum found (%)",
  },
  "json": {
    type: "boolean",
    default: false,
    help: "One JSON object per line on stdout: each step, then the capacity report",
  },
  "out": {
    type: "string",
    valueName: "FILE",
    help: "Also write the JSON lines to FILE",
  },
  "html": {
    type: "string",
    valueName: "FILE",
    help: "Write the capacity report as an offline HTML page",
  },
  ...STEP_FLAGS,
} as const satisfies FlagSpecs;

/** Parsed `capacity` flags. */
export type CapacityFlags = FlagValues<typeof CAPACITY_FLAGS>;

/** Help text of `capacity`. */
export const CAPACITY_HELP = renderHelp(
  "capacity",
  "Finds the highest rate at which every objective holds: steps at fixed rates, doubling\n" +
    "from --start, then bisection to --resolution, the answer run again to confirm. Ends with\n" +
    "the capacity report. Without --url it measures an embedded mock server (see --server).",
  CAPACITY_FLAGS,
);
