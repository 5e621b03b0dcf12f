/**
 * What the pages chart: a run's chart specs (series, markers where a command or decision falls,
 * the overlay's shorter latency chart, the distribution's log axis), a capacity search's charts,
 * the lists under a run's charts, and the engine's tables and series options (colour by series,
 * dash by run, labels of an overlay, markers as points).
 *
 * @module
 */

import { assertEquals, assertOk } from "./_assert.ts";
import {
  chartIds,
  type ChartSpec,
  chartTables,
  fmtPercentile,
  hasData,
  percentileSplits,
} from "../lib/report/chart_tables.ts";
import { appendRow, type Columns, emptyColumns, type Row } from "../lib/report/series.ts";
import {
  capacitySpecs,
  type CapacityStep,
  chartSpecs,
  decisionLists,
} from "../lib/report/specs.ts";

function row(t: number, target: number, overrides: Partial<Row> = {}): Row {
  return {
    t,
    secs: 1,
    target,
    sent: target - 1,
    done: target - 2,
    lat: [1, 2, 3, 4],
    cor: [5, 6, 7, 8],
    queue: 0,
    jobs: null,
    inFlight: 1,
    consumers: 4,
    status: { "200": 10 },
    kinds: {},
    pacer: [10, 20],
    send: [30, 40],
    ...overrides,
  };
}

function columns(...rows: Row[]): Columns {
  const c = emptyColumns();
  for (const r of rows) appendRow(c, r);
  return c;
}

const curve = (p: number[], ms: number[]) => ({ p, ms });
const run = (c: Columns) => ({
  columns: c,
  curves: { corrected: curve([0, 90, 99], [1, 2, 3]), latency: curve([0, 99.9], [1, 4]) },
});
const seriesOf = (spec: ChartSpec) => Object.fromEntries(spec.series.map((s) => [s[0], s]));

Deno.test("specs: a run's seven charts, each series a column of the run over its seconds", () => {
  const c = columns(row(1, 100), row(2, 110, { status: { "200": 5, "503": 2 }, kinds: { t: 1 } }));
  const specs = chartSpecs(run(c), false);
  assertEquals(specs.map((s) => s.id), [
    "rate",
    "latency",
    "distribution",
    "status",
    "queue",
    "controller",
    "lateness",
  ]);
  for (const s of specs.filter((s) => s.id !== "distribution")) assertEquals(s.x, [1, 2], s.id);
  const rate = seriesOf(specs[0]!);
  assertEquals(rate["target"]![1], [100, 110]);
  assertEquals(rate["sent/s"]![1], [99, 109]);
  assertEquals(rate["done/s"]![1], [98, 108]);
  assertEquals(specs[1]!.series.map((s) => s[0]), [
    "corrected p50",
    "corrected p90",
    "corrected p99",
    "corrected max",
    "service p50",
    "service p99",
  ]);
  assertEquals(seriesOf(specs[1]!)["corrected max"]![1], [8, 8]);
  assertEquals(seriesOf(specs[1]!)["service p99"]![1], [3, 3]);
  // Status codes (a code first seen late is zero before), then error kinds.
  assertEquals(specs[3]!.series, [["HTTP 200", [10, 5]], ["HTTP 503", [0, 2]], ["t", [0, 1]]]);
  assertEquals(seriesOf(specs[6]!)["send p99"]![1], [40, 40]);
});

Deno.test("specs: overlaid runs keep three latency series each", () => {
  const specs = chartSpecs(run(columns(row(1, 100))), true);
  assertEquals(specs[1]!.series.map((s) => s[0]), [
    "corrected p50",
    "corrected p99",
    "service p99",
  ]);
});

Deno.test("specs: a chart by name after the latency, p99 and p50 in the name's colour", () => {
  const c = columns(row(1, 100), row(2, 100));
  c.names = [
    { name: "login", p50: [1, 2], p99: [5, null] },
    { name: "home", p50: [3, 4], p99: [6, 7] },
  ];
  const specs = chartSpecs(run(c), false, true);
  assertEquals(specs.map((s) => s.id).slice(0, 4), ["rate", "latency", "names", "distribution"]);
  assertEquals(specs[2]!.series, [
    ["login p99", [5, null], false, { hue: 0, dash: 0 }],
    ["login p50", [1, 2], false, { hue: 0, dash: 1 }],
    ["home p99", [6, 7], false, { hue: 1, dash: 0 }],
    ["home p50", [3, 4], false, { hue: 1, dash: 1 }],
  ]);
  const { series } = chartTables([specs], 2, ["r"]);
  assertEquals(series.map((s) => s.stroke), ["#2563eb", "#2563eb", "#dc2626", "#dc2626"]);
  assertEquals(series.map((s) => s.dash.length > 0), [false, true, false, true]);
  // Overlaid: p99 only; a run without names has the chart, empty; without the flag, none.
  assertEquals(chartSpecs(run(c), true, true)[2]!.series.map((s) => s[0]), [
    "login p99",
    "home p99",
  ]);
  assertEquals(chartSpecs(run(columns(row(1, 100))), true, true)[2]!.series, []);
  assertEquals(chartSpecs(run(c), false).length, 7);
});

// To 1e-9, and 0 rather than -0 (-log10(1) is -0).
const near = (xs: number[] | undefined) => xs?.map((x) => Math.round(x * 1e9) / 1e9 + 0);

Deno.test("specs: the distribution's x is -log10(1 - p), service time over its own x", () => {
  const [, , dist] = chartSpecs(run(columns(row(1, 100))), false);
  assertEquals(dist!.percentile, true);
  assertEquals(near(dist!.x), [0, 1, 2]);
  assertEquals(dist!.series, [["corrected", [1, 2, 3]]]);
  assertEquals(near(dist!.extra?.x), [0, 3]);
  assertEquals(dist!.extra?.series, [["service", [1, 4]]]);
});

Deno.test("specs: a command or decision is a point at the first interval ending at or after it", () => {
  const c = columns(row(1, 100), row(2, 110), row(3, 120), row(4, 130));
  c.events = [{ t: 0.5, text: "early" }, { t: 2, text: "on the edge" }];
  c.decisions = [{ t: 3.5, text: "cut" }];
  const specs = chartSpecs(run(c), false);
  assertEquals(seriesOf(specs[0]!)["run-time command"], [
    "run-time command",
    [100, 110, null, null],
    true,
  ]);
  assertEquals(seriesOf(specs[5]!)["controller decision"], [
    "controller decision",
    [null, null, null, 130],
    true,
  ]);
  // A decision after the last interval has no point yet.
  c.decisions = [{ t: 9, text: "late" }];
  const late = seriesOf(chartSpecs(run(c), false)[5]!);
  assertEquals(late["controller decision"]![1], [null, null, null, null]);
});

Deno.test("specs: no target rate is drawn where a run has none (virtual users, closed loop)", () => {
  const names = (spec: ChartSpec) => spec.series.map((s) => s[0]);
  // Virtual users: the rate is what they made; no line at 0 for a target they never had.
  const vus = columns(row(1, 0, { vus: 2, mean: 3 }), row(2, 0, { vus: 4, mean: 5 }));
  vus.events = [{ t: 2, text: "paused" }];
  const specs = chartSpecs(run(vus), false);
  assertEquals(specs.map((s) => s.id).slice(0, 3), ["rate", "vus", "latency"]);
  assertEquals(names(specs[0]!), ["sent/s", "done/s", "run-time command"]);
  assertOk(specs[0]!.title.includes("no target rate"), specs[0]!.title);
  // A command's marker sits on the rate sent; the controller chart has nothing to draw.
  assertEquals(seriesOf(specs[0]!)["run-time command"]![1], [null, -1]);
  const controller = specs.find((s) => s.id === "controller")!;
  assertEquals(names(controller), ["controller decision"]);
  assertEquals(controller.series[0]![1], [null, null]);
  // Their latency is not corrected: the distribution is the service time's alone.
  const dist = specs.find((s) => s.id === "distribution")!;
  assertEquals([dist.series, dist.extra], [[["service", [1, 4]]], undefined]);
  // Closed loop (rate 0 throughout): no target either; a rate of 0 for a while keeps it.
  const loop = chartSpecs(run(columns(row(1, 0), row(2, 0))), false);
  assertEquals(names(loop[0]!), ["sent/s", "done/s", "run-time command"]);
  const paused = chartSpecs(run(columns(row(1, 100), row(2, 0))), false);
  assertEquals(names(paused[0]!), ["target", "sent/s", "done/s", "run-time command"]);
  assertEquals(names(paused[5]!), ["target rate", "controller decision"]);
});

Deno.test("specs: no pacer lateness and no corrected latency without a schedule", () => {
  const vus = chartSpecs(run(columns(row(1, 0, { vus: 2, mean: 3 }))), false);
  const loop = chartSpecs(run(columns(row(1, 0), row(2, 0))), false);
  for (const specs of [vus, loop]) {
    assertEquals(specs.find((s) => s.id === "lateness"), undefined);
    const latency = specs.find((s) => s.id === "latency")!;
    assertOk(latency.series.every(([label]) => !label.startsWith("corrected")), latency.title);
    assertOk(latency.title.includes("not corrected"), latency.title);
  }
  const paced = chartSpecs(run(columns(row(1, 100))), false);
  assertEquals(paced.at(-1)!.id, "lateness");
});

Deno.test("specs: overlaid, a run without a target rate does not title the chart for all", () => {
  const vu = run(columns(row(1, 0, { vus: 2, mean: 3 }), row(2, 0, { vus: 4, mean: 5 })));
  const rate = run(columns(row(1, 100), row(2, 200)));
  const [first] = chartSpecs(vu, true, false, [vu, rate]);
  assertEquals(first!.title, "Rate: target, sent and done per second");
  // Alone, a run of VUs still says why it has no target.
  assertOk(chartSpecs(vu, true, false, [vu])[0]!.title.includes("no target rate"));
});

Deno.test("tables: overlaid runs of different kinds are matched chart by chart by id", () => {
  const vu = run(columns(row(1, 0, { vus: 2, mean: 3 }), row(2, 0, { vus: 4, mean: 5 })));
  const rate = run(columns(row(1, 100), row(2, 200)));
  const specs = [
    chartSpecs(vu, true, false, [vu, rate]),
    chartSpecs(rate, true, false, [vu, rate]),
  ];
  const ids = chartIds(specs);
  assertEquals(ids, [
    "rate",
    "vus",
    "latency",
    "distribution",
    "status",
    "queue",
    "controller",
    "lateness",
  ]);
  const labels = (id: string) => chartTables(specs, id, ["vu", "rate"]).series.map((s) => s.label);
  assertEquals(labels("vus"), ["VUs · vu"]);
  assertEquals(labels("latency"), [
    "p50 · vu",
    "p99 · vu",
    "mean · vu",
    "corrected p50 · rate",
    "corrected p99 · rate",
    "service p99 · rate",
  ]);
  assertEquals(labels("controller"), [
    "controller decision · vu",
    "target rate · rate",
    "controller decision · rate",
  ]);
  assertEquals(labels("lateness"), [
    "pacer p50 · rate",
    "pacer p99 · rate",
    "send p50 · rate",
    "send p99 · rate",
  ]);
  // Each series keeps its run's values: the rate run's target is its own.
  const { tables } = chartTables(specs, "rate", ["vu", "rate"]);
  assertEquals(tables[1]![1], [100, 200]);
});

const step = (rate: number, p99: number, pass: boolean): CapacityStep => ({
  rate,
  achieved: rate - 1,
  goodput: Math.min(rate, 500),
  p50_ms: p99 / 2,
  p99_ms: p99,
  in_flight: rate / 100,
  littles_law: (rate * p99) / 1000,
  pass,
});

Deno.test("specs: capacity charts by rate asked, the max rate and the knee as points", () => {
  const steps = [
    step(800, 900, false),
    step(100, 20, true),
    step(500, 30, true),
    step(400, 25, true),
  ];
  const [goodput, latency, littles] = capacitySpecs({ steps, max_rate: 500, knee_rate: 400 });
  for (const s of [goodput, latency, littles]) {
    assertEquals(s!.x, [100, 400, 500, 800], s!.id);
    assertEquals(s!.xLabel, "rate asked, /s", s!.id);
  }
  assertEquals(goodput!.series, [
    ["rate asked", [100, 400, 500, 800]],
    ["achieved", [99, 399, 499, 799]],
    ["goodput", [100, 400, 500, 500]],
    ["max rate", [null, null, 500, null], true],
    ["knee", [null, 400, null, null], true],
  ]);
  assertEquals(latency!.series, [["p50", [10, 12.5, 15, 450]], ["p99", [20, 25, 30, 900]]]);
  assertEquals(littles!.series, [
    ["in flight", [1, 4, 5, 8]],
    ["rate × latency", [2, 10, 15, 720]],
  ]);
  // The input's order is left alone.
  assertEquals(steps.map((s) => s.rate), [800, 100, 500, 400]);
  const none = capacitySpecs({ steps, max_rate: null, knee_rate: null })[0];
  assertEquals(none!.series[3]![1], [null, null, null, null]);
});

Deno.test("specs: the lists under the charts, commands first, the last 200 of each", () => {
  const a = columns(row(1, 100));
  a.events = [{ t: 1, text: "rate → 110/s (api)" }];
  a.decisions = [{ t: 2, text: "cut" }];
  const b = columns(row(1, 100));
  b.decisions = Array.from({ length: 250 }, (_, i) => ({ t: i, text: `d${i}` }));
  const lists = decisionLists([{ label: "a", columns: a }, { label: "b", columns: b }]);
  assertEquals(lists.map((l) => l.title), ["Run-time commands", "Controller decisions"]);
  assertEquals(lists[0]!.items, ["a t=1s: rate → 110/s (api)"]);
  assertEquals(lists[1]!.items.length, 200);
  assertEquals(lists[1]!.items[0], "b t=50s: d50");
  assertEquals(lists[1]!.items.at(-1), "b t=249s: d249");
  assertEquals(decisionLists([{ label: "c", columns: columns(row(1, 100)) }]), []);
});

const spec = (id: string, series: ChartSpec["series"], extra?: ChartSpec["extra"]): ChartSpec => ({
  id,
  title: id,
  unit: "",
  x: [1, 2],
  series,
  extra,
});

Deno.test("tables: one table per run, a colour per series, a dash per run", () => {
  const one = [spec("a", [["y", [1, 2]], ["m", [null, 2], true]])];
  const two = [spec("a", [["y", [3, 4]], ["m", [null, null], true]])];
  const { tables, series } = chartTables([one, two], 0, ["first", "second"]);
  assertEquals(tables, [[[1, 2], [1, 2], [null, 2]], [[1, 2], [3, 4], [null, null]]]);
  assertEquals(series.map((s) => s.label), ["y · first", "m · first", "y · second", "m · second"]);
  assertEquals(series.map((s) => s.run), [0, 0, 1, 1]);
  // The same series has the same colour in every run; the runs differ by dash.
  assertEquals(series.map((s) => s.stroke), ["#2563eb", "#dc2626", "#2563eb", "#dc2626"]);
  assertEquals(series.map((s) => s.dash), [[], [], [8, 4], [8, 4]]);
  // A marker series is points of its colour, with no line; a line has no points.
  assertEquals(series[1]!.points, { show: true, size: 9, fill: "#dc2626" });
  assertEquals(series[1]!.paths?.(), null);
  assertEquals(series[0]!.points, { show: false });
  assertEquals(series[0]!.paths, undefined);
  assertOk(series.every((s) => s.spanGaps && s.width === 1.5));
});

Deno.test("tables: a single run's labels are bare; colours cycle, across the extra part too", () => {
  const many = Array.from({ length: 7 }, (_, i): [string, number[]] => [`s${i}`, [i, i]]);
  const { tables, series } = chartTables(
    [[spec("a", many, { x: [5], series: [["e", [9]]] })]],
    0,
    ["only"],
  );
  assertEquals(tables.length, 2);
  assertEquals(tables[1], [[5], [9]]);
  assertEquals(series.at(-1)?.label, "e");
  assertEquals(series.at(-1)?.stroke, series[0]!.stroke, "the 8th series takes the 1st colour");
  assertEquals(new Set(series.slice(0, 7).map((s) => s.stroke)).size, 7);
  // The chart picked is the one at the index, in every run.
  const picked = chartTables([[spec("a", []), spec("b", [["z", [1, 1]]])]], 1, []);
  assertEquals(picked.series.map((s) => s.label), ["z"]);
});

Deno.test("tables: a chart has data when it has an x and a value that is not null", () => {
  assertEquals(hasData([[1, 2], [null, 3]]), true);
  assertEquals(hasData([[1, 2], [null, undefined], [null, null]]), false);
  assertEquals(hasData([[], []]), false);
  assertEquals(hasData([[1]]), false);
});

Deno.test("tables: the percentile axis, ticks at 0%, 90%, 99%, …", () => {
  assertEquals([0, 1, 2, 3, 4.5].map(fmtPercentile), ["0%", "90%", "99%", "99.9%", "99.996838%"]);
  assertEquals(percentileSplits(0, 3), [0, 1, 2, 3]);
  assertEquals(percentileSplits(0.5, 2.9), [1, 2]);
  assertEquals(percentileSplits(2.1, 2.9), []);
});
