/**
 * Web Worker entry of one server isolate: binds the mock app with `Deno.serve` (sharing the port
 * with `reusePort` when there are several) over the shared state it is given.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { settlesWithin } from "../lib/clock.ts";
import { createApp } from "../server/app.ts";
import { ServerState } from "../server/shared_state.ts";
import type { ServerIsolateIn, ServerIsolateOut } from "./messages.ts";

let server: Deno.HttpServer<Deno.NetAddr> | undefined;
const post = (m: ServerIsolateOut) => self.postMessage(m);
const encoder = new TextEncoder();

self.onmessage = async (e: MessageEvent<ServerIsolateIn>) => {
  const msg = e.data;
  if (msg.type === "start") {
    const state = ServerState.attach(msg.buffer);
    state.addIsolate();
    const { log, ...app } = msg.app;
    const handler = createApp({
      ...app,
      state,
      isolate: msg.index,
      log: log ? (line) => Deno.stderr.writeSync(encoder.encode(line + "\n")) : undefined,
    }).fetch;
    try {
      server = Deno.serve({
        hostname: msg.hostname,
        port: msg.port,
        reusePort: msg.reusePort,
        onListen: () => {},
      }, handler);
      post({ type: "listening", port: server.addr.port });
    } catch (err) {
      post({ type: "error", message: err instanceof Error ? err.message : String(err) });
    }
  } else if (msg.type === "shutdown") {
    const drained = server ? await settlesWithin(server.shutdown(), msg.graceMs) : true;
    post({ type: "closed", drained });
  }
};
