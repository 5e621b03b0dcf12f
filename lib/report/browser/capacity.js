// A capacity report (inlined by lib/report/page.ts after the chart engine, chart.js): its charts
// by rate asked.
/* global data, draw, capacitySpecs */

draw([capacitySpecs(data.capacity)]);
