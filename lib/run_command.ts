/**
 * `tpsdemo run`: placeholder until the load client lands.
 *
 * @module
 */

/** Help text of `run`. */
export const RUN_HELP = "Usage: tpsdemo run [flags]";

/** Runs `tpsdemo run`. */
export function runCommand(_args: string[]): Promise<number> {
  return Promise.resolve(0);
}
