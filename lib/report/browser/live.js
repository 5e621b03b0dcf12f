// A run's live dashboard (inlined by lib/report/page.ts after the chart engine, chart.js): the
// charts grow as the run's server-sent events arrive (a row per interval, an event per run-time
// command, the summary at the end), and with data.control the buttons steer the run through its
// API.
/* global data, draw, showLists, setStatus, chartSpecs, decisionLists, appendRow, emptyColumns,
   eventText */

/** Follows the run's events until its summary. */
function startLive() {
  const run = data.runs[0];
  run.columns = emptyColumns();
  setStatus("live: connecting…");
  const events = new EventSource(data.events);
  if (data.control) addControls();
  events.addEventListener("row", (e) => {
    const m = JSON.parse(e.data);
    appendRow(run.columns, m.row);
    if (m.row.decision) run.columns.decisions.push({ t: m.row.t, text: m.row.decision });
    if (m.curves) run.curves = m.curves;
    draw([chartSpecs(run, false)]);
    showLists(decisionLists(data.runs));
    setStatus(`live: ${Math.round(m.row.t)} s`);
  });
  events.addEventListener("event", (e) => {
    const m = JSON.parse(e.data);
    run.columns.events.push({ t: m.t, text: eventText(m) });
    if (run.columns.t.length > 0) draw([chartSpecs(run, false)]);
    showLists(decisionLists(data.runs));
  });
  events.addEventListener("summary", (e) => {
    const m = JSON.parse(e.data);
    // The end: the key figures above the charts, the summary table under them, as on the report.
    document.getElementById("cards").innerHTML = m.cards ?? "";
    const summary = document.getElementById("summary");
    summary.innerHTML = m.header;
    document.getElementById("charts").after(summary);
    if (m.curves) run.curves = m.curves;
    if (m.columns) run.columns = m.columns;
    // The report's columns have each target's latency, when the run has several.
    draw([chartSpecs(run, false, (run.columns.names ?? []).length > 0)]);
    setStatus(`finished after ${Math.round(run.columns.t.at(-1) ?? 0)} s`);
    events.close();
  });
  events.onerror = () => setStatus(`disconnected after ${Math.round(run.columns.t.at(-1) ?? 0)} s`);
}

/** The run-time controls: the run's API (PUT /rate, POST /pause, /resume, /faster, …). */
function addControls() {
  const bar = document.createElement("div");
  bar.id = "steer";
  const say = document.createElement("span");
  const call = async (method, path, body) => {
    const res = await fetch(path, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const r = await res.json();
    say.textContent = r.ok ? eventText(r.event) : r.message;
  };
  const button = (text, title, action) => {
    const b = document.createElement("button");
    b.textContent = text;
    b.title = title;
    b.onclick = () => action().catch((err) => say.textContent = String(err));
    bar.append(b);
  };
  button("−10%", "slower", () => call("POST", "/slower"));
  button("+10%", "faster", () => call("POST", "/faster"));
  button("pause", "pause", () => call("POST", "/pause"));
  button("resume", "resume", () => call("POST", "/resume"));
  const input = document.createElement("input");
  input.type = "number";
  input.min = "1";
  input.placeholder = "rate/s";
  input.size = 8;
  bar.append(input);
  button("set rate", "PUT /rate", () => call("PUT", "/rate", { rate: Number(input.value) }));
  button("stop", "stop gracefully", () => call("POST", "/stop"));
  bar.append(say);
  document.querySelector("header").append(bar);
}

startLive();
