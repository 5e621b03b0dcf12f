// A run's report (inlined by lib/report/page.ts after the chart engine, chart.js): every run's
// charts, overlaid chart by chart of the same id (with a chart by name when a run has several
// targets), then the commands and decisions under them; and the charts by rate of the capacity
// searches given to `report`, overlaid (a colour per search when several).
/* global data, draw, showLists, chartSpecs, decisionLists, capacitySpecs */

const byName = data.runs.some((run) => (run.columns.names ?? []).length > 0);
if (data.runs.length > 0) {
  // Each run's charts know the others', so a title holds for every run drawn on it.
  draw(data.runs.map((run) => chartSpecs(run, data.runs.length > 1, byName, data.runs)));
}
const searches = data.capacities ?? [];
if (searches.length > 0) {
  draw(
    searches.map((search) => capacitySpecs(search, searches.length > 1)),
    searches.map((c) => c.label),
    searches.length > 1 ? searches.map((c) => c.color) : undefined,
  );
}
showLists(decisionLists(data.runs));
