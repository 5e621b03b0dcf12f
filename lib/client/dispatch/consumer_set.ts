/**
 * The run's consumers as one unit: their connections are opened (and connected) before the first
 * tick, a consumer runs on each once the stage is known, more are added while ticks wait and
 * every consumer is on the wire (as vegeta adds workers), up to a ceiling; and Little's law names a
 * fixed `--consumers` that cannot reach the rate.
 *
 * @module
 */

import { type Clock, settlesWithin } from "../../clock.ts";
import type { ConnectionOptions, Connector, HttpConnection, RequestSpec } from "../http/mod.ts";
import type { IntervalSnapshot } from "../../results/mod.ts";
import { type ConsumerStage, runConsumer } from "./consumer.ts";
import { growthCeiling, littlesLaw } from "./sizing.ts";

/** How the set opens its connections and how far it may grow. */
export interface ConsumerSetOptions {
  request: RequestSpec;
  connect: Connector;
  connection: ConnectionOptions;
  /** Consumers to start with. */
  consumers: number;
  /** How far consumers may grow (`undefined`: a fixed `--consumers`). */
  maxConsumers?: number;
}

/** What the consumers were told about a rate they cannot reach, once. */
export interface FitInput {
  snap: IntervalSnapshot;
  /** The rate asked now. */
  rate: number;
  /** Ticks waiting in the queue, and requests on the wire. */
  queued: number;
  inFlight: number;
  /** The pacer's batch window, ms (a batch's ticks are on the wire at once). */
  batchMs: number;
}

/**
 * The run's consumers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { newResult, type Result } from "../record/mod.ts";
 * const conn = () => ({
 *   connect: () => Promise.resolve(),
 *   send: <R extends Partial<Result>>(r: R) => Promise.resolve(Object.assign(r, { status: 200 })),
 *   abort() {},
 *   close() {},
 * });
 * const set = new ConsumerSet({
 *   request: { url: new URL("http://127.0.0.1:1/"), method: "GET", headers: [] },
 *   connect: conn, connection: { engine: "raw", timeoutMs: 10, now: () => 0 },
 *   consumers: 2,
 * });
 * const ticks = [newResult(0, 0, 0), newResult(1, 0, 0), newResult(2, 0, 0)];
 * const done: number[] = [];
 * set.start({
 *   take: () => ticks.shift(), now: () => 0, live: { sent: 0, inFlight: 0 },
 *   finish: (r) => { done.push(r.seq); }, killed: () => false,
 * });
 * await set.done;
 * assert.equal(set.size, 2);
 * assert.deepEqual(done.sort(), [0, 1, 2]);
 * ```
 */
export class ConsumerSet {
  /** Every connection, those added during the run too. */
  readonly conns: HttpConnection[] = [];
  /** How far consumers may grow now; until the first interval, 32. */
  ceiling: number;
  #o: ConsumerSetOptions;
  #runs: Promise<void>[] = [];
  #stage: Omit<ConsumerStage, "conn"> | undefined;
  #noticed = false;
  #started: () => void;
  /** Resolves once every consumer ended, those added during the run too. */
  readonly done: Promise<void>;

  constructor(o: ConsumerSetOptions) {
    this.#o = o;
    for (let i = 0; i < o.consumers; i++) this.conns.push(o.connect(o.request, o.connection));
    this.ceiling = o.maxConsumers === undefined
      ? 0
      : Math.min(o.maxConsumers, Math.max(this.conns.length, 32));
    let started: () => void;
    const begun = new Promise<void>((r) => started = r);
    this.done = (async () => {
      await begun;
      for (let n = -1; n !== this.#runs.length;) {
        n = this.#runs.length;
        await Promise.all(this.#runs);
      }
    })();
    this.#started = started!;
  }

  /** Connects every connection opened so far, within `timeoutMs` (a slow one connects later). */
  async connect(timeoutMs: number, clock: Clock): Promise<void> {
    await settlesWithin(Promise.all(this.conns.map((c) => c.connect())), timeoutMs, clock);
  }

  /** Starts a consumer on each connection, with what every consumer is given. */
  start(stage: Omit<ConsumerStage, "conn">): void {
    this.#stage = stage;
    this.conns.forEach((conn, index) => this.#runs.push(runConsumer({ ...stage, conn, index })));
    this.#started();
  }

  /** Consumers now. */
  get size(): number {
    return this.conns.length;
  }

  /**
   * Ticks wait and every consumer is on the wire: adds one for each waiting tick, up to the
   * ceiling. (Not when consumers wait on something else, the CPU-job backlog.)
   */
  growFor(queued: number, inFlight: number): void {
    if (queued === 0 || inFlight < this.conns.length || this.conns.length >= this.ceiling) return;
    const n = Math.min(queued, this.ceiling - this.conns.length);
    for (let i = 0; i < n; i++) {
      const conn = this.#o.connect(this.#o.request, this.#o.connection);
      this.conns.push(conn);
      const index = this.conns.length - 1;
      if (this.#stage) this.#runs.push(runConsumer({ ...this.#stage, conn, index }));
    }
  }

  /**
   * After each interval: with consumers that grow, their ceiling from the rate and the latency;
   * with a fixed `--consumers` that cannot reach the rate (Little's law: rate × latency requests
   * in flight), the notice that says so, once. Growing a fixed count would feed back: a saturated
   * client measures longer latencies, asks for more consumers and saturates further.
   */
  fit(f: FitInput): string | undefined {
    if (f.snap.latency_ms.max === 0) return undefined;
    if (this.#o.maxConsumers !== undefined) {
      this.ceiling = growthCeiling({
        rate: f.rate,
        p50Ms: f.snap.latency_ms.p50,
        batchMs: f.batchMs,
        current: this.conns.length,
        max: this.#o.maxConsumers,
      });
      return undefined;
    }
    const needed = littlesLaw(f.rate, f.snap.latency_ms.p90, 1.25, 1);
    if (needed <= this.conns.length || (f.queued === 0 && f.inFlight < this.conns.length)) {
      return undefined;
    }
    // A backlog of CPU jobs holds the consumers (backpressure): the jobs are the limit then,
    // and more consumers would not help.
    if ((f.snap.jobs_queued ?? 0) > 0) return undefined;
    if (this.#noticed) return undefined;
    this.#noticed = true;
    return `--consumers ${this.conns.length} cannot reach ${Math.round(f.rate)}/s at ` +
      `${f.snap.latency_ms.p90}ms a request (p90); by Little's law about ${needed} are needed`;
  }

  /** Aborts every request on the wire. */
  abort(): void {
    for (const c of this.conns) c.abort();
  }
}
