// serve's dashboard (inlined by lib/report/page.ts after the chart engine, chart.js): polls
// /stats every second, and charts the rates between successive polls (lib/report/serve_view.ts)
// under the latest poll's summary table.
/* global draw, setStatus, emptyServeColumns, appendStats, serveSpecs, serveSummaryHtml */

/** Polls /stats every second, from now on. */
function startServe() {
  const columns = emptyServeColumns();
  let last;
  const tick = async () => {
    const s = await (await fetch("/stats", { cache: "no-store" })).json();
    if (appendStats(columns, last, s)) draw([serveSpecs(columns)]);
    last = s;
    document.getElementById("summary").innerHTML = serveSummaryHtml(s);
  };
  const loop = () =>
    tick().catch(() => setStatus("cannot reach /stats")).finally(() => setTimeout(loop, 1000));
  setStatus("live: /stats every second");
  loop();
}

startServe();
