/**
 * A run's workload, compiled before its first tick: its targets (each a compiled request with
 * its expected statuses and body checks), the mix that picks a target for each tick, and the
 * data rows. The client asks it, per request, for the target, the bytes and the verdict on the
 * response; nothing it answers parses or builds text (see `template.ts`).
 *
 * @module
 */

import { DEFAULT_EXPECT, failedCheck } from "./checks.ts";
import type { TargetSpec } from "./spec.ts";
import type { DataSource } from "./data.ts";
import { WorkloadError } from "./errors.ts";
import { Mix, type MixOptions } from "./mix.ts";
import { RequestTemplate, Scratch } from "./template.ts";

/** One target, as a targets file (or the flags) describe it: a target spec; `where` optional. */
export type WorkloadTarget = Omit<TargetSpec, "where"> & { where?: string };

/** What a request is, to the workload: its tick's sequence number and its target. */
export interface Tick {
  seq: number;
  target: number;
}

/** How a response ended, as the workload judges it (undefined: a status below 400 is ok). */
export type Judged = "ok" | "http_error" | "check_failed";

/** One connection's view of the workload: it fills requests into buffers of its own. */
export interface RequestWriter {
  /** The request's bytes (valid until this writer's next call). */
  bytes(t: Tick): Uint8Array;
  /** Whether the target's response body must be kept (it is checked). */
  keepsBody(target: number): boolean;
  /** The target's method. */
  method(target: number): string;
  /** The request for the `fetch` engine. */
  fetch(t: Tick): { url: string; method: string; headers: [string, string][]; body?: Uint8Array };
}

/**
 * The compiled workload.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const t = (name: string, weight: number) => ({
 *   name, weight, method: "GET", url: `http://127.0.0.1:8000/${name}/{{seq}}`, headers: [], checks: [],
 * });
 * const w = new Workload([t("a", 3), t("b", 1)]);
 * assert.deepEqual([0, 1, 2, 3].map((s) => w.targetOf(s)), [0, 0, 1, 0]);
 * const writer = w.writer();
 * const text = new TextDecoder().decode(writer.bytes({ seq: 7, target: 1 }));
 * assert.match(text, /^GET \/b\/7 HTTP\/1.1\r\n/);
 * ```
 */
export class Workload {
  readonly names: readonly string[];
  readonly templates: readonly RequestTemplate[];
  readonly origin: URL;
  readonly data: DataSource | undefined;
  readonly mix: Mix | undefined;
  #targets: readonly WorkloadTarget[];
  #judges: boolean[];
  #keeps: boolean[];
  #index: number;
  #count: number;
  /** Sequence numbers used by earlier runs of this workload (a capacity search's steps). */
  #base = 0;
  #used = 0;

  constructor(
    targets: readonly WorkloadTarget[],
    options: { mix?: MixOptions; data?: DataSource; shard?: { index: number; count: number } } = {},
  ) {
    if (targets.length === 0) throw new WorkloadError("no targets");
    this.#targets = targets;
    this.names = targets.map((t) => t.name);
    this.data = options.data;
    const columns = options.data?.columns ?? [];
    this.templates = targets.map((t) => {
      try {
        return new RequestTemplate(t, columns);
      } catch (err) {
        throw new WorkloadError((err as Error).message, t.where);
      }
    });
    this.origin = this.templates[0]!.origin;
    for (const [i, tpl] of this.templates.entries()) {
      if (tpl.origin.origin !== this.origin.origin) {
        throw new WorkloadError(
          `${tpl.origin.origin} is not ${this.origin.origin}: the targets of one run share one ` +
            "origin (scheme, host and port); run one tpsdemo per origin",
          targets[i]!.where,
        );
      }
    }
    this.mix = targets.length > 1 ? new Mix(targets.map((t) => t.weight), options.mix) : undefined;
    this.#judges = targets.map((t) => t.expect !== undefined || t.checks.length > 0);
    this.#keeps = targets.map((t) => t.checks.length > 0);
    this.#index = options.shard?.index ?? 0;
    this.#count = options.shard?.count ?? 1;
  }

  /** Whether any template has placeholders (or the run has several targets). */
  get dynamic(): boolean {
    return this.templates.length > 1 || this.templates.some((t) => t.static === undefined);
  }

  /** The request's sequence number across shards: shard i of N takes i, i + N, i + 2N, … */
  globalSeq(seq: number): number {
    return this.#base + seq * this.#count + this.#index;
  }

  /**
   * Starts another run of this workload (a capacity search's next step): its sequence numbers
   * go on after the last one used, so `{{seq}}` stays unique across the runs (and across shards).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * const w = new Workload([{ name: "a", weight: 1, method: "GET", url: "http://h/{{seq}}", headers: [], checks: [] }]);
   * const line = (seq: number) => new TextDecoder().decode(w.writer().bytes({ seq, target: 0 })).split("\r\n")[0];
   * assert.equal(line(0), "GET /0 HTTP/1.1");
   * line(1);
   * w.nextRun();
   * assert.equal(line(0), "GET /2 HTTP/1.1");
   * ```
   */
  nextRun(): void {
    this.#base = Math.ceil(this.#used / this.#count) * this.#count;
  }

  /** The target of tick `seq`. */
  targetOf(seq: number): number {
    return this.mix ? this.mix.at(this.globalSeq(seq)) : 0;
  }

  /** Whether the data ran out at tick `seq` (`--data-order queue`: each row once). */
  exhausted(seq: number): boolean {
    return this.data?.order === "queue" && this.globalSeq(seq) >= this.data.size;
  }

  /** A writer for one connection. */
  writer(): RequestWriter {
    const scratch = new Scratch();
    const ctx = { seq: 0, row: undefined as readonly string[] | undefined };
    const fill = (t: Tick) => {
      ctx.seq = this.globalSeq(t.seq);
      if (ctx.seq >= this.#used) this.#used = ctx.seq + 1;
      ctx.row = this.data?.row(ctx.seq);
      return ctx;
    };
    return {
      bytes: (t) => this.templates[t.target]!.fill(fill(t), scratch),
      keepsBody: (target) => this.#keeps[target] ?? false,
      method: (target) => this.#targets[target]!.method,
      fetch: (t) => {
        const tpl = this.templates[t.target]!;
        return { ...tpl.request(fill(t)), method: tpl.method };
      },
    };
  }

  /**
   * The verdict on a response of `target` (its status, and its body when kept), or undefined when
   * the target has no expectations (a status below 400 is ok).
   */
  judge(target: number, status: number, body: Uint8Array | undefined): Judged | undefined {
    if (!this.#judges[target]) return undefined;
    const t = this.#targets[target]!;
    if (!(t.expect ?? DEFAULT_EXPECT).has(status)) return "http_error";
    if (t.checks.length === 0) return "ok";
    return failedCheck(t.checks, body ?? new Uint8Array(0)) ? "check_failed" : "ok";
  }
}
