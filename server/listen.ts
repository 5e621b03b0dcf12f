/**
 * Binds the mock service in this isolate: one code path for `serve` with one isolate and for
 * each of N server isolates (`workers/server_isolate.ts`).
 *
 * @module
 */

import { createService } from "./accounting.ts";
import type { ServerSettings, SharedStore } from "./settings.ts";
import type { ServerState } from "./shared_state.ts";

/** Where and how one isolate listens. */
export interface ListenOptions {
  hostname: string;
  /** 0 picks a free port. */
  port: number;
  /** Share the port with other isolates (Linux `SO_REUSEPORT`). */
  reusePort: boolean;
  /** This isolate's index. */
  index: number;
  /** Where `--log` lines go (the caller's terminal). */
  log?: (line: string) => void;
  /** The HTML of `GET /dashboard` (none: 404). */
  dashboard?: () => Promise<string>;
  /** A store shared with other servers (`--redis`). */
  store?: SharedStore;
}

/**
 * Serves the mock app over `state` (counted as one more isolate); throws if it cannot bind.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_SETTINGS } from "./settings.ts";
 * import { ServerState } from "./shared_state.ts";
 * const server = listen(DEFAULT_SETTINGS, ServerState.create(), {
 *   hostname: "127.0.0.1", port: 0, reusePort: false, index: 0,
 * });
 * const res = await fetch(`http://127.0.0.1:${server.addr.port}/healthz`);
 * assert.deepEqual(await res.json(), { ok: true });
 * await server.shutdown();
 * ```
 */
export function listen(
  settings: ServerSettings,
  state: ServerState,
  options: ListenOptions,
): Deno.HttpServer<Deno.NetAddr> {
  const { handler } = createService(settings, {
    state,
    isolate: options.index,
    log: options.log,
    dashboard: options.dashboard,
    store: options.store,
  });
  const server = Deno.serve({
    hostname: options.hostname,
    port: options.port,
    reusePort: options.reusePort,
    onListen: () => {},
  }, handler);
  state.addIsolate();
  return server;
}
