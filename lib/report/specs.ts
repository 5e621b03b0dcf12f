/**
 * What the run and capacity pages chart, as pure functions of their data: a run's seven charts
 * from its columns and latency curves (with markers where the controller decided or a command
 * changed the rate), a capacity search's three charts by rate asked, and the lists of commands
 * and decisions under a run's charts. The page inlines these functions by their source text (see
 * `page.ts`), so each must stay self-contained: no reference to anything else in this module.
 *
 * @module
 */

import type { ChartSpec } from "./chart_tables.ts";
import type { PercentileCurve } from "../histogram.ts";
import type { Columns } from "./series.ts";

export { type CapacityCharts, capacitySpecs, type CapacityStep } from "./capacity_specs.ts";

/** A run as its charts need it. */
export interface ChartRun {
  columns: Columns;
  /** Corrected latency and service time as HDR percentile curves. */
  curves: { corrected: PercentileCurve; latency: PercentileCurve };
}

/**
 * A run's charts: rate, latency over time, latency distribution, status codes and errors, queue,
 * controller, lateness; with `names` (a page of runs with several targets), each name's corrected
 * latency over time after the latency chart (p99 solid and p50 dashed, a colour per name; p99
 * only when several runs are overlaid; no series for a run without names). With `several` runs
 * overlaid the latency chart keeps three series of each, so the overlay stays readable. A command
 * or decision is a point on the target at the first interval that ends at or after it. A run with
 * no target rate (virtual users, closed loop) draws none: no line at 0, no controller and no pacer
 * lateness; its latency is service time only (no schedule: nothing to correct from). `others`:
 * the runs overlaid with it, so titles hold for all (a target rate where another run has one).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { appendRow, emptyColumns } from "./series.ts";
 * const columns = emptyColumns();
 * const q = [1, 2, 3, 4] as [number, number, number, number];
 * appendRow(columns, {
 *   t: 1, secs: 1, target: 100, sent: 99, done: 98, lat: q, cor: q, queue: 0, jobs: null,
 *   inFlight: 1, consumers: 4, status: { "200": 98 }, kinds: {}, pacer: [1, 2], send: [1, 2],
 * });
 * const none = { p: [], ms: [] };
 * const specs = chartSpecs({ columns, curves: { corrected: none, latency: none } }, false);
 * assert.deepEqual(specs.map((s) => s.id), [
 *   "rate", "latency", "distribution", "status", "queue", "controller", "lateness",
 * ]);
 * ```
 */
export function chartSpecs(
  run: ChartRun,
  several: boolean,
  names = false,
  others: ChartRun[] = [],
): ChartSpec[] {
  const c = run.columns;
  // A marker at the first point at or after each decision or command.
  const markers = (list: { t: number }[], values: number[]) =>
    c.t.map((t, i) =>
      list.some((d) => d.t > (i > 0 ? c.t[i - 1]! : -Infinity) && d.t <= t) ? values[i]! : null
    );
  // Virtual users (a closed model): no schedule, so no corrected latency; the mean beside.
  const isVus = (x: Columns) => (x.vus ?? []).length > 0;
  const vus = isVus(c);
  // A target rate is drawn only where there is one: not for VUs, nor in closed loop (rate 0).
  const isPaced = (x: Columns) => !isVus(x) && x.target.some((r) => r > 0);
  const paced = isPaced(c);
  const anyPaced = paced || others.some((o) => isPaced(o.columns));
  const why = vus ? "virtual users" : "closed loop";
  const decisions = markers(c.decisions, c.target);
  // A command's marker sits on the target rate, or on the rate sent where there is none.
  const commands = markers(c.events ?? [], paced ? c.target : c.sent);
  const target = (label: string): ChartSpec["series"] => paced ? [[label, c.target]] : [];
  const unpaced = anyPaced
    ? ""
    : ` (no target rate: ${vus ? "virtual users set it" : "closed loop"})`;
  const latency: [string, number[]][] = !paced
    ? [
      ["p50", c.lat[0]!],
      ...(several ? [] : [["p90", c.lat[1]!]] as [string, number[]][]),
      ["p99", c.lat[2]!],
      ...(several ? [] : [["max", c.lat[3]!]] as [string, number[]][]),
      ...(vus ? [["mean", c.mean ?? []]] as [string, number[]][] : []),
    ]
    : several
    ? [["corrected p50", c.cor[0]!], ["corrected p99", c.cor[2]!], ["service p99", c.lat[2]!]]
    : [
      ["corrected p50", c.cor[0]!],
      ["corrected p90", c.cor[1]!],
      ["corrected p99", c.cor[2]!],
      ["corrected max", c.cor[3]!],
      ["service p50", c.lat[0]!],
      ["service p99", c.lat[2]!],
    ];
  const xlog = (p: number) => -Math.log10(Math.max(1e-9, 1 - p / 100));
  const byName: ChartSpec[] = names
    ? [{
      id: "names",
      title: `${vus ? "Latency" : "Corrected latency"} by name (ms): p99${
        several ? "" : " (solid) and p50 (dashed)"
      }`,
      unit: "ms",
      x: c.t,
      series: (c.names ?? []).flatMap((n, hue): ChartSpec["series"] =>
        several ? [[`${n.name} p99`, n.p99]] : [
          [`${n.name} p99`, n.p99, false, { hue, dash: 0 }],
          [`${n.name} p50`, n.p50, false, { hue, dash: 1 }],
        ]
      ),
    }]
    : [];
  return [
    {
      id: "rate",
      title: `Rate: ${anyPaced ? "target, " : ""}sent and done per second${unpaced}`,
      unit: "/s",
      x: c.t,
      series: [
        ...target("target"),
        ["sent/s", c.sent],
        ["done/s", c.done],
        ["run-time command", commands, true],
      ],
    },
    ...(vus
      ? [{
        id: "vus",
        title: "Virtual users active (closed model: they set the rate above)",
        unit: "VUs",
        x: c.t,
        series: [["VUs", c.vus ?? []]] as ChartSpec["series"],
      }]
      : []),
    {
      id: "latency",
      title: paced || anyPaced
        ? "Latency over time (ms): corrected from the schedule, and service time" +
          (paced ? "" : ` (${why}: service time only, no schedule)`)
        : `Latency over time (ms): service time${vus ? " and its mean" : ""}, not corrected ` +
          `for coordinated omission (${why}: no schedule)`,
      unit: "ms",
      x: c.t,
      series: latency,
    },
    ...byName,
    {
      id: "distribution",
      title: "Latency distribution (ms) by percentile",
      unit: "ms",
      percentile: true,
      // Virtual users and a closed loop have no schedule to correct from: service time only.
      ...(!paced
        ? { x: run.curves.latency.p.map(xlog), series: [["service", run.curves.latency.ms]] }
        : {
          x: run.curves.corrected.p.map(xlog),
          series: [["corrected", run.curves.corrected.ms]],
          extra: {
            x: run.curves.latency.p.map(xlog),
            series: [["service", run.curves.latency.ms]],
          },
        }),
    },
    {
      id: "status",
      title: "Status codes and errors per second",
      unit: "/s",
      x: c.t,
      series: [
        ...Object.entries(c.status).map(([k, v]): [string, number[]] => [`HTTP ${k}`, v]),
        ...Object.entries(c.kinds).map(([k, v]): [string, number[]] => [k, v]),
      ],
    },
    {
      id: "queue",
      title: "Queue depth, CPU-job backlog and requests in flight",
      unit: "",
      x: c.t,
      series: [["queue", c.queue], ["job backlog", c.jobs], ["in flight", c.inFlight]],
    },
    {
      id: "controller",
      title: "Controller: the target rate and its decisions",
      unit: "/s",
      x: c.t,
      series: [...target("target rate"), ["controller decision", decisions, true]],
    },
    // No pacer without a schedule (virtual users, closed loop): no lateness to draw.
    ...(paced
      ? [
        {
          id: "lateness",
          title: "Pacer and send lateness (µs)",
          unit: "µs",
          x: c.t,
          series: [
            ["pacer p50", c.pacer[0]!],
            ["pacer p99", c.pacer[1]!],
            ["send p50", c.send[0]!],
            ["send p99", c.send[1]!],
          ],
        },
      ] as ChartSpec[]
      : []),
  ];
}

/** A titled list of lines under the charts. */
export interface TextList {
  title: string;
  items: string[];
}

/**
 * The lists under a run's charts: its run-time commands, then its controller's decisions, each
 * line `LABEL t=Ts: TEXT` across the runs, the last 200 of each; an empty list is left out.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { emptyColumns } from "./series.ts";
 * const columns = { ...emptyColumns(), decisions: [{ t: 2, text: "cut" }] };
 * assert.deepEqual(decisionLists([{ label: "a", columns }]), [
 *   { title: "Controller decisions", items: ["a t=2s: cut"] },
 * ]);
 * ```
 */
export function decisionLists(runs: { label: string; columns: Columns }[]): TextList[] {
  const lists: [string, (columns: Columns) => { t: number; text: string }[]][] = [
    ["Run-time commands", (c) => c.events ?? []],
    ["Controller decisions", (c) => c.decisions],
  ];
  const out: TextList[] = [];
  for (const [title, of] of lists) {
    const all = runs.flatMap((r) => of(r.columns).map((d) => `${r.label} t=${d.t}s: ${d.text}`));
    if (all.length > 0) out.push({ title, items: all.slice(-200) });
  }
  return out;
}
