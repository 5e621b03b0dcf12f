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
import { epochMs, type ServerState, type StatsSnapshot } from "./shared_state.ts";
import { ClusterUnreachable, openStore, StoreRefused } from "./store_open.ts";

/** Main → server isolate. */
export type ServerIsolateIn =
  | {
    type: "start";
    index: number;
    buffer: SharedArrayBuffer;
    /** The coupon users' buffer (`ServerState.usersBuffer`). */
    usersBuffer: SharedArrayBuffer;
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
  /** With `--redis`: the store they share (`Redis at redis://…`). */
  store?: string;
  /**
   * What `/stats` answers now: the shared store's view with `--redis` (it rejects, naming the
   * store, when the store cannot be reached), else this process's counters.
   */
  stats(): Promise<StatsSnapshot>;
  /** Asks each to stop accepting and finish in-flight requests within `graceMs`; true if all did. */
  drain(graceMs: number): Promise<boolean>;
  /** After `drain`: flushes the counters to the shared store a last time and closes it. */
  close(): Promise<void>;
  /** `drain`, then `close`. */
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
  /** One line when the shared store (`--redis`, a node of `--redis-cluster`) goes away or back. */
  warn?: (line: string) => void;
}

/** The port is taken: `serve` says so in one line. */
export class AddrInUse extends Error {
  override name = "AddrInUse";
}

export { ClusterUnreachable, StoreRefused };

function next(worker: Worker): Promise<ServerIsolateOut> {
  return new Promise((resolve) => {
    worker.onmessage = (e: MessageEvent<ServerIsolateOut>) => resolve(e.data);
    worker.onerror = (e) => {
      e.preventDefault();
      resolve({ type: "error", message: e.message, addrInUse: false });
    };
  });
}

/** `GET /dashboard`: the page is loaded on first request, so a server that is not asked loads none. */
export const dashboard = async (): Promise<string> =>
  (await import("./dashboard.ts")).dashboardPage();

/** The flush period of `--redis`'s counters. */
const FLUSH_MS = 200;

/**
 * With `--redis` or `--redis-cluster`: this process's store (it warns), flushing the counters of
 * every isolate (they share `state`) every {@linkcode FLUSH_MS} from `start`; `close` flushes a
 * last time (and takes this process out of the live ones). It waits for the first connection,
 * so a server says it listens once it can issue coupons (`store_open.ts` says what it refuses).
 */
async function sharedStore(state: ServerState, options: IsolatesOptions) {
  const store = await openStore(options.settings, {
    coupons: state.snapshot().coupons.total,
    warn: options.warn,
    first: true,
  });
  if (!store) return undefined;
  const flush = (last = false) => store.flush(state.snapshot(), epochMs(), last).catch(() => {});
  let timer: ReturnType<typeof setInterval> | undefined;
  return {
    store,
    /** Once the isolates listen: a first flush (their count), then one every FLUSH_MS. */
    async start() {
      await flush();
      timer = setInterval(flush, FLUSH_MS);
    },
    async close() {
      clearInterval(timer);
      await settlesWithin(flush(true), 1000);
      store.close();
    },
  };
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
 * assert.equal((await iso.stats()).isolates, 2);
 * ```
 */
export async function startIsolates(
  state: ServerState,
  options: IsolatesOptions,
): Promise<Isolates> {
  const shared = await sharedStore(state, options);
  let drain: (graceMs: number) => Promise<boolean>;
  let port: number;
  try {
    ({ port, drain } = await startIsolatesWith(state, options, shared?.store));
    await shared?.start();
  } catch (err) {
    await shared?.close();
    throw err;
  }
  const close = async () => await shared?.close();
  return {
    port,
    store: shared?.store.name,
    stats: () => {
      const now = epochMs();
      const local = state.snapshot(now);
      return shared ? shared.store.stats(local, now) : Promise.resolve(local);
    },
    drain,
    close,
    async shutdown(graceMs) {
      const drained = await drain(graceMs);
      await close();
      return drained;
    },
  };
}

async function startIsolatesWith(
  state: ServerState,
  options: IsolatesOptions,
  store: SharedStore | undefined,
): Promise<Pick<Isolates, "port" | "drain">> {
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
    return { port: server.addr.port, drain: (ms) => settlesWithin(server.shutdown(), ms) };
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
        usersBuffer: state.usersBuffer,
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
    async drain(graceMs) {
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
