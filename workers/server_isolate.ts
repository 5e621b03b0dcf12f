/**
 * Web Worker entry of one server isolate: binds the mock service through `listen`
 * (server/listen.ts) over the shared state it is given, and shuts it down on request. The
 * protocol is `ServerIsolateIn` / `ServerIsolateOut` in server/isolates.ts.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { settlesWithin } from "../lib/clock.ts";
import { dashboard, type ServerIsolateIn, type ServerIsolateOut } from "../server/isolates.ts";
import { listen } from "../server/listen.ts";
import { ServerState } from "../server/shared_state.ts";
import { type OpenStore, openStore } from "../server/store_open.ts";

let server: Deno.HttpServer<Deno.NetAddr> | undefined;
let store: OpenStore | undefined;
const post = (m: ServerIsolateOut) => self.postMessage(m);
const encoder = new TextEncoder();
const log = (line: string) => Deno.stderr.writeSync(encoder.encode(line + "\n"));

self.onmessage = async (e: MessageEvent<ServerIsolateIn>) => {
  const msg = e.data;
  if (msg.type === "start") {
    try {
      const state = ServerState.attach(msg.buffer, msg.usersBuffer);
      // With --redis or --redis-cluster, a connection of this isolate's own (the main thread
      // flushes and warns).
      store = await openStore(msg.settings, { coupons: state.snapshot().coupons.total });
      server = listen(msg.settings, state, { ...msg, log, dashboard, store });
      post({ type: "listening", port: server.addr.port });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      post({ type: "error", message, addrInUse: err instanceof Deno.errors.AddrInUse });
    }
  } else {
    const drained = server ? await settlesWithin(server.shutdown(), msg.graceMs) : true;
    store?.close();
    post({ type: "closed", drained });
  }
};
