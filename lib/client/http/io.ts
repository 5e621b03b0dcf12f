/**
 * Reading and writing an open connection, the cheap way. `Deno.Conn.read` wraps the runtime's
 * read op in an async function that also files the promise in a set (for `unref`), and that
 * costs about 840 bytes of heap and 1.3 µs of CPU a request (BENCHMARKS.md, issue 23). The
 * runtime's own resource ops (`core.read`, `core.write`, by the connection's resource id) do the
 * same I/O without the wrapper. Both are internal to the runtime, so they are looked up once and
 * checked; when either is missing (another runtime version), the public methods are used.
 *
 * @module
 */

/** The runtime's resource ops, as far as this module uses them. */
interface CoreOps {
  read(rid: number, buf: Uint8Array): Promise<number>;
  write(rid: number, buf: Uint8Array): Promise<number>;
  internalRidSymbol: symbol;
}

function findCore(): CoreOps | undefined {
  try {
    const internal = (Deno as unknown as { internal: symbol }).internal;
    const core = (Deno as unknown as Record<symbol, { core?: Partial<CoreOps> } | undefined>)[
      internal
    ]?.core;
    if (
      typeof core?.read === "function" && typeof core.write === "function" &&
      typeof core.internalRidSymbol === "symbol"
    ) return core as CoreOps;
  } catch { /* not this runtime's shape */ }
  return undefined;
}

const core = findCore();

/** One connection's reads and writes. */
export interface ConnIo {
  /** Reads into `buf` (never empty); resolves with the bytes read, 0 at the end of the stream. */
  read(buf: Uint8Array): Promise<number>;
  /** Writes (some of) `bytes`; resolves with how many were written. */
  write(bytes: Uint8Array): Promise<number>;
  /** Closes the connection. */
  close(): void;
  /** Whether the runtime's ops are used (false: the public `Deno.Conn` methods). */
  readonly direct: boolean;
}

/**
 * The reads and writes of `conn`: by the runtime's ops on its resource id when they are there,
 * else by its own methods.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
 * const server = await listener.accept();
 * const io = connIo(client);
 * assert.equal(await io.write(new TextEncoder().encode("hi")), 2);
 * const buf = new Uint8Array(8);
 * assert.equal(await server.read(buf), 2);
 * server.close();
 * assert.equal(await io.read(buf), 0); // the end of the stream
 * io.close();
 * listener.close();
 * ```
 */
export function connIo(conn: Deno.Conn): ConnIo {
  const rid = core ? (conn as unknown as Record<symbol, unknown>)[core.internalRidSymbol] : null;
  if (core && typeof rid === "number") {
    const ops = core;
    return {
      read: (buf) => ops.read(rid, buf),
      write: (bytes) => ops.write(rid, bytes),
      close: () => conn.close(),
      direct: true,
    };
  }
  return {
    read: async (buf) => (await conn.read(buf)) ?? 0,
    write: (bytes) => conn.write(bytes),
    close: () => conn.close(),
    direct: false,
  };
}
