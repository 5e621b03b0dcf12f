/**
 * The thresholds of several runs as JUnit XML (`report --junit` given separate runs): a test suite
 * per run, a test case per run and threshold, named `RUN: THRESHOLD`; a failed one carries the
 * value measured.
 *
 * @module
 */

import type { ThresholdResult } from "../results/mod.ts";

const xml = (s: string) =>
  s.replace(/[&<>"']/g, (c) =>
    ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c] ??
      "&apos;");

/**
 * JUnit XML of each run's thresholds.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const text = junitRunsXml([
 *   { name: "a", seconds: 1, thresholds: [{ threshold: "p99<5ms", pass: true, value: 4, unit: "ms" }] },
 *   { name: "b", seconds: 1, thresholds: [{ threshold: "p99<5ms", pass: false, value: 9, unit: "ms" }] },
 * ]);
 * assert.match(text, /<testsuites tests="2" failures="1">/);
 * assert.match(text, /<testcase name="b: p99&lt;5ms" classname="tpsdemo.thresholds" time="0">/);
 * ```
 */
export function junitRunsXml(
  runs: { name: string; seconds: number; thresholds: ThresholdResult[] }[],
): string {
  const failuresOf = (ts: ThresholdResult[]) => ts.filter((t) => !t.pass).length;
  const suites = runs.map((run) => {
    const cases = run.thresholds.map((t) => {
      const name = xml(`${run.name}: ${t.threshold}`);
      const measured = `${t.value}${t.unit}`;
      return t.pass
        ? `  <testcase name="${name}" classname="tpsdemo.thresholds" time="0"/>`
        : `  <testcase name="${name}" classname="tpsdemo.thresholds" time="0">\n` +
          `    <failure message="${xml(`measured ${measured}`)}">${
            xml(`${run.name}: ${t.threshold}: measured ${measured}`)
          }</failure>\n  </testcase>`;
    });
    return `<testsuite name="${xml(`tpsdemo thresholds: ${run.name}`)}" ` +
      `tests="${run.thresholds.length}" failures="${failuresOf(run.thresholds)}" ` +
      `time="${run.seconds}">\n${cases.join("\n")}\n</testsuite>`;
  });
  const all = runs.flatMap((r) => r.thresholds);
  return `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<testsuites tests="${all.length}" failures="${failuresOf(all)}">\n${
      suites.join("\n")
    }\n</testsuites>\n`;
}
