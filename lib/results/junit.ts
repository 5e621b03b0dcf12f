/**
 * Thresholds' outcomes as JUnit XML, for CI systems: one test case per threshold, a failure for
 * each that failed.
 *
 * @module
 */

import type { ThresholdResult } from "./records.ts";

const xml = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/**
 * The outcomes as JUnit XML: one test case per threshold, a failure for each that failed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const text = junitXml([{ threshold: "p99<200ms", pass: false, value: 250, unit: "ms" }], 12.5);
 * assert.match(text, /<testsuite name="tpsdemo thresholds" tests="1" failures="1"/);
 * assert.match(text, /<testcase name="p99&lt;200ms"/);
 * ```
 */
export function junitXml(results: ThresholdResult[], seconds: number): string {
  const failures = results.filter((r) => !r.pass).length;
  const cases = results.map((r) => {
    const name = xml(r.threshold);
    const measured = `${r.value}${r.unit === "/s" ? "/s" : r.unit}`;
    return r.pass
      ? `  <testcase name="${name}" classname="tpsdemo.thresholds" time="0"/>`
      : `  <testcase name="${name}" classname="tpsdemo.thresholds" time="0">\n` +
        `    <failure message="${xml(`measured ${measured}`)}">${
          xml(`${r.threshold}: measured ${measured}`)
        }</failure>\n  </testcase>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<testsuites tests="${results.length}" failures="${failures}">\n` +
    `<testsuite name="tpsdemo thresholds" tests="${results.length}" failures="${failures}" ` +
    `time="${seconds}">\n${cases.join("\n")}\n</testsuite>\n</testsuites>\n`;
}
