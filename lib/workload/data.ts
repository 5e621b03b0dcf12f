/**
 * Data for `{{row.COLUMN}}`: a CSV file (RFC 4180: a header row, commas, quoted fields with `""`
 * escapes and embedded commas or newlines, CRLF or LF) read by {@linkcode parseCsv}, and the
 * {@linkcode DataSource} that gives request `seq` its row in one of four orders. A row lookup
 * returns the stored array: nothing is allocated per request.
 *
 * @module
 */

import { WorkloadError } from "./errors.ts";
import { DEFAULT_SEED, unitAt } from "./random.ts";

/** A parsed CSV file: the header's column names and the rows, each as long as the header. */
export interface Csv {
  columns: string[];
  rows: string[][];
}

/**
 * Reads a CSV file with a header row. A UTF-8 byte-order mark is dropped; empty lines are skipped;
 * fields are kept as written (no trimming). `file` names the file in errors (`file:line`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const csv = parseCsv('id,name\r\n1,"Smith, J."\r\n2,"say ""hi"""\r\n', "users.csv");
 * assert.deepEqual(csv.columns, ["id", "name"]);
 * assert.deepEqual(csv.rows, [["1", "Smith, J."], ["2", 'say "hi"']]);
 * assert.throws(() => parseCsv("id,name\n1\n", "users.csv"), /users.csv:2: /);
 * ```
 */
export function parseCsv(text: string, file: string): Csv {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const records = readRecords(text, file);
  const header = records[0];
  if (header === undefined) {
    throw new WorkloadError(
      "empty data file: expected a header row of column names, then rows",
      `${file}:1`,
    );
  }
  const seen = new Set<string>();
  header.fields.forEach((name, i) => {
    if (name === "") {
      throw new WorkloadError(
        `column ${i + 1} of the header has no name`,
        `${file}:${header.line}`,
      );
    }
    if (seen.has(name)) {
      throw new WorkloadError(
        `column '${name}' is named twice in the header`,
        `${file}:${header.line}`,
      );
    }
    seen.add(name);
  });
  if (records.length === 1) {
    throw new WorkloadError(
      `no rows: the file has a header (${header.fields.join(", ")}) and no rows after it`,
      `${file}:${header.line}`,
    );
  }
  const rows = records.slice(1).map((r) => {
    if (r.fields.length !== header.fields.length) {
      throw new WorkloadError(
        `a row has ${r.fields.length} fields, the header ${header.fields.length} ` +
          `(${header.fields.join(", ")}); quote a field that holds a comma`,
        `${file}:${r.line}`,
      );
    }
    return r.fields;
  });
  return { columns: header.fields, rows };
}

interface CsvRecord {
  fields: string[];
  /** The line it starts on (1-based). */
  line: number;
}

function readRecords(text: string, file: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  const n = text.length;
  let i = 0;
  let line = 1;
  while (i < n) {
    if (text[i] === "\n" || (text[i] === "\r" && text[i + 1] === "\n")) { // an empty line
      i += text[i] === "\n" ? 1 : 2;
      line++;
      continue;
    }
    const record: CsvRecord = { fields: [], line };
    for (;;) {
      let value: string;
      if (text[i] === '"') {
        const opened = line;
        value = "";
        i++;
        for (;;) {
          const close = text.indexOf('"', i);
          if (close < 0) {
            throw new WorkloadError(
              "a quoted field is never closed: end it with '\"' (write a quote inside as '\"\"')",
              `${file}:${opened}`,
            );
          }
          const part = text.slice(i, close);
          for (let k = part.indexOf("\n"); k >= 0; k = part.indexOf("\n", k + 1)) line++;
          value += part;
          if (text[close + 1] === '"') {
            value += '"';
            i = close + 2;
          } else {
            i = close + 1;
            break;
          }
        }
        if (
          i < n && text[i] !== "," && text[i] !== "\n" &&
          !(text[i] === "\r" && text[i + 1] === "\n")
        ) {
          throw new WorkloadError(
            "a quoted field must be followed by a comma or the end of the line",
            `${file}:${line}`,
          );
        }
      } else {
        let end = i;
        while (end < n && text[end] !== "," && text[end] !== "\n") end++;
        value = text.slice(i, text[end] === "\n" && text[end - 1] === "\r" ? end - 1 : end);
        if (value.includes('"')) {
          throw new WorkloadError(
            `a quote inside an unquoted field (${JSON.stringify(value)}): quote the whole field ` +
              'and double the quote inside, as "a ""b"" c"',
            `${file}:${line}`,
          );
        }
        i = text[end] === "\n" && text[end - 1] === "\r" ? end - 1 : end;
      }
      record.fields.push(value);
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === "\r") i++;
      if (text[i] === "\n") {
        i++;
        line++;
      }
      break;
    }
    records.push(record);
  }
  return records;
}

/**
 * The order rows are handed out in: `sequence` (row `seq % n`), `random` (a seeded random row
 * each time, repeats allowed), `shuffle` (one seeded permutation, cycled: every pass visits each
 * row once, in the same shuffled order), `queue` (row `seq` once each; none after the last, and
 * the run then ends).
 */
export type DataOrder = "sequence" | "random" | "shuffle" | "queue";

/** The orders, for help text and flag checks. */
export const DATA_ORDERS: readonly DataOrder[] = ["sequence", "random", "shuffle", "queue"];

const DATA_SALT = 0x64617461; // "data"
const SHUFFLE_SALT = 0x73687566; // "shuf"

/**
 * The row for each request.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const csv = { columns: ["id"], rows: [["a"], ["b"], ["c"]] };
 * const seq = new DataSource(csv, "sequence");
 * assert.deepEqual([0, 1, 2, 3].map((s) => seq.row(s)?.[0]), ["a", "b", "c", "a"]);
 * const queue = new DataSource(csv, "queue");
 * assert.equal(queue.row(2)?.[0], "c");
 * assert.equal(queue.row(3), undefined);
 * assert.equal(queue.column("id"), 0);
 * assert.equal(queue.column("nope"), -1);
 * ```
 */
export class DataSource {
  readonly columns: readonly string[];
  readonly order: DataOrder;
  /** How many rows. */
  readonly size: number;
  #rows: string[][];
  #index: Map<string, number>;
  #seed: number;
  #permutation: Uint32Array;

  /** `seed` (default {@linkcode DEFAULT_SEED}) drives `random` and `shuffle`. */
  constructor(csv: Csv, order: DataOrder, seed: number = DEFAULT_SEED) {
    if (csv.rows.length === 0) throw new RangeError("Cannot use data: no rows");
    if (!DATA_ORDERS.includes(order)) {
      throw new RangeError(`Cannot use data: order '${order}'; allowed: ${DATA_ORDERS.join(", ")}`);
    }
    this.columns = csv.columns;
    this.order = order;
    this.size = csv.rows.length;
    this.#rows = csv.rows;
    this.#index = new Map(csv.columns.map((c, i) => [c, i]));
    this.#seed = (seed ^ DATA_SALT) | 0;
    this.#permutation = order === "shuffle"
      ? shuffled(this.size, seed ^ SHUFFLE_SALT)
      : new Uint32Array(0);
  }

  /** The index of a column, -1 when there is none by that name. */
  column(name: string): number {
    return this.#index.get(name) ?? -1;
  }

  /** The row of request `seq` (an integer ≥ 0); `undefined` only in `queue` order past the end. */
  row(seq: number): string[] | undefined {
    const n = this.size;
    switch (this.order) {
      case "sequence":
        return this.#rows[seq % n];
      case "random":
        return this.#rows[Math.floor(unitAt(this.#seed, seq) * n)];
      case "shuffle":
        return this.#rows[this.#permutation[seq % n]!];
      case "queue":
        return this.#rows[seq];
    }
  }
}

/** A seeded Fisher–Yates permutation of 0..n-1. */
function shuffled(n: number, seed: number): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(unitAt(seed, i) * (i + 1));
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}
