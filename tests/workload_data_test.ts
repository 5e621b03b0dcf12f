/** CSV data (RFC 4180) and the four orders its rows are handed out in. */
import { assertEquals, assertOk, assertThrows } from "./_assert.ts";
import { DataSource, parseCsv } from "../lib/workload/data.ts";
import { WorkloadError } from "../lib/workload/errors.ts";

Deno.test("csv: RFC 4180 fields, CRLF or LF, trailing newline optional", () => {
  const want = { columns: ["id", "name", "note"], rows: [["1", "a", "x"], ["2", "b", ""]] };
  assertEquals(parseCsv("id,name,note\n1,a,x\n2,b,\n", "d.csv"), want);
  assertEquals(parseCsv("id,name,note\r\n1,a,x\r\n2,b,\r\n", "d.csv"), want);
  assertEquals(parseCsv("id,name,note\n1,a,x\n2,b,", "d.csv"), want);
  assertEquals(parseCsv("\ufeffid,name,note\n1,a,x\n2,b,", "d.csv"), want); // a BOM is dropped
});

Deno.test("csv: quoted fields hold commas, quotes, newlines; spaces are kept", () => {
  const text = 'q,r\n"a, b","say ""hi"""\n"two\nlines","x\r\ny"\r\n"",  pad  \n';
  assertEquals(parseCsv(text, "d.csv").rows, [
    ["a, b", 'say "hi"'],
    ["two\nlines", "x\r\ny"],
    ["", "  pad  "],
  ]);
  // One column, and empty lines between rows skipped.
  assertEquals(parseCsv("id\n1\n\n2\r\n\r\n3", "d.csv").rows, [["1"], ["2"], ["3"]]);
  assertEquals(parseCsv("a,b\n,\n", "d.csv").rows, [["", ""]]);
});

Deno.test("csv: every error names file:line", () => {
  const cases: [string, RegExp][] = [
    ["", /^d\.csv:1: empty data file: expected a header row/],
    ["\n\n", /^d\.csv:1: empty data file/],
    ["id,name\n", /^d\.csv:1: no rows: the file has a header \(id, name\) and no rows/],
    ["id,name\n1,a\n2\n", /^d\.csv:3: a row has 1 fields, the header 2 \(id, name\)/],
    ['id,name\n"1\n2",a\n3,b,c\n', /^d\.csv:4: a row has 3 fields/], // lines counted in quotes
    ["id,id\n1,2\n", /^d\.csv:1: column 'id' is named twice/],
    ["id,,x\n1,2,3\n", /^d\.csv:1: column 2 of the header has no name/],
    ['id\n"open\n1\n', /^d\.csv:2: a quoted field is never closed/],
    ['id,n\n1,a"b\n', /^d\.csv:2: a quote inside an unquoted field \("a\\"b"\)/],
    ['id,n\n1,"a"b\n', /^d\.csv:2: a quoted field must be followed by a comma/],
  ];
  for (const [text, message] of cases) {
    const e = assertThrows(() => parseCsv(text, "d.csv"), WorkloadError);
    assertOk(message.test(e.message), `${JSON.stringify(text)}: ${e.message}`);
  }
});

const CSV = { columns: ["id", "name"], rows: ["a", "b", "c", "d", "e"].map((x) => [x, x]) };
const ids = (d: DataSource, seqs: number[]) => seqs.map((s) => d.row(s)?.[0]);
const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

Deno.test("data: sequence cycles; queue hands each row once, then none", () => {
  const seq = new DataSource(CSV, "sequence");
  assertEquals(ids(seq, range(7)), ["a", "b", "c", "d", "e", "a", "b"]);
  const queue = new DataSource(CSV, "queue");
  assertEquals(ids(queue, range(7)), ["a", "b", "c", "d", "e", undefined, undefined]);
  assertEquals([queue.size, queue.column("name"), queue.column("nope")], [5, 1, -1]);
  // The stored row itself, not a copy.
  assertOk(seq.row(5) === CSV.rows[0]);
});

Deno.test("data: shuffle is one seeded permutation, the same every pass", () => {
  const d = new DataSource(CSV, "shuffle", 1);
  const pass = ids(d, range(5));
  assertEquals([...pass].sort(), ["a", "b", "c", "d", "e"]);
  assertEquals(ids(d, range(5, 5)), pass);
  assertEquals(ids(new DataSource(CSV, "shuffle", 1), range(5)), pass);
  // Some other seed gives another order.
  const others = [2, 3, 4, 5, 6].map((seed) => ids(new DataSource(CSV, "shuffle", seed), range(5)));
  assertOk(others.some((o) => o.join() !== pass.join()));
});

Deno.test("data: random is seeded, per seq, and reaches every row", () => {
  const a = new DataSource(CSV, "random", 9);
  const b = new DataSource(CSV, "random", 9);
  const picks = ids(a, range(1000));
  assertEquals(ids(b, range(1000).reverse()).reverse(), picks);
  assertEquals(new Set(picks).size, 5);
  for (const id of ["a", "b", "c", "d", "e"]) {
    const n = picks.filter((p) => p === id).length;
    assertOk(n > 140 && n < 260, `${id}: ${n}`);
  }
  assertOk(ids(new DataSource(CSV, "random", 10), range(50)).join() !== picks.slice(0, 50).join());
});

Deno.test("data: no rows, or an unknown order, is a RangeError", () => {
  assertThrows(() => new DataSource({ columns: ["id"], rows: [] }, "sequence"), RangeError);
  // deno-lint-ignore no-explicit-any
  assertThrows(() => new DataSource(CSV, "backwards" as any), RangeError);
});
