/**
 * Web Worker entry of the pacer: runs `runPacerLoop` (lib/client/pacer_loop.ts) on the start
 * message and posts what it returns.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { runPacerLoop } from "../lib/client/pacer_loop.ts";
import type { PacerIn } from "../lib/client/pacer_protocol.ts";

self.onmessage = (e: MessageEvent<PacerIn>) => self.postMessage(runPacerLoop(e.data));
