// A run's report (inlined by lib/report/page.ts after the chart engine, chart.js): every run's
// charts, overlaid chart by chart, then the commands and decisions under them.
/* global data, draw, showLists, chartSpecs, decisionLists */

draw(data.runs.map((run) => chartSpecs(run, data.runs.length > 1)));
showLists(decisionLists(data.runs));
