// deno-lint-ignore-file no-console -- the CLI edge: printing to the terminal is its job.
/**
 * tpsdemo's entry point: the subcommand map. The only place that exits the process; a
 * {@linkcode UsageError} becomes one line on stderr and exit code 2.
 *
 * @module
 */

import denoJson from "./deno.json" with { type: "json" };
import { UsageError } from "./lib/cli/flags.ts";
import { RUN_HELP } from "./lib/cli/run_flags.ts";
import { SERVE_HELP } from "./lib/cli/serve_flags.ts";
import { REPORT_HELP } from "./lib/cli/report_flags.ts";
import { CAPACITY_HELP } from "./lib/cli/capacity_flags.ts";

/** The program's version: `deno.json`'s, the one source. */
export const VERSION: string = denoJson.version;

const COMMANDS: Record<string, { run: (args: string[]) => Promise<number>; help: string }> = {
  // Loaded on demand: `--help` loads neither command, and `run` loads no Hono.
  serve: {
    run: async (args) => (await import("./lib/cli/serve_command.ts")).serveCommand(args),
    help: SERVE_HELP,
  },
  run: {
    run: async (args) => (await import("./lib/cli/run_command.ts")).runCommand(args),
    help: RUN_HELP,
  },
  report: {
    run: async (args) => (await import("./lib/cli/report_command.ts")).reportCommand(args),
    help: REPORT_HELP,
  },
  capacity: {
    run: async (args) => (await import("./lib/cli/capacity_command.ts")).capacityCommand(args),
    help: CAPACITY_HELP,
  },
};

const USAGE = `tpsdemo ${VERSION}: paces HTTP load precisely and finds the rate a service sustains.

Usage:
  tpsdemo serve [flags]   Run the mock HTTP service (latency, 503s, capacity, cache, coupons)
  tpsdemo run [flags]     Run the paced load client (embedded mock server without --url)
  tpsdemo report FILE...  Merge results files exactly and print the summary (thresholds too)
  tpsdemo capacity --slo EXPR  Find the highest rate at which every objective holds
  tpsdemo help COMMAND    Show a command's flags

Flags:
  -h, --help              Show this help
  -V, --version           Show the version

Examples:
  tpsdemo serve --capacity 300
  tpsdemo run --consumers 8 --duration 10s
  tpsdemo run --stages 30s:100,1m:100,0s:500,1m:500 --dashboard
  tpsdemo capacity --url http://127.0.0.1:8000/api/work --slo 'p99<50ms' --slo 'errors<1%'
  tpsdemo run --url http://127.0.0.1:8000/api/work --adaptive --json |
    jq 'select(.type == "interval") | .api_per_s'`;

/** Runs the program with `args`; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const [first, ...rest] = args;
  if (first === undefined || first === "--help" || first === "-h") {
    console.log(USAGE);
    return first === undefined ? 2 : 0;
  }
  if (first === "--version" || first === "-V") {
    console.log(`tpsdemo ${VERSION}`);
    return 0;
  }
  if (first === "help") {
    if (rest.length === 0) {
      console.log(USAGE);
      return 0;
    }
    const cmd = COMMANDS[rest[0]!];
    if (!cmd) throw new UsageError(`unknown command "${rest[0]}"; see 'tpsdemo --help'`);
    console.log(cmd.help);
    return 0;
  }
  const cmd = COMMANDS[first];
  if (!cmd) {
    throw new UsageError(
      first.startsWith("-")
        ? `unknown flag '${first}'; see 'tpsdemo --help'`
        : `unknown command "${first}"; see 'tpsdemo --help'`,
    );
  }
  return await cmd.run(rest);
}

if (import.meta.main) {
  let code: number;
  try {
    code = await main(Deno.args);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`tpsdemo: ${err.message}`);
      code = 2;
    } else {
      console.error(`tpsdemo: ${err instanceof Error ? err.message : String(err)}`);
      code = 1;
    }
  }
  Deno.exit(code);
}
