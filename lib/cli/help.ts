/**
 * Help text generated from the flag specs, wrapped to {@linkcode HELP_WIDTH} columns.
 *
 * @module
 */

import { formatBytes, formatDuration } from "../units.ts";
import type { FlagSpec, FlagSpecs } from "./flags.ts";

/** `prefix` then `text` wrapped to `width` columns; continued lines align under the text. */
function wrap(prefix: string, text: string, width: number): string {
  const indent = " ".repeat(prefix.length);
  const lines: string[] = [];
  let line = prefix;
  let empty = true;
  for (const word of text.split(" ")) {
    if (!empty && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent + word;
    } else line = empty ? line + word : `${line} ${word}`;
    empty = false;
  }
  lines.push(line);
  return lines.join("\n");
}

/** Help text fits in this many columns. */
export const HELP_WIDTH = 100;

function showDefault(s: FlagSpec): string {
  const v = s.default as number;
  if (s.type === "duration") return formatDuration(v);
  if (s.type === "bytes") return formatBytes(v);
  return String(s.default);
}

/**
 * Renders the help text for a command from its flag specs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const help = renderHelp("serve", "Runs the mock server.", {
 *   port: { type: "int", default: 8000, valueName: "N", help: "Port" },
 * });
 * assert.match(help, /--port N\s+Port \(default 8000\)/);
 * ```
 */
export function renderHelp(command: string, summary: string, specs: FlagSpecs): string {
  const rows = Object.entries(specs).map(([name, s]) => {
    const aliases = s.aliases ?? [];
    const names = [
      ...aliases.filter((a) => a.length === 1).map((a) => `-${a}`),
      `--${name}`,
      ...aliases.filter((a) => a.length > 1).map((a) => `--${a}`),
    ].join(", ");
    const value = s.type === "boolean"
      ? (s.optionalValue
        ? `[=${s.optionalValue.join("|")}]`
        : s.anyValue
        ? `[=${s.valueName ?? "VALUE"}]`
        : "")
      : ` ${s.valueName ?? s.type.toUpperCase()}`;
    const def = s.default === undefined || s.default === false || s.default === ""
      ? ""
      : ` (default ${showDefault(s)})`;
    return [`${names}${value}`, `${s.help}${def}`];
  });
  const width = Math.max(...rows.map((r) => r[0]!.length), 10) + 2;
  const lines = rows.map(([l, r]) => wrap(`  ${l!.padEnd(width)}`, r!, HELP_WIDTH));
  return `Usage: tpsdemo ${command} [flags]\n\n${summary}\n\nFlags:\n${lines.join("\n")}\n  ${
    "-h, --help".padEnd(width)
  }Show this help`;
}
