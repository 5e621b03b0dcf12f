/**
 * The embedded mock server of `run` and `capacity` without `--url`: `serve` in this process, on
 * a free loopback port, configured by `--server`'s flags, stopped with the command.
 *
 * @module
 */

import { startIsolates } from "../../server/isolates.ts";
import { ServerState } from "../../server/shared_state.ts";
import type { RunConfig } from "../client/run.ts";
import { parseFlags, UsageError } from "./flags.ts";
import { splitArgs } from "./run_settings.ts";
import { checkWorkers, SERVE_FLAGS, settingsFromFlags } from "./serve_flags.ts";

/** Starts the embedded server from `--server`'s flags; the config's URL is set to it. */
export async function startEmbedded(
  serverArgs: string,
  config: RunConfig,
  command = "run",
): Promise<() => Promise<boolean>> {
  const args = splitArgs(serverArgs);
  for (const a of args) {
    const name = a.replace(/^--?/, "").split("=")[0]!;
    if (a.startsWith("-") && ["port", "host", "grace"].includes(name)) {
      throw new UsageError(
        `Cannot start ${command}: in '--server', '--${name}' cannot be set: the embedded server ` +
          "listens on a free loopback port and stops with the run",
        {
          flag: "--server",
          value: serverArgs,
          allowed: "serve's flags but --port, --host, --grace",
        },
      );
    }
  }
  let flags;
  try {
    flags = parseFlags("serve", args, SERVE_FLAGS);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    throw new UsageError(
      err.message.replace("Cannot start serve:", `Cannot start ${command}: in '--server',`),
      err,
    );
  }
  if (flags.help) {
    throw new UsageError(
      `Cannot start ${command}: '--server' takes serve's flags; see 'tpsdemo serve --help'`,
      { flag: "--server", value: serverArgs, allowed: "serve's flags" },
    );
  }
  checkWorkers(flags.workers, Deno.build.os, command);
  const state = ServerState.create({ coupons: flags.coupons });
  const iso = await startIsolates(state, {
    hostname: "127.0.0.1",
    port: 0,
    count: flags.workers,
    settings: settingsFromFlags(flags),
  });
  config.request.url = new URL(`http://127.0.0.1:${iso.port}/api/work`);
  return () => iso.shutdown(1000);
}
