/**
 * Web Worker entry of the CPU-job pool: runs one job at a time (`cpu`: a fixed amount of hashing
 * worth the job's milliseconds on an idle core; `sleep`: a blocking wait that uses no CPU) and
 * posts the result, or the error.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { burnIterations } from "../lib/cpu_work.ts";
import type { CpuJobIn, CpuJobOut } from "../lib/client/jobs/mod.ts";

const blocker = new Int32Array(new SharedArrayBuffer(4));
let itersPerMs = 100_000;

self.onmessage = (e: MessageEvent<CpuJobIn>) => {
  const msg = e.data;
  if (msg.type === "init") {
    itersPerMs = msg.itersPerMs;
    self.postMessage({ type: "ready" } satisfies CpuJobOut);
    return;
  }
  const t0 = performance.now();
  try {
    if (msg.fail) throw new Error("job failed on purpose");
    let value = "";
    if (msg.kind === "cpu") value = burnIterations(Math.round(msg.ms * itersPerMs), msg.seed);
    else Atomics.wait(blocker, 0, 0, msg.ms);
    self.postMessage(
      { type: "result", id: msg.id, value, ms: performance.now() - t0 } satisfies CpuJobOut,
    );
  } catch (err) {
    self.postMessage(
      {
        type: "error",
        id: msg.id,
        message: err instanceof Error ? err.message : String(err),
      } satisfies CpuJobOut,
    );
  }
};
