/**
 * Terminal helpers of the CLI edge: writing whole lines to a stream that may close, and the
 * two-stage Ctrl-C (the first stops cleanly, the second at once).
 *
 * @module
 */

import { UsageError } from "./flags.ts";

const enc = new TextEncoder();

/** What {@linkcode writeLine} writes to (`Deno.stdout`, `Deno.stderr`). */
export interface SyncWriter {
  writeSync(p: Uint8Array): number;
}

/**
 * Writes `line` and a newline; false when the reader has gone (a closed pipe).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const chunks: Uint8Array[] = [];
 * assert.equal(writeLine({ writeSync: (p) => (chunks.push(p), p.length) }, "hi"), true);
 * assert.equal(new TextDecoder().decode(chunks[0]), "hi\n");
 * assert.equal(writeLine({ writeSync: () => { throw new Error("EPIPE"); } }, "hi"), false);
 * ```
 */
export function writeLine(file: SyncWriter, line: string): boolean {
  const bytes = enc.encode(line + "\n");
  try {
    let off = 0;
    while (off < bytes.length) off += file.writeSync(bytes.subarray(off));
    return true;
  } catch {
    return false;
  }
}

/**
 * Listens for SIGINT and SIGTERM: `first` on the first, `again` on every later one. Returns a
 * function that removes the listeners.
 */
export function onInterrupt(first: () => void, again: () => void): () => void {
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  let count = 0;
  const handler = () => (++count === 1 ? first() : again());
  for (const s of signals) Deno.addSignalListener(s, handler);
  return () => {
    for (const s of signals) Deno.removeSignalListener(s, handler);
  };
}

/**
 * How many more files this process can open, counted up to `want` by opening `/dev/null` that
 * many times (and closing them again): `want` when the open-file limit (`ulimit -n`) leaves room,
 * fewer when it does not. Infinity where there is no such limit to probe (Windows).
 */
export function openFilesAvailable(want: number): number {
  if (Deno.build.os === "windows") return Infinity;
  const files: Deno.FsFile[] = [];
  try {
    while (files.length < want) files.push(Deno.openSync("/dev/null"));
  } catch {
    /* the limit */
  } finally {
    for (const f of files) f.close();
  }
  return files.length;
}

/**
 * Opens a file a flag names for writing (created, or emptied), or throws a {@linkcode UsageError}
 * naming the flag and the path.
 */
export function openForWrite(command: string, flag: string, path: string): Deno.FsFile {
  try {
    return Deno.openSync(path, { write: true, create: true, truncate: true });
  } catch (err) {
    throw UsageError.invalid(
      command,
      flag,
      path,
      `a file that can be written (${(err as Error).name})`,
    );
  }
}
