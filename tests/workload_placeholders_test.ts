/** The placeholder language: scans of text and of bodies, and the data columns they name. */
import { assertEquals, assertOk, assertThrows } from "./_assert.ts";
import {
  scanPlaceholderBytes,
  scanPlaceholders,
  validatePlaceholders,
} from "../lib/workload/placeholders.ts";
import type { TargetSpec } from "../lib/workload/spec.ts";
import { WorkloadError } from "../lib/workload/errors.ts";

Deno.test("placeholders: every kind, with its offsets and arguments", () => {
  const text = "/{{seq}}/{{uuid}}?r={{rand:-5:5}}&s={{randstr:16}}&u={{row.user_id}}&t={{ seq }}";
  const found = scanPlaceholders(text);
  assertEquals(found.map((p) => text.slice(p.start, p.end)), [
    "{{seq}}",
    "{{uuid}}",
    "{{rand:-5:5}}",
    "{{randstr:16}}",
    "{{row.user_id}}",
    "{{ seq }}",
  ]);
  assertEquals(found.map(({ start: _s, end: _e, ...rest }) => rest), [
    { kind: "seq" },
    { kind: "uuid" },
    { kind: "rand", a: -5, b: 5 },
    { kind: "randstr", n: 16 },
    { kind: "row", column: "user_id" },
    { kind: "seq" },
  ]);
  assertEquals(scanPlaceholders("plain { text } and }}"), []);
  assertEquals(scanPlaceholders('{"id":{{seq}}}'), [{ kind: "seq", start: 6, end: 13 }]);
  assertEquals(scanPlaceholders("{{rand:3:3}}{{randstr:1}}{{randstr:1024}}").length, 3);
  assertEquals(scanPlaceholders("{{row.名前}}")[0]?.column, "名前");
});

Deno.test("placeholders: an unknown or malformed one names itself and what is allowed", () => {
  const cases: [string, string][] = [
    ["{{sequence}}", "{{sequence}}: unknown placeholder"],
    ["{{}}", "{{}}: unknown placeholder"],
    ["{{SEQ}}", "{{SEQ}}: unknown placeholder"],
    ["{{rand:5:1}}", "{{rand:5:1}}: A is above B"],
    ["{{rand:1.5:3}}", "{{rand:1.5:3}}: unknown placeholder"],
    ["{{rand:1}}", "{{rand:1}}: unknown placeholder"],
    ["{{rand:1:99999999999999999999}}", "A and B are too large"],
    ["{{randstr:0}}", "{{randstr:0}}: N must be from 1 to 1024"],
    ["{{randstr:1025}}", "N must be from 1 to 1024"],
    ["{{row.}}", "{{row.}}: unknown placeholder"],
    ["{{row.a b}}", "{{row.a b}}: unknown placeholder"],
    ["x {{seq", "'{{seq…' opens a placeholder that is never closed"],
    ["{{{seq}}}", "{{{seq}}: unknown placeholder"],
  ];
  for (const [text, what] of cases) {
    const e = assertThrows(() => scanPlaceholders(text), WorkloadError);
    assertOk(e.message.includes(what), `${text}: ${e.message}`);
    assertOk(e.message.includes("placeholders are {{seq}}, {{uuid}}, {{rand:A:B}}"), e.message);
  }
});

Deno.test("placeholders: bodies are scanned as bytes, binary or not", () => {
  const enc = new TextEncoder();
  const body = new Uint8Array([
    0xff,
    0x00,
    ...enc.encode("é{{seq}}"),
    0x7b,
    0xfe,
    ...enc.encode("{{row.id}}"),
  ]);
  const found = scanPlaceholderBytes(body);
  assertEquals(found, [
    { kind: "seq", start: 4, end: 11 },
    { kind: "row", start: 13, end: 23, column: "id" },
  ]);
  assertEquals(scanPlaceholderBytes(new Uint8Array([0x7b, 0x7d, 0x7d, 0x7b])), []);
  assertEquals(scanPlaceholderBytes(new Uint8Array(0)), []);
  assertThrows(() => scanPlaceholderBytes(enc.encode("{{nope}}")), WorkloadError);
  assertThrows(() => scanPlaceholderBytes(enc.encode("ab{{seq")), WorkloadError);
  assertThrows(
    () => scanPlaceholderBytes(new Uint8Array([0x7b, 0x7b, 0xff, 0x7d, 0x7d])),
    WorkloadError,
  );
});

const spec = (over: Partial<TargetSpec>): TargetSpec => ({
  name: "t",
  weight: 1,
  method: "POST",
  url: "http://h/",
  headers: [],
  checks: [],
  where: "t.txt:4",
  ...over,
});

Deno.test("placeholders: {{row.X}} needs --data and a column X, wherever it is", () => {
  const enc = new TextEncoder();
  const specs = [
    spec({ url: "http://h/{{row.id}}" }),
    spec({ headers: [["X-Id", "{{row.id}}"]] }),
    spec({ body: enc.encode('{"id":"{{row.id}}"}') }),
  ];
  for (const s of specs) {
    validatePlaceholders(s, ["id", "name"]);
    const none = assertThrows(() => validatePlaceholders(s, undefined), WorkloadError);
    assertEquals(
      none.message,
      "t.txt:4: {{row.id}} needs a data file: give --data FILE.csv (a header row, then rows)",
    );
    const wrong = assertThrows(() => validatePlaceholders(s, ["uid", "name"]), WorkloadError);
    assertEquals(
      wrong.message,
      "t.txt:4: {{row.id}}: the data has no column 'id'; columns: uid, name",
    );
  }
  // Without row placeholders, no data is fine; a bad placeholder is named at the target.
  validatePlaceholders(spec({ url: "http://h/{{seq}}" }), undefined);
  const bad = assertThrows(
    () => validatePlaceholders(spec({ url: "http://h/{{x}}" }), []),
    WorkloadError,
  );
  assertOk(bad.message.startsWith("t.txt:4: {{x}}: unknown placeholder"), bad.message);
});
