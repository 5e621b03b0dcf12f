/**
 * The handle a running run is steered by: {@linkcode RunControl} takes commands (faster, slower,
 * a rate, pause, resume, stop) from the keys and the dashboard's HTTP API and hands them to the
 * run's {@linkcode Steering} (`control.ts`), which says what each did.
 *
 * @module
 */

import type { ControlEvent } from "../../results/mod.ts";

/** A command to a running run. */
export type ControlCommand =
  | { type: "faster" }
  | { type: "slower" }
  | { type: "rate"; rate: number }
  | { type: "pause" }
  | { type: "resume" }
  | { type: "toggle" }
  | { type: "stop" };

/** What a command did: its event, or why it could not apply (an HTTP status and a message). */
export type ControlOutcome =
  | { ok: true; event: ControlEvent }
  | { ok: false; status: 400 | 409; message: string };

/** How much `+` and `-` change the rate. */
export const RATE_STEP = 1.1;

/**
 * The handle a run is steered by: give it to `startRun` (`deps.control`), then send commands.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const control = new RunControl();
 * assert.equal(control.apply({ type: "pause" }).ok, false); // no run yet
 * ```
 */
export class RunControl {
  #apply: ((c: ControlCommand, source: string) => ControlOutcome) | undefined;

  /** The run attaches itself while it goes. */
  attach(apply: (c: ControlCommand, source: string) => ControlOutcome): void {
    this.#apply = apply;
  }

  detach(): void {
    this.#apply = undefined;
  }

  /** Applies a command; `source` names who asked (default `api`). */
  apply(command: ControlCommand, source = "api"): ControlOutcome {
    if (!this.#apply) return { ok: false, status: 409, message: "no run is going on" };
    return this.#apply(command, source);
  }
}
