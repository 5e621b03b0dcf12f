/**
 * Web Worker entry of the pacer: runs `runPacerLoop` (lib/client/pace/loop.ts) on the start
 * message and posts what it returns.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { runPacerLoop } from "../lib/client/pace/mod.ts";
import type { PacerIn } from "../lib/client/pace/mod.ts";

self.onmessage = (e: MessageEvent<PacerIn>) => self.postMessage(runPacerLoop(e.data));
