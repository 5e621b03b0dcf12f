/**
 * A pool of Web Workers for the responses' CPU jobs (`workers/cpu_job.ts`), and the messages
 * between them ({@linkcode CpuJobIn}, {@linkcode CpuJobOut}). Jobs wait in a FIFO
 * for a free Worker; a job that fails is counted and its Worker replaced. `pending` (jobs not yet
 * started) lets the caller apply backpressure.
 *
 * @module
 */

/** Main → CPU-job Worker. */
export type CpuJobIn =
  | { type: "init"; itersPerMs: number }
  | {
    type: "job";
    id: number;
    kind: "cpu" | "sleep";
    ms: number;
    seed: number;
    /** Test hook: the job throws instead of working. */
    fail?: boolean;
  };

/** CPU-job Worker → main. */
export type CpuJobOut =
  | { type: "ready" }
  | { type: "result"; id: number; value: string; ms: number }
  | { type: "error"; id: number; message: string };

/** How a job ended. */
export type JobOutcome =
  | { ok: true; ms: number }
  | { ok: false; error: "failed" | "cancelled"; message: string };

/** What the run needs of a pool of CPU jobs. */
export interface JobPool {
  /** Jobs waiting for a Worker. */
  readonly pending: number;
  /** Queues a job of `ms`; resolves when it ends (never rejects). */
  submit(ms: number, options?: { seed?: number }): Promise<JobOutcome>;
  /** Resolves once fewer than `limit` jobs wait for a Worker. */
  whenPendingBelow(limit: number): Promise<void>;
  /** Cancels the jobs still waiting; running ones go on. */
  cancelPending(): number;
  /** Ends every job at once (`cancelled`). */
  close(): void;
}

/** Creates the pool a run uses (Workers by default). */
export type PoolFactory = (options: { size: number; kind: "cpu" | "sleep" }) => Promise<JobPool>;

/** Options of {@linkcode WorkerPool.create}. */
export interface WorkerPoolOptions {
  size: number;
  /** `cpu`: real hashing work; `sleep`: a blocking wait that uses no CPU. */
  kind: "cpu" | "sleep";
  /** Hashing iterations per ms of CPU (from `calibrateCpu`). */
  itersPerMs: number;
}

interface Job {
  id: number;
  ms: number;
  seed: number;
  fail: boolean;
  resolve: (o: JobOutcome) => void;
}

interface Slot {
  worker: Worker;
  job: Job | undefined;
}

/**
 * A pool of CPU-job Workers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const pool = await WorkerPool.create({ size: 2, kind: "sleep", itersPerMs: 0 });
 * const outcome = await pool.submit(5);
 * assert.equal(outcome.ok, true);
 * pool.close();
 * ```
 */
export class WorkerPool implements JobPool {
  #options: WorkerPoolOptions;
  #slots: Slot[] = [];
  #queue: Job[] = [];
  #nextId = 0;
  #replaced = 0;
  #closed = false;
  #space: (() => void)[] = [];

  private constructor(options: WorkerPoolOptions) {
    this.#options = options;
  }

  /** Starts `size` Workers and waits until each is ready. */
  static async create(options: WorkerPoolOptions): Promise<WorkerPool> {
    const pool = new WorkerPool(options);
    await Promise.all(Array.from({ length: options.size }, () => pool.#spawn()));
    return pool;
  }

  /** Jobs waiting for a Worker. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Workers running a job. */
  get busy(): number {
    return this.#slots.filter((s) => s.job).length;
  }

  /** Workers replaced after a failed job. */
  get replaced(): number {
    return this.#replaced;
  }

  get size(): number {
    return this.#options.size;
  }

  /** Queues a job of `ms`; resolves when it ends. */
  submit(ms: number, options: { seed?: number; fail?: boolean } = {}): Promise<JobOutcome> {
    if (this.#closed) {
      return Promise.resolve({ ok: false, error: "cancelled", message: "pool closed" });
    }
    return new Promise((resolve) => {
      this.#queue.push({
        id: ++this.#nextId,
        ms,
        seed: options.seed ?? 0,
        fail: options.fail ?? false,
        resolve,
      });
      this.#dispatch();
    });
  }

  /** Resolves once fewer than `limit` jobs wait for a Worker. */
  whenPendingBelow(limit: number): Promise<void> {
    if (this.#queue.length < limit || this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (this.#queue.length < limit || this.#closed) resolve();
        else this.#space.push(check);
      };
      this.#space.push(check);
    });
  }

  /** Cancels the jobs still waiting for a Worker; running ones go on. */
  cancelPending(): number {
    const jobs = this.#queue.splice(0);
    for (const j of jobs) j.resolve({ ok: false, error: "cancelled", message: "run stopped" });
    for (const f of this.#space.splice(0)) f();
    return jobs.length;
  }

  /** Terminates every Worker; jobs not finished end as `cancelled`. */
  close(): void {
    this.#closed = true;
    for (const s of this.#slots) {
      s.worker.terminate();
      s.job?.resolve({ ok: false, error: "cancelled", message: "pool closed" });
      s.job = undefined;
    }
    for (const j of this.#queue.splice(0)) {
      j.resolve({ ok: false, error: "cancelled", message: "pool closed" });
    }
    for (const f of this.#space.splice(0)) f();
  }

  #spawn(at?: number): Promise<void> {
    const worker = new Worker(new URL("../../../workers/cpu_job.ts", import.meta.url), {
      type: "module",
    });
    const slot: Slot = { worker, job: undefined };
    if (at === undefined) this.#slots.push(slot);
    else this.#slots[at] = slot;
    return new Promise((ready) => {
      worker.onmessage = (e: MessageEvent<CpuJobOut>) => {
        const m = e.data;
        if (m.type === "ready") return ready();
        const job = slot.job;
        slot.job = undefined;
        if (m.type === "result") job?.resolve({ ok: true, ms: m.ms });
        else {
          job?.resolve({ ok: false, error: "failed", message: m.message });
          this.#replace(slot);
        }
        this.#dispatch();
      };
      worker.onerror = (e) => {
        e.preventDefault();
        const job = slot.job;
        slot.job = undefined;
        job?.resolve({ ok: false, error: "failed", message: e.message });
        ready();
        this.#replace(slot);
        this.#dispatch();
      };
      worker.postMessage({ type: "init", itersPerMs: this.#options.itersPerMs } satisfies CpuJobIn);
    });
  }

  #replace(slot: Slot): void {
    if (this.#closed) return;
    slot.worker.terminate();
    this.#replaced++;
    // The new Worker takes jobs at once: messages wait until its script runs.
    void this.#spawn(this.#slots.indexOf(slot));
  }

  #dispatch(): void {
    if (this.#closed) return;
    for (const slot of this.#slots) {
      if (this.#queue.length === 0) break;
      if (slot.job) continue;
      const job = this.#queue.shift()!;
      slot.job = job;
      slot.worker.postMessage(
        {
          type: "job",
          id: job.id,
          kind: this.#options.kind,
          ms: job.ms,
          seed: job.seed,
          fail: job.fail || undefined,
        } satisfies CpuJobIn,
      );
    }
    if (this.#space.length > 0) { for (const f of this.#space.splice(0)) f(); }
  }
}
