/**
 * Starts the mock app in N server isolates (Web Workers sharing one port with `reusePort`) and
 * stops them gracefully. Used by `serve --workers N` and by `run`'s embedded server.
 *
 * @module
 */

import type { IsolateAppOptions, ServerIsolateIn, ServerIsolateOut } from "../workers/messages.ts";
import type { ServerState } from "./shared_state.ts";

/** Running isolates. */
export interface Isolates {
  /** The port they listen on. */
  port: number;
  /** Asks each to stop accepting and finish in-flight requests within `graceMs`; true if all did. */
  shutdown(graceMs: number): Promise<boolean>;
}

function next(worker: Worker): Promise<ServerIsolateOut> {
  return new Promise((resolve) => {
    worker.onmessage = (e: MessageEvent<ServerIsolateOut>) => resolve(e.data);
    worker.onerror = (e) => {
      e.preventDefault();
      resolve({ type: "error", message: e.message });
    };
  });
}

/**
 * Starts `count` isolates on `hostname:port` (port 0 picks a free one, shared by all).
 *
 * @example
 * ```ts
 * const iso = await startIsolates(ServerState.create(), { hostname: "127.0.0.1", port: 0, count: 2, app });
 * await iso.shutdown(1000);
 * ```
 */
export async function startIsolates(
  state: ServerState,
  options: { hostname: string; port: number; count: number; app: IsolateAppOptions },
): Promise<Isolates> {
  const workers: Worker[] = [];
  const stopAll = () => workers.forEach((w) => w.terminate());
  let port = options.port;
  for (let i = 0; i < options.count; i++) {
    const w = new Worker(new URL("../workers/server_isolate.ts", import.meta.url), {
      type: "module",
    });
    workers.push(w);
    const reply = next(w);
    w.postMessage(
      {
        type: "start",
        index: i,
        buffer: state.buffer,
        hostname: options.hostname,
        port,
        reusePort: options.count > 1,
        app: options.app,
      } satisfies ServerIsolateIn,
    );
    const m = await reply;
    if (m.type !== "listening") {
      stopAll();
      throw new Error(m.type === "error" ? m.message : "server isolate did not start");
    }
    port = m.port;
  }
  return {
    port,
    async shutdown(graceMs) {
      const replies = workers.map((w) => {
        const r = next(w);
        w.postMessage({ type: "shutdown", graceMs } satisfies ServerIsolateIn);
        return r;
      });
      const all = await Promise.all(replies);
      stopAll();
      return all.every((m) => m.type === "closed" && m.drained);
    },
  };
}
