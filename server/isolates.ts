/**
 * Starts the mock service in 1 or N isolates sharing one port (`reusePort`) and stops them
 * gracefully, with the messages between this thread and each server isolate. One isolate can
 * run in this thread (`serve`), or in a Worker (`run`'s embedded server, so the client's spin
 * never blocks it); either way it binds through `listen`. This module loads no Hono itself.
 *
 * @module
 */

import { settlesWithin } from "../lib/clock.ts";
import type { ServerSettings, SharedStore } from "./settings.ts";
import { epochMs, type ServerState } from "./shared_state.ts";

/** Main → server isolate. */
export type ServerIsolateIn =
  | {
    type: "start";
    index: number;
    buffer: SharedArrayBuffer;
    hostname: string;
    port: number;
    reusePort: boolean;
    settings: ServerSettings;
  }
  | { type: "shutdown"; graceMs: number };

/** Server isolate → main. */
export type ServerIsolateOut =
  | { type: "listening"; port: number }
  | { type: "closed"; drained: boolean }
  | { type: "error"; message: string; addrInUse: boolean };

/** Running isolates. */
export interface Isolates {
  /** The port they listen on. */
  port: number;
  /** Asks each to stop accepting and finish in-flight requests within `graceMs`; true if all did. */
  shutdown(graceMs: number): Promise<boolean>;
}

/** Options of {@linkcode startIsolates}. */
export interface IsolatesOptions {
  hostname: string;
  /** 0 picks a free one, shared by all. */
  port: number;
  count: number;
  settings: ServerSettings;
  /** With one isolate, serve in this thread instead of a Worker (default false). */
  inThisThread?: boolean;
  /** Where `--log` lines go when serving in this thread (Workers write to their stderr). */
  log?: (line: string) => void;
  /** One line when the shared store (`--redis`) goes away or comes back. */
  warn?: (line: string) => void;
}

/** The port is taken: `serve` says so in one line. */
export class AddrInUse extends Error {
  override name = "AddrInUse";
}

function next(worker: Worker): Promise<ServerIsolateOut> {
  return new Promise((resolve) => {
    worker.onmessage = (e: MessageEvent<ServerIsolateOut>) => resolve(e.data);
    worker.onerror = (e) => {
      e.preventDefault();
      resolve({ type: "error", message: e.message, addrInUse: false });
    };
  });
}

/**
 * Starts `count` isolates on `hostname:port` over `state`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_SETTINGS } from "./settings.ts";
 * import { ServerState } from "./shared_state.ts";
 * const state = ServerState.create();
 * const iso = await startIsolates(state, {
 *   hostname: "127.0.0.1", port: 0, count: 2, settings: DEFAULT_SETTINGS,
 * });
 * const res = await fetch(`http://127.0.0.1:${iso.port}/healthz`);
 * assert.equal(res.status, 200);
 * await res.body?.cancel();
 * assert.equal(await iso.shutdown(1000), true);
 * assert.equal(state.snapshot().isolates, 2);
 * ```
 */
/** `GET /dashboard`: the page is loaded on first request, so a server that is not asked loads none. */
export const dashboard = async (): Promise<string> =>
  (await import("./dashboard.ts")).dashboardPage();

/** The flush period of `--redis`'s counters. */
const FLUSH_MS = 200;

/**
 * With `--redis`: this process's store (it warns), flushing the counters of every isolate (they
 * share `state`) every {@linkcode FLUSH_MS}; `close` flushes a last time.
 */
async function sharedStore(state: ServerState, options: IsolatesOptions) {
  const url = options.settings.redis;
  if (!url) return undefined;
  const { RedisStore } = await import("./redis_store.ts");
  const store = new RedisStore(url, {
    coupons: state.snapshot().coupons.total,
    prefix: options.settings.redisPrefix,
    warn: options.warn,
  });
  const flush = () => store.flush(state.snapshot(), epochMs()).catch(() => {});
  const timer = setInterval(flush, FLUSH_MS);
  return {
    store,
    async close() {
      clearInterval(timer);
      await settlesWithin(flush(), 1000);
      store.close();
    },
  };
}

export async function startIsolates(
  state: ServerState,
  options: IsolatesOptions,
): Promise<Isolates> {
  const shared = await sharedStore(state, options);
  try {
    const isolates = await startIsolatesWith(state, options, shared?.store);
    if (!shared) return isolates;
    return {
      port: isolates.port,
      async shutdown(graceMs) {
        const drained = await isolates.shutdown(graceMs);
        await shared.close();
        return drained;
      },
    };
  } catch (err) {
    await shared?.close();
    throw err;
  }
}

async function startIsolatesWith(
  state: ServerState,
  options: IsolatesOptions,
  store: SharedStore | undefined,
): Promise<Isolates> {
  if (options.count === 1 && options.inThisThread) {
    const { listen } = await import("./listen.ts");
    let server: Deno.HttpServer<Deno.NetAddr>;
    try {
      server = listen(options.settings, state, {
        hostname: options.hostname,
        port: options.port,
        reusePort: false,
        index: 0,
        log: options.log,
        dashboard,
        store,
      });
    } catch (err) {
      if (err instanceof Deno.errors.AddrInUse) throw new AddrInUse(String(err));
      throw err;
    }
    return { port: server.addr.port, shutdown: (ms) => settlesWithin(server.shutdown(), ms) };
  }
  if (options.count > 1 && options.port !== 0) {
    // The isolates share the port through reusePort, which would as well let them join another
    // process already on it (two stocks of coupons, half the stats): bind it alone once first.
    try {
      Deno.listen({ hostname: options.hostname, port: options.port }).close();
    } catch (err) {
      if (err instanceof Deno.errors.AddrInUse) throw new AddrInUse(String(err));
      throw err;
    }
  }
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
        settings: options.settings,
      } satisfies ServerIsolateIn,
    );
    const m = await reply;
    if (m.type !== "listening") {
      stopAll();
      if (m.type === "error" && m.addrInUse) throw new AddrInUse(m.message);
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
