/**
 * One-line notices, the first time something goes wrong in a given way during a run (the run goes
 * on): what it means, and what it is counted as.
 *
 * @module
 */

const NOTICES: Record<string, string> = {
  refused: "target unreachable: connection refused by",
  reset: "connection reset by",
  timeout: "requests time out at",
  bad_response: "malformed HTTP response from",
};

/**
 * A notifier for a run against `url`: `notice(kind, message)` passes one line to `say` the first
 * time a kind is seen.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const lines: string[] = [];
 * const notice = createNotifier("http://x/", (l) => lines.push(l));
 * notice("refused");
 * notice("refused");
 * notice("other", "boom");
 * assert.deepEqual(lines, [
 *   "target unreachable: connection refused by http://x/ (counted as 'refused' errors; the run goes on)",
 *   "requests to http://x/ fail: boom (counted as 'other' errors; the run goes on)",
 * ]);
 * ```
 */
export function createNotifier(
  url: string,
  say: (line: string) => void,
): (kind: string, message?: string) => void {
  const noticed = new Set<string>();
  return (kind, message) => {
    if (noticed.has(kind)) return;
    noticed.add(kind);
    const what = kind === "tls"
      ? `tls: ${message} (${url})`
      : NOTICES[kind]
      ? `${NOTICES[kind]} ${url}`
      : `requests to ${url} fail: ${message}`;
    say(`${what} (counted as '${kind}' errors; the run goes on)`);
  };
}
