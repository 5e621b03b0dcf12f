/**
 * A run's failures sorted by what they say: the target is overloaded (503, 429, timeouts, refused
 * or reset connections), the request is wrong (a 4xx the user's request caused: no rate will
 * change it), or the target failed otherwise (500, a malformed response). Cancels are the stop's,
 * not the target's. Pure.
 *
 * @module
 */

/** The failures of a run, by cause; each `detail` reads `503: 40, timeout: 2`. */
export interface Failures {
  overload: number;
  overloadDetail: string;
  request: number;
  requestDetail: string;
  other: number;
  otherDetail: string;
  /** Responses that failed their target's body checks. */
  check: number;
  /** Requests cancelled by the stop (a kill, or the drain's timeout). */
  cancelled: number;
}

/** Statuses and kinds that mean the target is overloaded: fewer requests would help. */
const OVERLOAD = new Set(["408", "429", "502", "503", "504", "timeout", "refused", "reset"]);

/**
 * Sorts `counts` (status codes ≥ 400 and error kinds, with their counts) by cause.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const f = classifyFailures({ "200": 90, "503": 6, "410": 3, "cancelled": 1 });
 * assert.deepEqual([f.overload, f.request, f.other, f.cancelled], [6, 3, 0, 1]);
 * assert.equal(f.requestDetail, "410: 3");
 * ```
 */
export function classifyFailures(counts: Record<string, number>): Failures {
  const parts = { overload: [] as string[], request: [] as string[], other: [] as string[] };
  const f: Failures = {
    overload: 0,
    overloadDetail: "",
    request: 0,
    requestDetail: "",
    other: 0,
    otherDetail: "",
    check: 0,
    cancelled: 0,
  };
  for (const [key, n] of Object.entries(counts)) {
    if (!(n > 0)) continue;
    const status = Number(key);
    if (key === "cancelled") f.cancelled += n;
    else if (key === "check") f.check += n;
    else if (Number.isInteger(status) && status < 400) continue;
    else if (OVERLOAD.has(key)) (f.overload += n, parts.overload.push(`${key}: ${n}`));
    else if (status >= 400 && status < 500) (f.request += n, parts.request.push(`${key}: ${n}`));
    else (f.other += n, parts.other.push(`${key}: ${n}`));
  }
  f.overloadDetail = parts.overload.join(", ");
  f.requestDetail = parts.request.join(", ");
  f.otherDetail = parts.other.join(", ");
  return f;
}

/**
 * What to change when the answers say the request is wrong, from the most frequent 4xx: the flag
 * that sets what the target objects to, and the words for it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(requestAdvice("401: 12").flag, "--header");
 * assert.equal(requestAdvice("410: 3").flag, undefined);
 * ```
 */
export function requestAdvice(detail: string): { flag?: string; advice: string } {
  const top = Number(/^(\d+)/.exec(detail)?.[1] ?? 0);
  switch (top) {
    case 401:
    case 403:
      return { flag: "--header", advice: "check the credentials it sends (--header)" };
    case 404:
    case 405:
      return { flag: "--url", advice: "check --url and --method" };
    case 410:
      return {
        advice: "the target says what was asked for is gone (sold out, deleted): that is its " +
          "answer, not a limit; reset the target or change the request",
      };
    case 409:
      return {
        advice: "the target refuses the request in its current state (409); check what " +
          "the request asks for",
      };
    default:
      return { flag: "--body", advice: "check the request (--method, --header, --body)" };
  }
}
