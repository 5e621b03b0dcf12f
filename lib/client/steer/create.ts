/**
 * {@linkcode createController}: the controller a run's `--adaptive[=seed]` asks for.
 *
 * @module
 */

import type { Controller, ControllerOptions } from "./controller.ts";
import { SeedController } from "./seed.ts";
import { CapacityController } from "./capacity.ts";

/**
 * Builds the controller for `--adaptive[=seed]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(createController("seed", { target: 100 }).name, "seed");
 * ```
 */
export function createController(
  mode: "seed" | "capacity",
  options: ControllerOptions,
): Controller {
  return mode === "seed" ? new SeedController(options) : new CapacityController(options);
}
