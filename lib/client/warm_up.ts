/**
 * The run's warm-up before its first tick.
 *
 * @module
 */

import { ResponseParser } from "./http/mod.ts";
import { newLive, Recorder } from "./record/mod.ts";
import { newResult } from "./record/mod.ts";

/**
 * Runs the per-request code on throwaway data before the first tick, so the JIT compiles it then
 * and not while the first ticks wait (a cold first report stalls the main thread: a burst of
 * late writes; BENCHMARKS.md, "Design notes").
 */
export function warmUp(): void {
  const rec = new Recorder(0, { controller: true });
  const parser = new ResponseParser();
  const canned = new TextEncoder().encode("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  for (let i = 0; i < 2000; i++) {
    const r = newResult(i, i, i);
    r.sentAt = i;
    r.doneAt = i + 1;
    r.status = i % 10 ? 200 : 503;
    r.bytes = 2;
    rec.record(r);
    parser.reset();
    parser.feed(canned);
  }
  const live = newLive({ scheduled: 2000, sent: 2000, rate: 1 });
  rec.takeWindow(2000, live);
  rec.takeInterval(2000, live);
}
