/**
 * Keys on a terminal steer a run: `+` and `-` change the rate by 10%, `p` pauses and resumes,
 * `q` stops gracefully. The terminal is put in cbreak mode while the run goes (a key acts at
 * once, and Ctrl-C still sends SIGINT; a Ctrl-C byte, where a terminal passes one, is handled
 * as the signal would be).
 *
 * @module
 */

import type { ControlCommand } from "../client/steer/mod.ts";

/** The one-line hint printed at the start of a run on a terminal. */
export const KEYS_HINT = "keys: + / - rate ±10%, p pause/resume, q stop";

/**
 * The command a key gives, `interrupt` for Ctrl-C, or undefined.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(commandOfKey("+"), { type: "faster" });
 * assert.deepEqual(commandOfKey("p"), { type: "toggle" });
 * assert.equal(commandOfKey("\x03"), "interrupt");
 * assert.equal(commandOfKey("x"), undefined);
 * ```
 */
export function commandOfKey(key: string): ControlCommand | "interrupt" | undefined {
  switch (key) {
    case "+":
    case "=":
      return { type: "faster" };
    case "-":
    case "_":
      return { type: "slower" };
    case "p":
    case "P":
    case " ":
      return { type: "toggle" };
    case "q":
    case "Q":
      return { type: "stop" };
    case "\x03":
      return "interrupt";
  }
  return undefined;
}

/**
 * Reads keys from stdin when it is a terminal, until the returned function is called (which
 * restores the terminal). `onCommand` gets each key's command; `onInterrupt` each Ctrl-C.
 * Does nothing (and returns a no-op) when stdin is not a terminal.
 */
export function listenKeys(
  onCommand: (c: ControlCommand) => void,
  onInterrupt: () => void,
): (() => void) | undefined {
  if (!Deno.stdin.isTerminal()) return undefined;
  try {
    Deno.stdin.setRaw(true, { cbreak: true });
  } catch {
    return undefined;
  }
  let ended = false;
  const reader = Deno.stdin.readable.getReader();
  const decoder = new TextDecoder();
  (async () => {
    while (!ended) {
      const { value, done } = await reader.read();
      if (done || !value) break;
      for (const key of decoder.decode(value)) {
        const c = commandOfKey(key);
        if (c === "interrupt") onInterrupt();
        else if (c) onCommand(c);
      }
    }
  })().catch(() => {});
  return () => {
    ended = true;
    reader.cancel().catch(() => {});
    try {
      Deno.stdin.setRaw(false);
    } catch { /* the terminal is gone */ }
  };
}
